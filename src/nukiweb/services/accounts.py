"""Use cases of the Account tag: one's own account, its settings, and its sub-accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nukiweb.domain import accounts as rules
from nukiweb.domain import otp as otp_rules
from nukiweb.domain.accounts import Account
from nukiweb.domain.errors import Forbidden, InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.limits import check_limit
from nukiweb.domain.rights import Rights, grantable_rights
from nukiweb.secrets import hash_password
from nukiweb.services import account_links, mail
from nukiweb.services.account_links import Recipient
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as store
from nukiweb.store import api_keys as key_store
from nukiweb.store import oauth as oauth_store
from nukiweb.store import web_sessions as session_store

DEFAULT_CONFIG = {"alexaPin": "", "gactionsHomePin": ""}


def create_account(
    ctx: ServiceContext,
    email: str,
    password: str,
    name: str | None = None,
    language: str = "en",
) -> Account:
    """A new master account (``nukiweb admin create-account`` and the demo), with a mail to
    verify its address."""
    email = rules.check_email(email)
    values = _new_account_values(ctx, email, password, name or email.split("@")[0], language)
    with ctx.db.transaction() as conn:
        account_id = store.insert_account(conn, values)
        account = store.get_account(conn, account_id)
        assert account is not None
        account_links.send_verification(ctx, conn, Recipient(account_id, account.name, email))
    mail.wake_sender(ctx)
    return account


def _new_account_values(
    ctx: ServiceContext, email: str, password: str, name: str, language: str
) -> dict[str, Any]:
    now = ctx.clock.now()
    return {
        "type": 0,
        "email": email,
        "email_key": rules.email_key(email),
        "email_verified": False,
        "name": rules.check_name(name),
        "password_hash": hash_password(rules.check_password(password)),
        "language": rules.check_language(language),
        "config": dict(DEFAULT_CONFIG),
        "creation_date": now,
        "update_date": now,
    }


def find_account_by_email(ctx: ServiceContext, email: str) -> Account:
    with ctx.db.read() as conn:
        found = store.find_credentials(conn, rules.email_key(email))
        account = None if found is None else store.get_account(conn, found[0])
    if account is None:
        raise NotFound("account", email)
    return account


def get_my_account(ctx: ServiceContext, caller: Caller) -> Account:
    with ctx.db.read() as conn:
        account = store.get_account(conn, caller.account_id)
    if account is None:  # deleted since the token was cached
        raise NotFound("account", caller.account_id)
    return account


async def get_my_account_async(ctx: ServiceContext, caller: Caller) -> Account:
    """``get_my_account``, awaiting PostgreSQL's answer where the store has asynchronous
    readers (the event loop serves other requests meanwhile); the same read elsewhere."""
    readers = ctx.db.async_readers
    if readers is None:
        return get_my_account(ctx, caller)
    account = await store.get_account_async(readers, caller.account_id)
    if account is None:  # deleted since the token was cached
        raise NotFound("account", caller.account_id)
    return account


def update_my_account(
    ctx: ServiceContext, caller: Caller, changes: Mapping[str, Any], delete_api_tokens: bool
) -> None:
    """``POST /account``. A new password destroys the account's API tokens (doc §4.3) unless
    ``delete_api_tokens`` is false. An OAuth2 app may not change the password or email: that
    would give it the account itself, beyond what its user consented to."""
    values = _account_changes(changes)
    if caller.oauth and ("password_hash" in values or "email" in values):
        raise Forbidden("An OAuth access token may not change the account's password or email.")
    with ctx.db.transaction() as conn:
        if "config" in values:
            store.lock_account(conn, caller.account_id)  # one-time passwords enabled meanwhile
            _keep_enabled_date(values, store.get_account(conn, caller.account_id))
        store.update_account(conn, caller.account_id, values, ctx.clock.now())
        if "password_hash" in values:
            revoke_credentials(conn, caller.account_id, api_tokens=delete_api_tokens)
        if "email" in values and account_links.mail_allowed(ctx, conn, values["email"]):
            # The new address is unverified until its mailbox confirms it.
            account = store.get_account(conn, caller.account_id)
            assert account is not None
            recipient = Recipient(caller.account_id, account.name, values["email"])
            account_links.send_verification(ctx, conn, recipient)
    ctx.tokens.invalidate()
    if "email" in values:
        mail.wake_sender(ctx)


def delete_my_account(ctx: ServiceContext, caller: Caller) -> None:
    """Deletes the account with its sub-accounts, API keys, tokens and subscriptions (and, for
    a sub-account, the webhooks and notifications it made in its master's account)."""
    with ctx.db.transaction() as conn:
        store.delete_account(conn, caller.account_id)
    ctx.tokens.invalidate()


def get_setting(ctx: ServiceContext, caller: Caller) -> dict[str, Any]:
    with ctx.db.read() as conn:
        setting = store.get_setting(conn, caller.account_id)
    if setting is None:
        raise NotFound("account setting", caller.account_id)
    return setting


def put_setting(ctx: ServiceContext, caller: Caller, setting: dict[str, Any]) -> dict[str, Any]:
    with ctx.db.transaction() as conn:
        store.set_setting(conn, caller.account_id, setting)
    return setting


def delete_setting(ctx: ServiceContext, caller: Caller) -> None:
    with ctx.db.transaction() as conn:
        store.set_setting(conn, caller.account_id, None)


def list_sub_accounts(ctx: ServiceContext, caller: Caller, email: str | None) -> list[Account]:
    pattern = rules.email_filter(email)
    with ctx.db.read() as conn:
        subs = store.list_sub_accounts(conn, caller.owner_account_id)
    return [sub for sub in subs if pattern is None or pattern.search(sub.email)]


def create_sub_account(
    ctx: ServiceContext,
    caller: Caller,
    email: str,
    password: str,
    name: str,
    rights: int,
    language: str,
    profile: dict[str, Any] | None,
) -> Account:
    """A sub-account of the caller's master account, with rights the caller may give."""
    email = rules.check_email(email)
    values = _new_account_values(ctx, email, password, name, language)
    values["master_account_id"] = caller.owner_account_id
    values["rights"] = int(_grantable(caller, rules.check_rights(rights, caller.rights)))
    values["profile"] = profile
    with ctx.db.transaction() as conn:
        store.lock_account(conn, caller.owner_account_id)
        held = store.count_sub_accounts(conn, caller.owner_account_id)
        check_limit(held, ctx.limits.sub_accounts, "sub-accounts")
        account_id = store.insert_account(conn, values)
        account = store.get_account(conn, account_id)
        assert account is not None
        account_links.send_verification(ctx, conn, Recipient(account_id, account.name, email))
    mail.wake_sender(ctx)
    return account


def get_sub_account(ctx: ServiceContext, caller: Caller, account_id: int) -> Account:
    with ctx.db.read() as conn:
        return _sub_account(conn, caller, account_id)


def update_sub_account(
    ctx: ServiceContext, caller: Caller, account_id: int, changes: Mapping[str, Any]
) -> None:
    """``POST /account/sub/{accountId}``; a new password destroys the sub-account's tokens.
    Whoever may sign in as a sub-account holds its rights: a token may give it only rights it
    may give, and set its password or email only if it may give every right it holds; an
    OAuth2 app never may, as for the account itself."""
    values = _account_changes({k: v for k, v in changes.items() if k != "rights"})
    if changes.get("rights") is not None:
        wanted = rules.check_rights(int(changes["rights"]), caller.rights)
        values["rights"] = int(_grantable(caller, wanted))
    with ctx.db.transaction() as conn:
        sub = _sub_account(conn, caller, account_id)
        if "password_hash" in values or "email" in values:
            if caller.oauth:
                raise Forbidden(
                    "An OAuth access token may not change a sub-account's password or email."
                )
            _grantable(caller, Rights(sub.rights or 0))
        if "config" in values:
            _keep_enabled_date(values, sub)
        store.update_account(conn, account_id, values, ctx.clock.now())
        if "password_hash" in values:
            revoke_credentials(conn, account_id, api_tokens=True)
    ctx.tokens.invalidate()


def delete_sub_account(ctx: ServiceContext, caller: Caller, account_id: int) -> None:
    with ctx.db.transaction() as conn:
        _sub_account(conn, caller, account_id)
        store.delete_account(conn, account_id)
    ctx.tokens.invalidate()


def revoke_credentials(conn: Any, account_id: int, *, api_tokens: bool) -> None:
    """A new password ends what the old one gave: OAuth2 grants and web sessions, and the API
    tokens (doc §4.3) unless the caller keeps them."""
    if api_tokens:
        key_store.delete_account_tokens(conn, account_id)
    oauth_store.delete_account_grants(conn, account_id)
    session_store.delete_account_sessions(conn, account_id)


def _grantable(caller: Caller, rights: Rights) -> Rights:
    """``rights``, if the caller's token may give them to a sub-account, else ``Forbidden``."""
    missing = rights & ~grantable_rights(caller.scopes)
    if missing:
        raise Forbidden(
            f"This token may not give a sub-account the rights {int(missing)}: "
            "it lacks their scopes."
        )
    return rights


def _sub_account(conn: Any, caller: Caller, account_id: int) -> Account:
    account = store.get_sub_account(conn, caller.owner_account_id, account_id)
    if account is None or account.account_id == caller.account_id:
        raise NotFound("sub account", account_id)
    if caller.rights is not None and account.rights is not None and account.rights & ~caller.rights:
        # A sub-account may not manage one that holds rights it lacks itself.
        raise InvalidParameter("accountId", account_id, "It holds rights this account lacks.")
    return account


def _keep_enabled_date(values: dict[str, Any], stored: Account | None) -> None:
    """A new config keeps the date since which one-time passwords are enabled (services.otp)."""
    values["config"] = otp_rules.keep_enabled_date(
        None if stored is None else stored.config, values["config"]
    )


def _account_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Checked column values for the fields a client sent; fields sent as null are left alone."""
    values: dict[str, Any] = {}
    if changes.get("email") is not None:
        values["email"] = rules.check_email(changes["email"])
        values["email_key"] = rules.email_key(values["email"])
        values["email_verified"] = False
    if changes.get("password") is not None:
        values["password_hash"] = hash_password(rules.check_password(changes["password"]))
    if changes.get("name") is not None:
        values["name"] = rules.check_name(changes["name"])
    if changes.get("language") is not None:
        values["language"] = rules.check_language(changes["language"])
    if changes.get("config") is not None:
        values["config"] = changes["config"]
    if changes.get("profile") is not None:
        values["profile"] = changes["profile"]
    return values
