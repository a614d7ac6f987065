"""Use cases of the ApiKey tag: an account's API keys and the API tokens issued under them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain import accounts as rules
from nukiweb.domain.accounts import ApiKey, ApiToken
from nukiweb.domain.errors import Forbidden, InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.limits import check_limit
from nukiweb.domain.scopes import ALL_SCOPES, Scope, not_held, parse_scopes
from nukiweb.secrets import (
    new_api_token,
    new_client_id,
    new_client_secret,
    new_object_id,
    token_digest,
)
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store import api_keys as store
from nukiweb.store import webhooks as webhook_store


def list_api_keys(ctx: ServiceContext, caller: Caller) -> list[ApiKey]:
    with ctx.db.read() as conn:
        return store.list_api_keys(conn, caller.account_id)


def create_api_key(
    ctx: ServiceContext, caller: Caller, description: str | None, redirect_uris: list[str] | None
) -> ApiKey:
    with ctx.db.transaction() as conn:
        account_store.lock_account(conn, caller.account_id)
        check_limit(store.count_api_keys(conn, caller.account_id), ctx.limits.api_keys, "API keys")
        return _create_api_key(ctx, conn, caller.account_id, description, redirect_uris or [])


def _create_api_key(
    ctx: ServiceContext,
    conn: Connection,
    account_id: int,
    description: str | None,
    redirect_uris: list[str],
) -> ApiKey:
    api_key_id = store.insert_api_key(
        conn,
        {
            "account_id": account_id,
            "api_key": new_client_id(),
            "description": rules.check_description(description),
            "redirect_uris": rules.check_redirect_uris(redirect_uris),
            "creation_date": ctx.clock.now(),
        },
    )
    api_key = store.get_api_key(conn, account_id, api_key_id)
    assert api_key is not None
    return api_key


def update_api_key(
    ctx: ServiceContext, caller: Caller, api_key_id: int, changes: Mapping[str, Any]
) -> None:
    values: dict[str, Any] = {}
    if "description" in changes:
        values["description"] = rules.check_description(changes["description"])
    if changes.get("redirectUris") is not None:
        values["redirect_uris"] = rules.check_redirect_uris(changes["redirectUris"])
    with ctx.db.transaction() as conn:
        _api_key(conn, caller, api_key_id)
        if values:
            store.update_api_key(conn, api_key_id, values)


def delete_api_key(ctx: ServiceContext, caller: Caller, api_key_id: int) -> None:
    """Deletes the key, every token issued under it and every webhook subscribed with
    them."""
    with ctx.db.transaction() as conn:
        _api_key(conn, caller, api_key_id)
        webhook_store.delete_subscribed_notifications(conn, api_key_id)
        store.delete_api_key(conn, api_key_id)
    ctx.tokens.invalidate()


def list_tokens(ctx: ServiceContext, caller: Caller, api_key_id: int) -> list[ApiToken]:
    with ctx.db.read() as conn:
        _api_key(conn, caller, api_key_id)
        return store.list_api_tokens(conn, api_key_id)


def create_token(
    ctx: ServiceContext,
    caller: Caller,
    api_key_id: int,
    description: str | None,
    scopes: Collection[str] | None,
) -> tuple[ApiToken, str]:
    """A new token and its value, which is shown this once and stored only as a digest."""
    granted = _requested_scopes(caller, scopes)
    with ctx.db.transaction() as conn:
        account_store.lock_account(conn, caller.account_id)
        _api_key(conn, caller, api_key_id)
        check_limit(
            store.count_api_tokens(conn, api_key_id),
            ctx.limits.tokens_per_api_key,
            "API tokens",
            whose="This API key",
        )
        return _issue_token(ctx, conn, caller.account_id, api_key_id, description, granted)


def issue_token_for_account(
    ctx: ServiceContext,
    account_id: int,
    description: str | None,
    scopes: frozenset[Scope] = ALL_SCOPES,
) -> tuple[ApiToken, str]:
    """A token under the account's first API key, activating the Web API (creating the key)
    when needed: ``nukiweb admin create-token`` and the demo."""
    with ctx.db.transaction() as conn:
        api_key = _first_api_key(ctx, conn, account_id)
        return _issue_token(ctx, conn, account_id, api_key.api_key_id, description, scopes)


def create_client_secret(ctx: ServiceContext, caller: Caller, api_key_id: int) -> str:
    """A new OAuth2 client secret for the caller's API key, replacing the previous one. It is
    shown this once; only its digest is kept."""
    secret = new_client_secret()
    with ctx.db.transaction() as conn:
        _api_key(conn, caller, api_key_id)
        store.set_client_secret_digest(conn, api_key_id, token_digest(secret))
    return secret


def create_client_secret_for_account(ctx: ServiceContext, account_id: int) -> tuple[str, str]:
    """The client id and a new client secret of the account's first API key (the one Nuki Web
    shows), activating the Web API if needed: ``nukiweb admin create-client-secret``."""
    secret = new_client_secret()
    with ctx.db.transaction() as conn:
        api_key = _first_api_key(ctx, conn, account_id)
        store.set_client_secret_digest(conn, api_key.api_key_id, token_digest(secret))
    return api_key.api_key, secret


def _first_api_key(ctx: ServiceContext, conn: Connection, account_id: int) -> ApiKey:
    keys = store.list_api_keys(conn, account_id)
    return keys[0] if keys else _create_api_key(ctx, conn, account_id, None, [])


def _issue_token(
    ctx: ServiceContext,
    conn: Connection,
    account_id: int,
    api_key_id: int,
    description: str | None,
    scopes: frozenset[Scope],
) -> tuple[ApiToken, str]:
    value = new_api_token()
    token_id = new_object_id()
    store.insert_api_token(
        conn,
        {
            "id": token_id,
            "api_key_id": api_key_id,
            "account_id": account_id,
            "description": rules.check_description(description),
            "scopes": sorted(scopes),
            "token_digest": token_digest(value),
            "creation_date": ctx.clock.now(),
        },
    )
    token = store.get_api_token(conn, api_key_id, token_id)
    assert token is not None
    return token, value


def update_token(
    ctx: ServiceContext, caller: Caller, api_key_id: int, token_id: str, changes: Mapping[str, Any]
) -> None:
    values: dict[str, Any] = {}
    if "description" in changes:
        values["description"] = rules.check_description(changes["description"])
    if changes.get("scopes") is not None:
        values["scopes"] = sorted(_requested_scopes(caller, changes["scopes"]))
    with ctx.db.transaction() as conn:
        _token(conn, caller, api_key_id, token_id)
        if values:
            store.update_api_token(conn, token_id, values)
    ctx.tokens.invalidate()


def delete_token(ctx: ServiceContext, caller: Caller, api_key_id: int, token_id: str) -> None:
    with ctx.db.transaction() as conn:
        _token(conn, caller, api_key_id, token_id)
        store.delete_api_tokens(conn, [token_id])
    ctx.tokens.invalidate()


def _requested_scopes(caller: Caller, scopes: Collection[str] | None) -> frozenset[Scope]:
    """The scopes to grant a token: at least one, and only scopes the caller's own token holds
    (a signed-in page holds them all)."""
    granted = parse_scopes(scopes or [])
    if not granted:
        raise InvalidParameter("scopes", list(scopes or []), "Grant the token at least one scope.")
    lacking = not_held(caller.scopes, granted)
    if lacking:
        raise Forbidden(
            f"This token may not grant scopes it does not hold: {', '.join(sorted(lacking))}."
        )
    return granted


def _api_key(conn: Connection, caller: Caller, api_key_id: int) -> ApiKey:
    api_key = store.get_api_key(conn, caller.account_id, api_key_id)
    if api_key is None:
        raise NotFound("api key", api_key_id)
    return api_key


def _token(conn: Connection, caller: Caller, api_key_id: int, token_id: str) -> ApiToken:
    _api_key(conn, caller, api_key_id)
    token = store.get_api_token(conn, api_key_id, token_id)
    if token is None:
        raise NotFound("api key token", token_id)
    return token
