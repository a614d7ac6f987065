"""Tag AccountUser: the people an account issues authorizations to."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.authorization import AccountUser, AccountUserCreate, AccountUserUpdate
from nukiweb.api.models.common import Int64
from nukiweb.api.parameters import Int32Id
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import account_users

router = APIRouter(route_class=CheckedRoute)


@operation(router, "AccountUsersResource_get_get", response_model=list[AccountUser])
async def list_users(
    request: Request, email: str | None = None, offset: Int64 = 0, limit: Int64 = 50
) -> Response:
    """``email`` matches a part of the address, case-insensitively."""
    call = authorized(request)
    users = account_users.list_users(call.ctx, call.caller, email, offset, limit)
    return json_list_response([AccountUser.of(user) for user in users], AccountUser)


@operation(router, "AccountUsersResource_put_put", response_model=AccountUser)
async def create_user(request: Request, body: AccountUserCreate) -> Response:
    call = authorized(request)
    user = account_users.create_user(
        call.ctx, call.caller, body.email, body.name, body.language, body.type
    )
    return json_response(AccountUser.of(user))


@operation(router, "AccountUserResource_get_get", response_model=AccountUser)
async def get_user(request: Request, accountUserId: Int32Id) -> Response:
    call = authorized(request)
    return json_response(
        AccountUser.of(account_users.get_user(call.ctx, call.caller, accountUserId))
    )


@operation(router, "AccountUserResource_post_post", response_model=AccountUser)
async def update_user(
    request: Request, accountUserId: Int32Id, body: AccountUserUpdate
) -> Response:
    """Answers the updated user (the spec lists both 200 with it and 204)."""
    call = authorized(request)
    changes = body.model_dump(exclude_unset=True)
    user = account_users.update_user(call.ctx, call.caller, accountUserId, changes)
    return json_response(AccountUser.of(user))


@operation(router, "AccountUserResource_delete_delete", status_code=204)
async def delete_user(request: Request, accountUserId: Int32Id) -> Response:
    """Asynchronous: removes the user's authorizations from every device; the user goes with
    the last of them."""
    call = authorized(request)
    account_users.delete_user(call.ctx, call.caller, accountUserId)
    return no_content()
