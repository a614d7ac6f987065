"""The kinds of path and query parameters the routers take.

A path id has the bounds of the ids it could name. One of the right type outside them names
nothing and is answered 404 before any lookup (``api.errors``), as an id that names no object
of the caller's is: ``/smartlock/99999999999999999999`` as ``/smartlock/17179869185``. One that
is no integer where an integer is expected (``/smartlock/abc``) is a bad request, 400. Integers
in queries are bounded by what the store can hold (``Int64``); beyond, they are a bad request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import TypeAdapter, ValidationError

from nukiweb.api.models.common import INT32_MAX, Int64
from nukiweb.domain.devices import MAX_SMARTLOCK_ID
from nukiweb.domain.errors import InvalidParameter

Int32Id = Annotated[int, Path(ge=0, le=INT32_MAX)]
"""A numeric id in a path: the spec types them int32."""

SmartlockId = Annotated[int, Path(ge=0, le=MAX_SMARTLOCK_ID)]
"""A smartlockId in a path: a device type 0 … 4 before a 32-bit nukiId (doc §1.3)."""

TextId = Annotated[str, Path(max_length=24)]
"""An id that is text in a path (authorizations, tokens, notifications: 24 characters)."""

_INTEGERS = TypeAdapter(list[Int64])


def comma_separated_integers(name: str, text: str | None) -> list[int] | None:
    """A filter of comma-separated integers (``types=0,2,13``); ``None`` when it has none."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    if not parts:
        return None
    try:
        return _INTEGERS.validate_python(parts)
    except ValidationError:
        raise InvalidParameter(name, (text or "")[:100]) from None
