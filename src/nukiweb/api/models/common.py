"""What every model shares: the vendor's date format and tolerant request parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer


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
