"""Tag Account: one's own account, its settings, and its sub-accounts."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from nukiweb.api.endpoint import (
    AuthorizedCall,
    Int32Id,
    json_list_response,
    json_response,
    no_content,
    operation,
)
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
async def get_account(call: AuthorizedCall) -> Response:
    return json_response(MyAccount.of(accounts.get_my_account(call.ctx, call.caller)))


@operation(router, "AccountsResource_post_post", status_code=204)
async def update_account(
    call: AuthorizedCall,
    body: AccountUpdate,
    deleteApiTokens: bool = Query(default=True),
) -> Response:
    """A new password destroys the account's API tokens unless ``deleteApiTokens=false``."""
    changes = body.model_dump(exclude_unset=True)
    accounts.update_my_account(call.ctx, call.caller, changes, deleteApiTokens)
    return no_content()


@operation(router, "AccountsResource_delete_delete", status_code=204)
async def delete_account(call: AuthorizedCall) -> Response:
    """Deletes the account with its sub-accounts, API keys and tokens."""
    accounts.delete_my_account(call.ctx, call.caller)
    return no_content()


@operation(router, "AccountSettingResource_get_get", response_model=AccountSetting)
async def get_account_setting(call: AuthorizedCall) -> Response:
    """404 until a setting has been stored with ``PUT``."""
    setting = accounts.get_setting(call.ctx, call.caller)
    return json_response(AccountSetting.model_validate(setting))


@operation(router, "AccountSettingResource_put_put", response_model=AccountSetting)
async def put_account_setting(call: AuthorizedCall, body: AccountSetting) -> Response:
    setting = body.model_dump(mode="json", exclude_none=True)
    stored = accounts.put_setting(call.ctx, call.caller, setting)
    return json_response(AccountSetting.model_validate(stored))


@operation(router, "AccountSettingResource_delete_delete", status_code=204)
async def delete_account_setting(call: AuthorizedCall) -> Response:
    accounts.delete_setting(call.ctx, call.caller)
    return no_content()


@operation(router, "AccountSubsResource_get_get", response_model=list[Account])
async def list_sub_accounts(call: AuthorizedCall, email: str | None = None) -> Response:
    """The spec types this list as a single ``Account``; like the vendor's service it answers
    an array of them (docs/conformance.md, spec errata)."""
    subs = accounts.list_sub_accounts(call.ctx, call.caller, email)
    return json_list_response([Account.of(sub) for sub in subs], Account)


@operation(router, "AccountSubsResource_put_put", response_model=MyAccount)
async def create_sub_account(call: AuthorizedCall, body: AccountSubCreate) -> Response:
    created = accounts.create_sub_account(
        call.ctx,
        call.caller,
        email=body.email,
        password=body.password,
        name=body.name,
        rights=body.rights,
        language=body.language,
        profile=None if body.profile is None else body.profile.model_dump(),
    )
    return json_response(MyAccount.of(created))


@operation(router, "AccountSubResource_get_get", response_model=Account)
async def get_sub_account(call: AuthorizedCall, accountId: Int32Id) -> Response:
    return json_response(Account.of(accounts.get_sub_account(call.ctx, call.caller, accountId)))


@operation(router, "AccountSubResource_post_post", status_code=204)
async def update_sub_account(
    call: AuthorizedCall, accountId: Int32Id, body: AccountSubUpdate
) -> Response:
    """A new password destroys the sub-account's API tokens."""
    changes = body.model_dump(exclude_unset=True)
    accounts.update_sub_account(call.ctx, call.caller, accountId, changes)
    return no_content()


@operation(router, "AccountSubResource_delete_delete", status_code=204)
async def delete_sub_account(call: AuthorizedCall, accountId: Int32Id) -> Response:
    accounts.delete_sub_account(call.ctx, call.caller, accountId)
    return no_content()
