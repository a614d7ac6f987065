"""Tag AdvancedApi, its requests: actions and authorizations answered at once with a
``requestId``, their outcome posted later to the central webhook of the API key that asked."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import authorized, json_response, operation
from nukiweb.api.models.authorization import SmartlocksAuthCreate
from nukiweb.api.models.common import ResponseModel
from nukiweb.api.models.smartlock import SmartlockActionRequest
from nukiweb.api.parameters import SmartlockId
from nukiweb.api.routing import CheckedRoute
from nukiweb.api.smartlock_auth import new_authorization
from nukiweb.services import advanced

router = APIRouter(route_class=CheckedRoute)


class AdvancedConfirmationResponse(ResponseModel):
    requestId: str
    error: str | None = None


def _confirmed(request_id: str) -> Response:
    return json_response(AdvancedConfirmationResponse(requestId=request_id))


@operation(
    router,
    "SmartlockActionAdvancedResource_action_post",
    response_model=AdvancedConfirmationResponse,
)
async def act(request: Request, smartlockId: SmartlockId, body: SmartlockActionRequest) -> Response:
    """A ``SmartlockAction`` webhook follows: ``success``, or the device's ``errorCode``
    ("ff" unreachable, "45" busy, "42" motor blocked, …)."""
    call = authorized(request)
    request_id = advanced.action(call.ctx, call.caller, smartlockId, body.action, body.option or 0)
    return _confirmed(request_id)


async def _simple(request: Request, smartlockId: int, kind: Literal["lock", "unlock"]) -> Response:
    call = authorized(request)
    return _confirmed(advanced.lock_or_unlock(call.ctx, call.caller, smartlockId, kind))


@operation(
    router,
    "SmartlockLockActionAdvancedResource_postLock_post",
    response_model=AdvancedConfirmationResponse,
)
async def lock(request: Request, smartlockId: SmartlockId) -> Response:
    """Doc §6.1's lock; a ``LockAction`` webhook follows."""
    return await _simple(request, smartlockId, "lock")


@operation(
    router,
    "SmartlockUnlockActionAdvancedResource_postLock_post",
    response_model=AdvancedConfirmationResponse,
)
async def unlock(request: Request, smartlockId: SmartlockId) -> Response:
    """Doc §6.1's unlock; an ``UnlockAction`` webhook follows."""
    return await _simple(request, smartlockId, "unlock")


@operation(
    router, "SmartlockAuthsAdvancedResource_put_put", response_model=AdvancedConfirmationResponse
)
async def create_authorizations(request: Request, body: SmartlocksAuthCreate) -> Response:
    """Authorizations on several devices; an ``AuthCreation`` webhook follows once every
    device has answered, with a ``detail`` entry per device."""
    call = authorized(request)
    request_id = advanced.create_authorizations(
        call.ctx, call.caller, body.smartlockIds, new_authorization(body)
    )
    return _confirmed(request_id)
