"""What every model shares: the vendor's date format and tolerant request parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
"""The spec's int64, and the most any integer column can hold: the bound of every integer a
client sends that has none narrower (beyond it, SQLite's driver raises and PostgreSQL refuses)."""
SmartlockIdValue = Annotated[int, Field(ge=0, le=INT64_MAX)]


def format_datetime(value: datetime) -> str:
    """``2026-01-31T12:00:00.000Z``, as the vendor writes dates."""
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


ApiDateTime = Annotated[datetime, PlainSerializer(format_datetime, return_type=str)]


class RequestModel(BaseModel):
    """A request body: unknown fields are ignored and numbers may arrive as numeric strings,
    as real clients send them."""

    model_config = ConfigDict(extra="ignore")


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
