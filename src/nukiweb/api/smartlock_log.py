"""Tag SmartlockLog: the activity log of an account's devices, newest first."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Query, Request, Response

from nukiweb.api.endpoint import Call, authorized, operation
from nukiweb.api.models.common import Int64
from nukiweb.api.models.smartlock import SmartlockLog
from nukiweb.api.parameters import SmartlockId
from nukiweb.api.routing import CheckedRoute
from nukiweb.api.smartlock_views import smartlock_logs_json
from nukiweb.domain.smartlocks import LogQuery
from nukiweb.services import smartlock_logs
from nukiweb.services.smartlock_logs import DEFAULT_LIMIT, parse_date

router = APIRouter(route_class=CheckedRoute)


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
    return _entries(call, query, fromDate, toDate)


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
    return _entries(call, query, fromDate, toDate)


def _entries(call: Call, query: LogQuery, from_date: str | None, to_date: str | None) -> Response:
    dated = replace(
        query,
        from_date=parse_date(from_date, "fromDate"),
        to_date=parse_date(to_date, "toDate"),
    )
    rows = smartlock_logs.read_page(call.ctx, call.caller, dated)
    return Response(smartlock_logs_json(rows), media_type="application/json")
