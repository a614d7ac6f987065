"""Every error a client can cause, as one status code and the vendor's JSON error body.

The vendor's service is Java (Restlet) and answers errors with a serialised exception:
``{"detailMessage": …, "stackTrace": [], "suppressedExceptions": []}`` (vendor-behaviour §1.2).
nukiweb uses that shape for every error; the stack trace is always empty.

A store that cannot answer now (``store.faults.StoreUnavailable``: the database down or
restarting, SQLite's write lock held by another process beyond the busy timeout) is no error of
the client's and no bug: 503 with ``Retry-After``, and one line in the server's log.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from nukiweb.api.endpoint import check_access
from nukiweb.domain import errors
from nukiweb.store.faults import StoreUnavailable

log = logging.getLogger(__name__)

STATUS: dict[type[errors.NukiwebError], int] = {
    errors.InvalidParameter: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.MethodNotAllowed: 405,
    errors.Conflict: 409,
    errors.Locked: 423,
    errors.Throttled: 429,
}


def error_body(message: str) -> dict[str, Any]:
    return {"detailMessage": message, "stackTrace": [], "suppressedExceptions": []}


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(message), status_code=status)


# Seconds a client is told to wait when the store cannot answer: about what a PostgreSQL
# restart or a failover takes, and beyond SQLite's busy timeout.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS)}
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable: please try again shortly."


def log_unavailable(request: Request, error: StoreUnavailable) -> None:
    """One line per request the store could not serve: the reason, never a stack trace (an
    outage would bury the log in identical ones)."""
    log.warning(
        "%s %s: 503, the store is unavailable: %s", request.method, request.url.path, error.reason
    )


def unavailable_response(request: Request, error: StoreUnavailable) -> JSONResponse:
    log_unavailable(request, error)
    return JSONResponse(
        error_body(UNAVAILABLE_MESSAGE), status_code=503, headers=UNAVAILABLE_HEADERS
    )


def domain_error_response(error: errors.NukiwebError) -> JSONResponse:
    response = error_response(status_of(error), error.message)
    if isinstance(error, errors.Throttled):  # says when to try again
        seconds = max(1, math.ceil(error.retry_after.total_seconds()))
        response.headers["Retry-After"] = str(seconds)
    return response


def status_of(error: errors.NukiwebError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


# What pydantic says of a value of the right type outside its field's bounds.
_OUT_OF_BOUNDS = frozenset(
    {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "string_too_long"}
)


def unknown_path_id(error: RequestValidationError) -> errors.NotFound | None:
    """A path id of the right type but outside the bounds of the ids it could name names
    nothing: ``NotFound``, as for an id that names no object of the caller's
    (``api.parameters``)."""
    for item in error.errors():
        location = item.get("loc", ())
        if location[:1] == ("path",) and item.get("type") in _OUT_OF_BOUNDS:
            parameter = str(location[-1])
            return errors.NotFound(parameter, _shown(parameter, item.get("input")))
    return None


def validation_message(error: RequestValidationError) -> str:
    """The vendor's sentence for the first invalid value: "The supplied value 'x' for parameter
    'y' is not valid."."""
    first = error.errors()[0]
    if first.get("type") == "json_invalid":
        return f"The request body is not valid JSON: {first.get('ctx', {}).get('error')}."
    location = [str(part) for part in first.get("loc", ()) if not isinstance(part, int)]
    parameter = ".".join(location[1:]) or (location[0] if location else "body")
    value = None if first.get("type") == "missing" else first.get("input")
    return (
        f"The supplied value '{_shown(parameter, value)}' for parameter '{parameter}' is not valid."
    )


SECRET_PARAMETERS = ("password", "secret", "token", "adminPin", "code")


def _shown(parameter: str, value: object) -> str:
    """The value as the message may show it: never a secret, never a whole document (which
    could hold one)."""
    if value is None:
        return "null"
    if parameter.rsplit(".", 1)[-1] in SECRET_PARAMETERS:
        return "*****"
    if isinstance(value, dict):
        return "{...}" if value else "{}"
    if isinstance(value, list):
        return "[...]" if value else "[]"
    return str(value)[:100]


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.NukiwebError)
    async def domain_error(_request: Request, error: errors.NukiwebError) -> JSONResponse:
        return domain_error_response(error)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, error: StoreUnavailable) -> JSONResponse:
        return unavailable_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        try:
            check_access(request)
        except errors.NukiwebError as refused:
            return error_response(status_of(refused), refused.message)
        except StoreUnavailable as unavailable:  # who is asking could not be looked up
            return unavailable_response(request, unavailable)
        unknown = unknown_path_id(error)
        if unknown is not None:
            return error_response(404, unknown.message)
        return error_response(400, validation_message(error))

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(str(error.detail)), status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(DataError)
    async def unstorable_value(_request: Request, _error: DataError) -> JSONResponse:
        # A value no column can hold (PostgreSQL refuses NUL characters in text and integers
        # beyond a column's range): the client's input, refused before anything was written
        # (the transaction rolled back).
        return error_response(400, "A supplied value is not valid: the store cannot hold it.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return error_response(500, "Internal server error")
