"""Schemas of the Company tag: Company."""

from __future__ import annotations

from nukiweb.api.models.common import ResponseModel
from nukiweb.domain.companies import Company as CompanyRecord


class Company(ResponseModel):
    name: str
    email: str | None = None

    @classmethod
    def of(cls, company: CompanyRecord) -> Company:
        return cls(name=company.name, email=company.email)
