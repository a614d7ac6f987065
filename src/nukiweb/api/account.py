"""Tag Account: one's own account, its settings, and its sub-accounts."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_document_response,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.account import (
    Account,
    AccountEmailChange,
    AccountOtpEnable,
    AccountPasswordReset,
    AccountSetting,
    AccountSubCreate,
    AccountSubUpdate,
    AccountUpdate,
    MyAccount,
)
from nukiweb.api.models.common import Int64
from nukiweb.api.models.integration import AccountIntegration
from nukiweb.api.parameters import Int32Id
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import accounts, email_and_password, integrations, otp

router = APIRouter(route_class=CheckedRoute)


@operation(router, "AccountsResource_get_get", response_model=MyAccount)
async def get_account(request: Request) -> Response:
    call = authorized(request)
    return json_response(MyAccount.of(await accounts.get_my_account_async(call.ctx, call.caller)))


@operation(router, "AccountsResource_post_post", status_code=204)
async def update_account(
    request: Request,
    body: AccountUpdate,
    deleteApiTokens: bool = Query(default=True),
) -> Response:
    """A new password destroys the account's API tokens unless ``deleteApiTokens=false``."""
    call = authorized(request)
    changes = body.model_dump(exclude_unset=True)
    accounts.update_my_account(call.ctx, call.caller, changes, deleteApiTokens)
    return no_content()


@operation(router, "AccountsResource_delete_delete", status_code=204)
async def delete_account(request: Request) -> Response:
    """Deletes the account with its sub-accounts, API keys and tokens."""
    call = authorized(request)
    accounts.delete_my_account(call.ctx, call.caller)
    return no_content()


@operation(router, "AccountSettingResource_get_get", response_model=AccountSetting)
async def get_account_setting(request: Request) -> Response:
    """404 until a setting has been stored with ``PUT``."""
    call = authorized(request)
    setting = accounts.get_setting(call.ctx, call.caller)
    return json_response(AccountSetting.model_validate(setting))


@operation(router, "AccountSettingResource_put_put", response_model=AccountSetting)
async def put_account_setting(request: Request, body: AccountSetting) -> Response:
    call = authorized(request)
    setting = body.model_dump(mode="json", exclude_none=True)
    stored = accounts.put_setting(call.ctx, call.caller, setting)
    return json_response(AccountSetting.model_validate(stored))


@operation(router, "AccountSettingResource_delete_delete", status_code=204)
async def delete_account_setting(request: Request) -> Response:
    call = authorized(request)
    accounts.delete_setting(call.ctx, call.caller)
    return no_content()


@operation(router, "AccountSubsResource_get_get", response_model=list[Account])
async def list_sub_accounts(request: Request, email: str | None = None) -> Response:
    """The spec types this list as a single ``Account``; like the vendor's service it answers
    an array of them (docs/conformance.md, spec errata)."""
    call = authorized(request)
    subs = accounts.list_sub_accounts(call.ctx, call.caller, email)
    return json_list_response([Account.of(sub) for sub in subs], Account)


@operation(router, "AccountSubsResource_put_put", response_model=MyAccount)
async def create_sub_account(request: Request, body: AccountSubCreate) -> Response:
    call = authorized(request)
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
async def get_sub_account(request: Request, accountId: Int32Id) -> Response:
    call = authorized(request)
    return json_response(Account.of(accounts.get_sub_account(call.ctx, call.caller, accountId)))


@operation(router, "AccountSubResource_post_post", status_code=204)
async def update_sub_account(
    request: Request, accountId: Int32Id, body: AccountSubUpdate
) -> Response:
    """A new password destroys the sub-account's API tokens."""
    call = authorized(request)
    changes = body.model_dump(exclude_unset=True)
    accounts.update_sub_account(call.ctx, call.caller, accountId, changes)
    return no_content()


@operation(router, "AccountSubResource_delete_delete", status_code=204)
async def delete_sub_account(request: Request, accountId: Int32Id) -> Response:
    call = authorized(request)
    accounts.delete_sub_account(call.ctx, call.caller, accountId)
    return no_content()


# One-time passwords (two-factor sign-in to the pages): services/otp.py.


@operation(router, "AccountOtpResource_put_put", response_model=str)
async def create_otp_secret(request: Request) -> Response:
    """A new secret (base32, as a JSON string), pending until ``POST`` confirms a code of it;
    405 while one-time passwords are enabled."""
    call = authorized(request)
    return json_document_response(otp.create_secret(call.ctx, call.caller))


@operation(router, "AccountOtpResource_post_post", status_code=204)
async def enable_otp(request: Request, body: AccountOtpEnable) -> Response:
    """Enables one-time passwords when ``otp`` is a current code of the pending secret: 400
    when empty, 401 when wrong, 429 after repeated wrong ones (the spec's codes)."""
    call = authorized(request)
    otp.enable(call.ctx, call.caller, body.otp)
    return no_content()


@operation(router, "AccountOtpResource_delete_delete", status_code=204)
async def disable_otp(request: Request) -> Response:
    call = authorized(request)
    otp.disable(call.ctx, call.caller.account_id)
    return no_content()


@operation(router, "AccountIntegrationsResource_get_get", response_model=list[AccountIntegration])
async def list_integrations(request: Request) -> Response:
    """The account's API tokens and the OAuth2 apps it allowed (a master account's list holds
    its sub-accounts' too), with when each was last active, to within a minute."""
    call = authorized(request)
    found = integrations.list_integrations(call.ctx, call.caller)
    return json_list_response([AccountIntegration.of(item) for item in found], AccountIntegration)


@operation(router, "AccountIntegrationsResource_delete_delete", status_code=204)
async def delete_integration(
    request: Request,
    apiKeyId: Int64 | None = None,
    tokenId: str | None = Query(default=None, max_length=24),
) -> Response:
    """Revokes an integration: one API token (``tokenId``, with its ``apiKeyId``), or an
    ``apiKeyId``'s all (its API tokens, or the OAuth2 app's grants): an integration's
    ``clientId`` is its ``apiKeyId``. The spec types ``tokenId`` an integer; API tokens' ids are
    text, as ``AccountIntegration.tokenId`` gives them."""
    call = authorized(request)
    integrations.revoke(call.ctx, call.caller, apiKeyId, tokenId or None)
    return no_content()


# --- email change and verification, password reset (by mail) --------------------------------


@operation(router, "AccountEmailChangeResource_post_post", status_code=204)
async def change_email(request: Request, body: AccountEmailChange) -> Response:
    """Mails a verification link to the new address; the address changes when it is followed."""
    call = authorized(request)
    email_and_password.request_email_change(call.ctx, call.caller, body.email)
    return no_content()


@operation(router, "AccountEmailVerifyResource_post_post", status_code=204)
async def verify_email(request: Request) -> Response:
    """Mails the verification link again (for the address an email change waits on, if any)."""
    call = authorized(request)
    email_and_password.resend_verification(call.ctx, call.caller)
    return no_content()


@operation(router, "AccountPasswordResetResource_post_post", status_code=204)
async def reset_password(request: Request, body: AccountPasswordReset) -> Response:
    """Mails a reset link to the account with this address, if there is one: the answer is the
    same either way. Any valid token may ask."""
    call = authorized(request)
    email_and_password.request_password_reset(call.ctx, body.email, body.deleteApiTokens)
    return no_content()
