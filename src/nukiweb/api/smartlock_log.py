"""Tag SmartlockLog: the activity log of an account's devices, newest first.

A page's SQL never runs on the event loop: however many clients ask for pages, the loop goes
on answering every other request (at 128 connections on a log page, inline pages left
GET /account a few dozen answers a second).

- On PostgreSQL a page is awaited, as JSON that PostgreSQL builds, on an asynchronous
  connection of its own, one page at a time (``store.logs.ASYNC_READERS``). The server's
  process is bound to one core: whatever a page costs it, other requests lose, so the work
  per entry goes to PostgreSQL and the pages' share of the process is bounded.
- On SQLite, in the process anyway, a page is read and encoded in a worker thread, in a
  snapshot of its own (sqlite3 lets go of the GIL while SQLite works), at most
  ``THREAD_READERS`` at once: fewer than the connection pool holds (8, and 8 more at need),
  so log readers waiting for their turn hold no connection, and never take those the event
  loop needs.

Measured: bench/README.md (Isolation).
"""

from __future__ import annotations

from dataclasses import replace

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Query, Request, Response

from nukiweb.api.endpoint import Call, authorized, operation
from nukiweb.api.log_views import smartlock_logs_json
from nukiweb.api.models.common import Int64
from nukiweb.api.models.smartlock import SmartlockLog
from nukiweb.api.parameters import SmartlockId
from nukiweb.api.routing import CheckedRoute
from nukiweb.domain.smartlocks import LogQuery
from nukiweb.services import smartlock_logs
from nukiweb.services.smartlock_logs import DEFAULT_LIMIT, parse_date

router = APIRouter(route_class=CheckedRoute)

THREAD_READERS = 4  # pages read at once in worker threads (SQLite)
_log_readers: RunVar[CapacityLimiter] = RunVar("log_readers")


@operation(router, "SmartlocksLogsResource_get_get", response_model=list[SmartlockLog])
async def list_logs(
    request: Request,
    accountUserId: Int64 | None = None,
    fromDate: str | None = None,
    toDate: str | None = None,
    action: Int64 | None = None,
    id: str | None = Query(default=None, max_length=24),  # noqa: A002 - the vendor's name
    limit: Int64 = DEFAULT_LIMIT,
) -> Response:
    """Entries of all the account's devices; ``id`` pages to entries older than that one."""
    call = authorized(request)
    query = LogQuery(account_user_id=accountUserId, action=action, before_id=id, limit=limit)
    return await _entries(call, query, fromDate, toDate)


@operation(router, "SmartlockLogsResource_get_get", response_model=list[SmartlockLog])
async def list_device_logs(
    request: Request,
    smartlockId: SmartlockId,
    authId: str | None = Query(default=None, max_length=24),
    accountUserId: Int64 | None = None,
    fromDate: str | None = None,
    toDate: str | None = None,
    action: Int64 | None = None,
    id: str | None = Query(default=None, max_length=24),  # noqa: A002 - the vendor's name
    limit: Int64 = DEFAULT_LIMIT,
) -> Response:
    call = authorized(request)
    query = LogQuery(
        smartlock_id=smartlockId,
        auth_id=authId,
        account_user_id=accountUserId,
        action=action,
        before_id=id,
        limit=limit,
    )
    return await _entries(call, query, fromDate, toDate)


async def _entries(
    call: Call, query: LogQuery, from_date: str | None, to_date: str | None
) -> Response:
    dated = replace(
        query,
        from_date=parse_date(from_date, "fromDate"),
        to_date=parse_date(to_date, "toDate"),
    )
    if smartlock_logs.reads_pages_async(call.ctx):
        body = await smartlock_logs.read_page_json_async(call.ctx, call.caller, dated)
    else:
        body = await to_thread.run_sync(_page, call, dated, limiter=_readers())
    return Response(body, media_type="application/json")


def _page(call: Call, query: LogQuery) -> bytes:
    """In a worker thread: the page, as the JSON the API answers."""
    return smartlock_logs_json(smartlock_logs.read_page(call.ctx, call.caller, query))


def _readers() -> CapacityLimiter:
    """The event loop's limiter of log reads (a limiter belongs to one loop)."""
    try:
        return _log_readers.get()
    except LookupError:
        limiter = CapacityLimiter(THREAD_READERS)
        _log_readers.set(limiter)
        return limiter
