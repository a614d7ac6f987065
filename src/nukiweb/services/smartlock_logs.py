"""Use cases of the SmartlockLog tag: the activity log of an account's devices."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from nukiweb.domain.errors import InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.smartlocks import LogEntry, LogQuery
from nukiweb.services.context import ServiceContext
from nukiweb.store import logs as log_store
from nukiweb.store import smartlocks as device_store
from nukiweb.store.logs import EntryRow

DEFAULT_LIMIT = 20
MAX_LIMIT = 50


def list_entries(ctx: ServiceContext, caller: Caller, query: LogQuery) -> list[LogEntry]:
    """Newest first; ``before_id`` pages to entries older than that one."""
    _check_limit(query)
    with ctx.db.read() as conn:
        return [LogEntry(*row) for row in _page(conn, caller, query)]


def read_page(ctx: ServiceContext, caller: Caller, query: LogQuery) -> list[EntryRow]:
    """``list_entries`` as the store's rows, each the values of a ``LogEntry`` in the order of
    its fields, in a read-only transaction on a connection of its own: for a worker thread
    (see api/smartlock_log.py), where the event loop's reading connection is not to be used.
    A snapshot, not a write transaction: on SQLite that would take the write lock, and make
    log readers wait for each other and for every write."""
    _check_limit(query)
    with ctx.db.snapshot() as conn:
        return _page(conn, caller, query)


async def read_page_json_async(ctx: ServiceContext, caller: Caller, query: LogQuery) -> bytes:
    """``read_page`` as the JSON array of ``SmartlockLog`` the API answers, made by the store
    and awaited on its asynchronous log readers (PostgreSQL, while the server runs:
    ``reads_pages_async``): no thread, and the event loop serves other requests while
    PostgreSQL works. Log readers beyond their number wait for one."""
    readers = ctx.db.async_log_readers
    assert readers is not None, "only where reads_pages_async"
    _check_limit(query)
    page = await log_store.page_json_async(readers, caller.owner_account_id, query)
    if page is None:
        raise NotFound("smartlock", query.smartlock_id)
    return page


def reads_pages_async(ctx: ServiceContext) -> bool:
    return ctx.db.async_log_readers is not None


def _check_limit(query: LogQuery) -> None:
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidParameter("limit", query.limit, f"It must be between 1 and {MAX_LIMIT}.")


def _page(conn: Connection, caller: Caller, query: LogQuery) -> list[EntryRow]:
    if query.smartlock_id is not None:
        device_store.owned_device(conn, caller.owner_account_id, query.smartlock_id)
    return log_store.query_rows(conn, caller.owner_account_id, query)


def parse_date(value: str | None, parameter: str) -> datetime | None:
    """An RFC 3339 date of the log filters (``2026-01-31T12:00:00Z``, or with an offset)."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        # A date whose UTC date is before year 1 or after 9999 is none: it cannot be compared.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidParameter(parameter, value) from None
