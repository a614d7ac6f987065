"""Use cases of the Advanced API's requests: actions and authorizations whose outcome is
reported later to the central webhook of the API key that asked, under a ``requestId``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from nukiweb.bridges.hub import AdvancedRequest
from nukiweb.domain.identity import Caller
from nukiweb.services import authorizations, device_reports, smartlocks
from nukiweb.services.authorizations import NewAuthorization
from nukiweb.services.context import ServiceContext
from nukiweb.store.schema import advanced_requests


def _request(ctx: ServiceContext, caller: Caller, request_type: str) -> AdvancedRequest:
    """A new request, remembered with the API key of the caller's token (its central webhook
    hears the outcome)."""
    request_id = str(uuid.uuid4())
    api_key_id = caller.api_key_id
    with ctx.db.transaction() as conn:
        conn.execute(
            advanced_requests.insert().values(
                request_id=request_id,
                account_id=caller.owner_account_id,
                api_key_id=api_key_id,
                type=request_type,
                creation_date=ctx.clock.now(),
            )
        )
    return AdvancedRequest(request_id, request_type, caller.owner_account_id, api_key_id)


def action(ctx: ServiceContext, caller: Caller, smartlock_id: int, action: int, option: int) -> str:
    """``POST /smartlock/{id}/action/advanced``: a ``SmartlockAction`` webhook follows."""
    request = _request(ctx, caller, "SmartlockAction")
    smartlocks.operate(ctx, caller, smartlock_id, action, option, request)
    return request.request_id


def lock_or_unlock(ctx: ServiceContext, caller: Caller, smartlock_id: int, kind: str) -> str:
    """``/action/lock/advanced`` and ``/action/unlock/advanced``: a ``LockAction`` or
    ``UnlockAction`` webhook follows."""
    request = _request(ctx, caller, "LockAction" if kind == "lock" else "UnlockAction")
    smartlocks.lock_or_unlock(ctx, caller, smartlock_id, kind, request)
    return request.request_id


def create_authorizations(
    ctx: ServiceContext, caller: Caller, smartlock_ids: Sequence[int], new: NewAuthorization
) -> str:
    """``PUT /smartlock/auth/advanced``: an ``AuthCreation`` webhook follows once every
    device has answered, with a ``detail`` entry per device."""
    request = _request(ctx, caller, "AuthCreation")
    authorizations.create(ctx, caller, smartlock_ids, new, request.request_id)
    with ctx.db.transaction() as conn:  # devices that could not be reached answered already
        device_reports.report_auth_creation(ctx, conn, request.account_id, request.request_id)
    return request.request_id
