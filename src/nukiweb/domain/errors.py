"""The one tree of errors that services raise; ``nukiweb.api.errors`` maps each to its status.

NukiwebError
├── InvalidParameter       400  a value the client sent is not acceptable
├── Unauthorized           401  no token, an unknown or revoked one, or one without the scope
├── Forbidden              403  the caller's rights do not allow the operation
├── NotFound               404  no such object for this caller
├── MethodNotAllowed       405  the operation does not apply to this object
├── Conflict               409  the change clashes with existing data (a taken email, ...)
├── Locked                 423  another operation on the object is still in flight
└── Throttled              429  too many failed attempts, or mails to one address: wait a while
"""

from __future__ import annotations

from datetime import timedelta


class NukiwebError(Exception):
    """Base of every error a client can cause; ``message`` is safe to show to the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameter(NukiwebError):
    def __init__(self, parameter: str, value: object, reason: str | None = None) -> None:
        message = f"The supplied value '{value}' for parameter '{parameter}' is not valid."
        if reason:
            message = f"{message} {reason}"
        super().__init__(message)
        self.parameter = parameter


class Unauthorized(NukiwebError):
    def __init__(self) -> None:
        # The vendor's wording, which clients in the wild match on.
        super().__init__("Your access token is not authorized")


class Forbidden(NukiwebError):
    pass


class NotFound(NukiwebError):
    def __init__(self, what: str, identifier: object) -> None:
        super().__init__(f"The {what} '{identifier}' was not found.")


class MethodNotAllowed(NukiwebError):
    pass


class Conflict(NukiwebError):
    pass


class Locked(NukiwebError):
    pass


class Throttled(NukiwebError):
    """Too many attempts (links tried, mails asked for) in a while; ``retry_after`` says how
    long to wait."""

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after
