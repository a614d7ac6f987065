"""Tag Smartlock: an account's devices, their configuration and their actions."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import (
    Call,
    authorized,
    json_body_response,
    json_document_response,
    no_content,
    operation,
)
from nukiweb.api.models.common import Int64
from nukiweb.api.models.smartlock import (
    AdminPinUpdate,
    BulkWebConfigRequest,
    Smartlock,
    SmartlockActionRequest,
    SmartlockAdvancedConfigUpdate,
    SmartlockConfigUpdate,
    SmartlockCreate,
    SmartlockOpenerAdvancedConfigUpdate,
    SmartlockSmartdoorAdvancedConfigUpdate,
    SmartlockUpdate,
    SmartlockWebConfigUpdate,
)
from nukiweb.api.parameters import SmartlockId
from nukiweb.api.routing import CheckedRoute
from nukiweb.api.smartlock_views import SmartlockDocuments, smartlock
from nukiweb.services import smartlocks

router = APIRouter(route_class=CheckedRoute)
# One per process, whatever the store: a revision is random, so no device of one database has
# the revision of a document kept for another's device of the same id (tests serve several).
_DOCUMENTS = SmartlockDocuments()


@operation(router, "SmartlocksResource_get_get", response_model=list[Smartlock])
async def list_smartlocks(
    request: Request,
    authId: Int64 | None = None,
    type: Int64 | None = None,  # noqa: A002 - the vendor's filter name
) -> Response:
    call = authorized(request)
    now = call.ctx.clock.now()
    return json_body_response(await _DOCUMENTS.listing(call.ctx, call.caller, authId, type, now))


@operation(router, "SmartlocksResource_put_put", response_model=Smartlock)
async def create_smartlock(request: Request, body: SmartlockCreate) -> Response:
    """Adds a simulated device to the account (doc §3.2 "Create a smartlock"); the nukiId is
    drawn at random unless given, the firmware and hardware versions are its type's defaults
    unless given."""
    call = authorized(request)
    device = smartlocks.create_device(
        call.ctx,
        call.caller,
        body.type,
        body.name,
        body.nukiId,
        firmware_version=body.firmwareVersion,
        hardware_version=body.hardwareVersion,
    )
    return json_document_response(smartlock(device, call.ctx.clock.now()))


@operation(router, "SmartlockResource_get_get", response_model=Smartlock)
async def get_smartlock(request: Request, smartlockId: SmartlockId) -> Response:
    call = authorized(request)
    now = call.ctx.clock.now()
    return json_body_response(await _DOCUMENTS.one(call.ctx, call.caller, smartlockId, now))


@operation(router, "SmartlockResource_post_post", status_code=204)
async def update_smartlock(
    request: Request, smartlockId: SmartlockId, body: SmartlockUpdate
) -> Response:
    call = authorized(request)
    changes = body.model_dump(exclude_unset=True)
    smartlocks.update_device(call.ctx, call.caller, smartlockId, changes)
    return no_content()


@operation(router, "SmartlockResource_delete_delete", status_code=204)
async def delete_smartlock(request: Request, smartlockId: SmartlockId) -> Response:
    call = authorized(request)
    smartlocks.delete_device(call.ctx, call.caller, smartlockId)
    return no_content()


@operation(router, "SmartlockActionResource_post_post", status_code=204)
async def act(request: Request, smartlockId: SmartlockId, body: SmartlockActionRequest) -> Response:
    """Accepted at once; the device carries an ``operationId`` until it has acted (423 for
    other writes meanwhile), and an ``error`` if its bridge could not reach it."""
    call = authorized(request)
    option = body.option or 0
    smartlocks.operate(call.ctx, call.caller, smartlockId, body.action, option)
    return no_content()


async def _simple(call: Call, smartlockId: int, kind: Literal["lock", "unlock"]) -> Response:
    smartlocks.lock_or_unlock(call.ctx, call.caller, smartlockId, kind)
    return no_content()


@operation(router, "SmartlockLockActionResource_postLock_post", status_code=204)
async def lock(request: Request, smartlockId: SmartlockId) -> Response:
    """Doc §6.1: what locking means for this device; 405 where it cannot."""
    call = authorized(request)
    return await _simple(call, smartlockId, "lock")


@operation(router, "SmartlockUnlockActionResource_postUnlock_post", status_code=204)
async def unlock(request: Request, smartlockId: SmartlockId) -> Response:
    """Doc §6.1: unlatch with a knob, unlock with a handle, open for an opener."""
    call = authorized(request)
    return await _simple(call, smartlockId, "unlock")


@operation(router, "SmartlockConfigResource_post_post", status_code=204)
async def update_config(
    request: Request, smartlockId: SmartlockId, body: SmartlockConfigUpdate
) -> Response:
    call = authorized(request)
    update = body.model_dump(exclude_none=True)
    smartlocks.update_config_block(call.ctx, call.caller, smartlockId, "config", update)
    return no_content()


@operation(router, "SmartlockAdvancedConfigResource_post_post", status_code=204)
async def update_advanced_config(
    request: Request, smartlockId: SmartlockId, body: SmartlockAdvancedConfigUpdate
) -> Response:
    """For Smart Locks (types 0 and 4); 400 for other devices."""
    call = authorized(request)
    update = body.model_dump(exclude_none=True)
    smartlocks.update_config_block(call.ctx, call.caller, smartlockId, "advanced_config", update)
    return no_content()


@operation(router, "SmartlockOpenerAdvancedConfigResource_post_post", status_code=204)
async def update_opener_config(
    request: Request, smartlockId: SmartlockId, body: SmartlockOpenerAdvancedConfigUpdate
) -> Response:
    """For openers only; 400 for other devices."""
    call = authorized(request)
    update = body.model_dump(exclude_none=True)
    smartlocks.update_config_block(
        call.ctx, call.caller, smartlockId, "opener_advanced_config", update
    )
    return no_content()


@operation(router, "SmartdoorAdvancedConfigResource_post_post", status_code=204)
async def update_smartdoor_config(
    request: Request, smartlockId: SmartlockId, body: SmartlockSmartdoorAdvancedConfigUpdate
) -> Response:
    """For smart doors only; 400 for other devices."""
    call = authorized(request)
    update = body.model_dump(exclude_none=True)
    smartlocks.update_config_block(
        call.ctx,
        call.caller,
        smartlockId,
        "smartdoor_advanced_config",
        update,
    )
    return no_content()


@operation(router, "SmartlockWebConfigResource_post_post", status_code=204)
async def update_web_config(
    request: Request, smartlockId: SmartlockId, body: SmartlockWebConfigUpdate
) -> Response:
    call = authorized(request)
    update = body.model_dump(exclude_none=True)
    smartlocks.update_config_block(call.ctx, call.caller, smartlockId, "web_config", update)
    return no_content()


@operation(router, "SmartlockBulkWebConfigResource_post_post", status_code=204)
async def bulk_web_config(request: Request, body: BulkWebConfigRequest) -> Response:
    """All or nothing: one unknown smartlockId and nothing changes."""
    call = authorized(request)
    updates = [
        (item.smartlockId, item.webConfig.model_dump(exclude_none=True))
        for item in body.webConfigRequests or []
        if item.smartlockId is not None and item.webConfig is not None
    ]
    smartlocks.bulk_web_config(call.ctx, call.caller, updates)
    return no_content()


@operation(router, "SmartlockAdminPinResource_post_post", status_code=204)
async def update_admin_pin(
    request: Request, smartlockId: SmartlockId, body: AdminPinUpdate
) -> Response:
    """The admin PIN is stored hashed."""
    call = authorized(request)
    smartlocks.set_admin_pin(call.ctx, call.caller, smartlockId, body.adminPin)
    return no_content()


@operation(router, "SmartlockSyncResource_post_post", status_code=204)
async def sync(request: Request, smartlockId: SmartlockId) -> Response:
    call = authorized(request)
    smartlocks.sync(call.ctx, call.caller, smartlockId)
    return no_content()
