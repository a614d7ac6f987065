"""When the store cannot answer: the database is down, restarting, refused a connection, dropped
one, or (SQLite) another process held the write lock for longer than the busy timeout.

None of that is the caller's doing, and all of it passes: the store turns such a failure into
``StoreUnavailable`` (a request answers 503 with ``Retry-After``, a background worker waits and
tries again), and a read whose connection was lost under it into ``ConnectionLost`` (the read
may run once more, on a new connection). Every other database error stays what it was: a bug
is not to be dressed up as an outage.

StoreUnavailable        the store cannot answer now; try again in a few seconds
└── ConnectionLost      a read's connection died under it; a new one may answer at once
"""

from __future__ import annotations

import random
import sqlite3

import psycopg
from sqlalchemy import exc

# SQLSTATE classes of PostgreSQL errors that pass with time: connection exception (08),
# insufficient resources (53: too many connections, out of memory, disk full), operator
# intervention (57: shutting down, terminated, starting up, statement timeout), system error
# (58), and transaction rollback (40: a serialization failure or deadlock, which the next try
# does not meet).
_TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57", "58"})
# SQLite's "database is locked": another connection held the lock beyond busy_timeout.
_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")


class StoreUnavailable(Exception):
    """The store cannot answer now. ``reason`` is one line, safe for a log (not for a client:
    it may name the database's host)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConnectionLost(StoreUnavailable):
    """The connection a read was using died under it (PostgreSQL restarted, or ended the
    session): nothing was written, and the read may run again on a new connection."""


def unavailability(error: BaseException) -> StoreUnavailable | None:
    """``error`` as ``StoreUnavailable`` if it says the store cannot answer now (the caller
    chains it), ``None`` if it is any other error."""
    if isinstance(error, StoreUnavailable):
        return error
    if isinstance(error, exc.TimeoutError):  # every pooled connection busy for pool_timeout
        return StoreUnavailable(describe(error))
    cause = error.orig if isinstance(error, exc.DBAPIError) else error
    lost = isinstance(error, exc.DBAPIError) and error.connection_invalidated
    if lost or _transient(cause):
        return StoreUnavailable(describe(error if cause is None else cause))
    return None


def _transient(error: BaseException | None) -> bool:
    if isinstance(error, psycopg.OperationalError):
        # No SQLSTATE: the client's side of a connection that failed or broke (refused, reset,
        # "server closed the connection unexpectedly", "the connection is closed").
        state = error.sqlstate
        return state is None or state[:2] in _TRANSIENT_CLASSES
    if isinstance(error, sqlite3.OperationalError):
        return getattr(error, "sqlite_errorname", "").startswith(_SQLITE_BUSY)
    return False


def describe(error: BaseException) -> str:
    """The error in one line, for a log."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else 'no message'}"


class Backoff:
    """How long a background worker waits before it tries an unavailable store again: doubling
    from ``first`` up to ``longest`` seconds, each wait drawn between its half and itself, so
    that workers of several processes do not all come back at the same instant."""

    def __init__(self, first: float = 0.5, longest: float = 10.0) -> None:
        self._first = first
        self._longest = longest
        self._next = first
        self.failures = 0

    def wait(self) -> float:
        """The wait after one more failure in a row."""
        self.failures += 1
        ceiling = self._next
        self._next = min(self._longest, self._next * 2)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret

    def reset(self) -> None:
        """The store answered: the next failure starts again from the shortest wait."""
        self._next = self._first
        self.failures = 0
