"""Tag Account: one's own account, its settings, and its sub-accounts."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from nukiweb.api.endpoint import CallerDep, ContextDep, Int32Id, operation
from nukiweb.api.models.account import (
    Account,
    AccountSetting,
    AccountSubCreate,
    AccountSubUpdate,
    AccountUpdate,
    MyAccount,
)
from nukiweb.services import accounts

router = APIRouter()


@operation(router, "AccountsResource_get_get", response_model=MyAccount)
async def get_account(ctx: ContextDep, caller: CallerDep) -> MyAccount:
    return MyAccount.of(accounts.get_my_account(ctx, caller))


@operation(router, "AccountsResource_post_post", status_code=204)
async def update_account(
    ctx: ContextDep,
    caller: CallerDep,
    body: AccountUpdate,
    deleteApiTokens: bool = Query(default=True),
) -> Response:
    """A new password destroys the account's API tokens unless ``deleteApiTokens=false``."""
    accounts.update_my_account(ctx, caller, body.model_dump(exclude_unset=True), deleteApiTokens)
    return Response(status_code=204)


@operation(router, "AccountsResource_delete_delete", status_code=204)
async def delete_account(ctx: ContextDep, caller: CallerDep) -> Response:
    """Deletes the account with its sub-accounts, API keys and tokens."""
    accounts.delete_my_account(ctx, caller)
    return Response(status_code=204)


@operation(router, "AccountSettingResource_get_get", response_model=AccountSetting)
async def get_account_setting(ctx: ContextDep, caller: CallerDep) -> AccountSetting:
    """404 until a setting has been stored with ``PUT``."""
    return AccountSetting.model_validate(accounts.get_setting(ctx, caller))


@operation(router, "AccountSettingResource_put_put", response_model=AccountSetting)
async def put_account_setting(
    ctx: ContextDep, caller: CallerDep, body: AccountSetting
) -> AccountSetting:
    stored = accounts.put_setting(ctx, caller, body.model_dump(mode="json", exclude_none=True))
    return AccountSetting.model_validate(stored)


@operation(router, "AccountSettingResource_delete_delete", status_code=204)
async def delete_account_setting(ctx: ContextDep, caller: CallerDep) -> Response:
    accounts.delete_setting(ctx, caller)
    return Response(status_code=204)


@operation(router, "AccountSubsResource_get_get", response_model=list[Account])
async def list_sub_accounts(
    ctx: ContextDep, caller: CallerDep, email: str | None = None
) -> list[Account]:
    """The spec types this list as a single ``Account``; like the vendor's service it answers
    an array of them (docs/conformance.md, spec errata)."""
    return [Account.of(sub) for sub in accounts.list_sub_accounts(ctx, caller, email)]


@operation(router, "AccountSubsResource_put_put", response_model=MyAccount)
async def create_sub_account(
    ctx: ContextDep, caller: CallerDep, body: AccountSubCreate
) -> MyAccount:
    created = accounts.create_sub_account(
        ctx,
        caller,
        email=body.email,
        password=body.password,
        name=body.name,
        rights=body.rights,
        language=body.language,
        profile=None if body.profile is None else body.profile.model_dump(),
    )
    return MyAccount.of(created)


@operation(router, "AccountSubResource_get_get", response_model=Account)
async def get_sub_account(ctx: ContextDep, caller: CallerDep, accountId: Int32Id) -> Account:
    return Account.of(accounts.get_sub_account(ctx, caller, accountId))


@operation(router, "AccountSubResource_post_post", status_code=204)
async def update_sub_account(
    ctx: ContextDep,
    caller: CallerDep,
    accountId: Int32Id,
    body: AccountSubUpdate,
) -> Response:
    """A new password destroys the sub-account's API tokens."""
    accounts.update_sub_account(ctx, caller, accountId, body.model_dump(exclude_unset=True))
    return Response(status_code=204)


@operation(router, "AccountSubResource_delete_delete", status_code=204)
async def delete_sub_account(ctx: ContextDep, caller: CallerDep, accountId: Int32Id) -> Response:
    accounts.delete_sub_account(ctx, caller, accountId)
    return Response(status_code=204)
