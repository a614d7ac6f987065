"""What every model shares: the vendor's date format and tolerant request parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer
from pydantic_core import PydanticCustomError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
"""The spec's int64, and the most any integer column can hold: the bound of every integer a
client sends that has none narrower (beyond it, SQLite's driver raises and PostgreSQL refuses)."""
SmartlockIdValue = Annotated[int, Field(ge=0, le=INT64_MAX)]


def format_datetime(value: datetime) -> str:
    """``2026-01-31T12:00:00.000Z``, as the vendor writes dates (years with four digits)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _in_utc(value: datetime) -> datetime:
    """A date with a zone as the instant in UTC, as nukiweb keeps and writes dates: one whose
    UTC date is before year 1 or after 9999 is none (a date without a zone is left to the use
    case, which says whether it needs one)."""
    if value.utcoffset() is None:
        return value
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError(
            "datetime_range", "The date in UTC must lie in the years 1 to 9999"
        ) from None


ApiDateTime = Annotated[
    datetime, AfterValidator(_in_utc), PlainSerializer(format_datetime, return_type=str)
]


class RequestModel(BaseModel):
    """A request body: unknown fields are ignored and numbers may arrive as numeric strings,
    as real clients send them."""

    model_config = ConfigDict(extra="ignore")


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
