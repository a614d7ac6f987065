"""The Smart Locks and Activity log pages (the Users page is ``web.access``, a device's page
and its Lock and Unlock buttons ``web.device_page``).

They call the services the API's operations call, as the signed-in account, and a sub-account
needs the rights the corresponding API operation needs (``domain.rights``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from nukiweb.domain.device_words import (
    LOG_ACTION_CHOICES,
    describe_device,
    describe_log_entry,
    is_log_action,
)
from nukiweb.domain.devices import MAX_SMARTLOCK_ID
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.smartlocks import Device, LogEntry, LogQuery
from nukiweb.services import smartlock_logs, smartlocks
from nukiweb.services.smartlock_logs import MAX_LIMIT
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.pages import (
    HOME_PATH,
    context_of,
    page_router,
    path_id,
    render,
    require_rights,
    require_session,
)

SMARTLOCKS_PATH = HOME_PATH
ACTIVITY_PATH = "/web/activity"
ACTIVITY_FILTERS = ("device", "from", "to", "action", "limit", "before")
NOTICES = {"lock": "Lock command sent to {name}.", "unlock": "Unlock command sent to {name}."}
_NUMBER = re.compile(r"[0-9]{1,19}")
_LOG_ID = re.compile(r"[0-9a-f]{24}")

router = page_router()


# --- Smart Locks -----------------------------------------------------------------------------


@router.get(SMARTLOCKS_PATH)
async def smartlocks_page(
    request: Request, sent: str | None = None, smartlockId: str | None = None
) -> Response:
    """``sent`` and ``smartlockId``: the command that the redirect after a button was for."""
    session = require_session(request)
    require_rights(session, "Smartlock", "GET", "/smartlock")
    return smartlocks_list(request, session, sent=sent, sent_to=smartlockId)


def smartlock_id_of(text: str) -> int:
    """A device's id in a page's path."""
    return path_id(text, "smartlock", MAX_SMARTLOCK_ID)


def smartlocks_list(
    request: Request,
    session: WebSession,
    error: str | None = None,
    status_code: int = 200,
    *,
    sent: str | None = None,
    sent_to: str | None = None,
) -> Response:
    ctx = context_of(request)
    devices = smartlocks.list_devices(ctx, session.caller)
    now = ctx.clock.now()
    return render(
        request,
        "smartlocks.html",
        session,
        status_code,
        page="smartlocks",
        devices=[describe_device(device, now) for device in devices],
        notice=_notice(devices, sent, sent_to),
        error=error,
    )


def _notice(devices: list[Device], sent: str | None, sent_to: str | None) -> str | None:
    """Made from the account's own device name, never from text in the URL."""
    template = NOTICES.get(sent or "")
    names = {str(device.smartlock_id): device.name for device in devices}
    if template is None or sent_to not in names:
        return None
    return template.format(name=names[sent_to])


# --- Activity log ----------------------------------------------------------------------------


@router.get(ACTIVITY_PATH)
async def activity_page(request: Request) -> Response:
    """Filters are a GET form; a value that is not one is the page with an error, 400."""
    session = require_session(request)
    require_rights(session, "SmartlockLog", "GET", "/smartlock/log")
    ctx = context_of(request)
    devices = smartlocks.list_devices(ctx, session.caller)
    filters = {name: request.query_params.get(name, "")[:40] for name in ACTIVITY_FILTERS}
    error, status_code = None, 200
    entries: list[LogEntry] = []
    try:
        query = _log_query(filters, {device.smartlock_id for device in devices})
        entries = smartlock_logs.list_entries(ctx, session.caller, query)
    except InvalidParameter as refused:
        error, status_code = refused.message, 400
    names = {device.smartlock_id: device.name for device in devices}
    # A full page may have older entries: the link pages on from the last one shown.
    older = None
    if entries and len(entries) == int(filters["limit"] or MAX_LIMIT):
        older = urlencode({**{k: v for k, v in filters.items() if v}, "before": entries[-1].id})
    return render(
        request,
        "activity.html",
        session,
        status_code,
        page="activity",
        devices=devices,
        actions=LOG_ACTION_CHOICES,
        filters=filters,
        max_limit=MAX_LIMIT,
        entries=[describe_log_entry(entry, names) for entry in entries],
        older=older,
        error=error,
    )


def _log_query(filters: Mapping[str, str], device_ids: set[int]) -> LogQuery:
    """The filters of the form; days are whole UTC days, both ends included."""
    device = _number(filters, "device")
    if device is not None and device not in device_ids:
        raise InvalidParameter("device", device, "There is no such device on this account.")
    action = _number(filters, "action")
    if action is not None and not is_log_action(action):
        raise InvalidParameter("action", action)
    first, last = _day(filters, "from"), _day(filters, "to")
    if first is not None and last is not None and first > last:
        raise InvalidParameter("to", last, "It is before the date from.")
    limit = _number(filters, "limit")
    before = filters["before"].strip() or None
    if before is not None and not _LOG_ID.fullmatch(before):
        raise InvalidParameter("before", before)
    return LogQuery(
        smartlock_id=device,
        action=action,
        from_date=None if first is None else datetime.combine(first, time.min, UTC),
        to_date=None if last is None else datetime.combine(last, time.max, UTC),
        before_id=before,
        limit=MAX_LIMIT if limit is None else limit,
    )


def _number(filters: Mapping[str, str], name: str) -> int | None:
    text = filters[name].strip()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        raise InvalidParameter(name, text)
    return int(text)


def _day(filters: Mapping[str, str], name: str) -> date | None:
    text = filters[name].strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(name, text, "Expected a date like 2026-01-31.") from None
