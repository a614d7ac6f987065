"""Tag SmartlockAuth: authorizations on devices (app, fob, keypad code), asynchronous."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.authorization import (
    SmartlockAuth,
    SmartlockAuthCreate,
    SmartlockAuthMultiUpdate,
    SmartlockAuthUpdate,
    SmartlockAuthWithSharedKeyCreate,
    SmartlocksAuthCreate,
)
from nukiweb.api.models.common import Int64
from nukiweb.api.parameters import SmartlockId, TextId, comma_separated_integers
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import authorizations
from nukiweb.services.authorizations import NewAuthorization

router = APIRouter(route_class=CheckedRoute)


def new_authorization(
    body: SmartlockAuthCreate | SmartlockAuthWithSharedKeyCreate, **overrides: object
) -> NewAuthorization:
    fields = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {
        "name": body.name,
        "remote_allowed": bool(fields.get("remoteAllowed", False)),
        "type": fields.get("type"),
        "code": fields.get("code"),
        "account_user_id": fields.get("accountUserId"),
        "smart_actions_enabled": bool(fields.get("smartActionsEnabled", False)),
        "allowed_from_date": body.allowedFromDate,
        "allowed_until_date": body.allowedUntilDate,
        "allowed_week_days": body.allowedWeekDays,
        "allowed_from_time": body.allowedFromTime,
        "allowed_until_time": body.allowedUntilTime,
    }
    return NewAuthorization(**(values | overrides))


def _sent(
    body: SmartlockAuthUpdate, exclude: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    """The fields the request sent, as parsed (``model_dump`` would format dates as text)."""
    return {key: getattr(body, key) for key in body.model_fields_set - exclude}


@operation(router, "SmartlocksAuthsResource_get_get", response_model=list[SmartlockAuth])
async def list_all(
    request: Request, accountUserId: Int64 | None = None, types: str | None = None
) -> Response:
    """Every authorization on the account's devices; ``types`` is comma-separated (``0,13``)."""
    call = authorized(request)
    auths = authorizations.list_authorizations(
        call.ctx,
        call.caller,
        account_user_id=accountUserId,
        types=comma_separated_integers("types", types),
    )
    return json_list_response([SmartlockAuth.of(auth) for auth in auths], SmartlockAuth)


@operation(router, "SmartlocksAuthsResource_put_put", status_code=204)
async def create_on_devices(request: Request, body: SmartlocksAuthCreate) -> Response:
    """One authorization on each of ``smartlockIds``, all or none; each carries an
    ``operationId`` until its device has confirmed it."""
    call = authorized(request)
    authorizations.create(call.ctx, call.caller, body.smartlockIds, new_authorization(body))
    return no_content()


@operation(router, "SmartlocksAuthsResource_post_post", status_code=204)
async def update_many(
    request: Request, body: Annotated[list[SmartlockAuthMultiUpdate], Body(max_length=1000)]
) -> Response:
    """Partial updates: only the fields sent change."""
    call = authorized(request)
    changes = [(None, update.id, _sent(update, exclude={"id"})) for update in body]
    authorizations.update(call.ctx, call.caller, changes)
    return no_content()


@operation(router, "SmartlocksAuthsResource_delete_delete", status_code=204)
async def delete_many(
    request: Request,
    body: Annotated[list[Annotated[str, Body(max_length=24)]], Body(max_length=1000)],
) -> Response:
    call = authorized(request)
    authorizations.delete(call.ctx, call.caller, [(None, auth_id) for auth_id in body])
    return no_content()


@operation(router, "SmartlockAuthsResource_get_get", response_model=list[SmartlockAuth])
async def list_for_device(
    request: Request, smartlockId: SmartlockId, types: str | None = None
) -> Response:
    call = authorized(request)
    auths = authorizations.list_authorizations(
        call.ctx,
        call.caller,
        smartlock_id=smartlockId,
        types=comma_separated_integers("types", types),
    )
    return json_list_response([SmartlockAuth.of(auth) for auth in auths], SmartlockAuth)


@operation(router, "SmartlockAuthsResource_put_put", status_code=204)
async def create_on_device(
    request: Request, smartlockId: SmartlockId, body: SmartlockAuthCreate
) -> Response:
    call = authorized(request)
    authorizations.create(call.ctx, call.caller, [smartlockId], new_authorization(body))
    return no_content()


@operation(
    router, "SmartlockAuthWithSharedKeyResource_post_post", response_model=list[SmartlockAuth]
)
async def create_with_shared_key(
    request: Request, smartlockId: SmartlockId, body: SmartlockAuthWithSharedKeyCreate
) -> Response:
    """An app authorization (type 0) answered at once, pending until the device confirms."""
    call = authorized(request)
    new = new_authorization(body, type=0, remote_allowed=True)
    created = authorizations.create(call.ctx, call.caller, [smartlockId], new)
    return json_list_response([SmartlockAuth.of(auth) for auth in created], SmartlockAuth)


@operation(router, "SmartlockAuthResource_get_get", response_model=SmartlockAuth)
async def get_one(request: Request, smartlockId: SmartlockId, id: TextId) -> Response:  # noqa: A002
    call = authorized(request)
    auth = authorizations.get_authorization(call.ctx, call.caller, smartlockId, id)
    return json_response(SmartlockAuth.of(auth))


@operation(router, "SmartlockAuthResource_post_post", status_code=204)
async def update_one(
    request: Request,
    smartlockId: SmartlockId,
    id: TextId,  # noqa: A002 - the vendor's parameter name
    body: SmartlockAuthUpdate,
) -> Response:
    """Partial: only the fields sent change (time windows are kept unless sent)."""
    call = authorized(request)
    changes = [(smartlockId, id, _sent(body))]
    authorizations.update(call.ctx, call.caller, changes)
    return no_content()


@operation(router, "SmartlockAuthResource_delete_delete", status_code=204)
async def delete_one(request: Request, smartlockId: SmartlockId, id: TextId) -> Response:  # noqa: A002
    call = authorized(request)
    authorizations.delete(call.ctx, call.caller, [(smartlockId, id)])
    return no_content()
