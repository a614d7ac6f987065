"""Use cases of the AccountUser tag: the people an account issues authorizations to."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain import authorizations as rules
from nukiweb.domain.accounts import email_key
from nukiweb.domain.errors import InvalidParameter, Locked, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.smartlocks import AccountUser
from nukiweb.domain.webhooks import Feature
from nukiweb.services import authorizations, events
from nukiweb.services.context import ServiceContext
from nukiweb.store import account_users as store
from nukiweb.store import authorizations as auth_store

MAX_PAGE = 100
MAX_USER_NAME_LENGTH = 100  # the store's column


def list_users(
    ctx: ServiceContext, caller: Caller, email: str | None, offset: int, limit: int
) -> list[AccountUser]:
    """``email`` filters by a part of the address, case-insensitively."""
    if offset < 0:
        raise InvalidParameter("offset", offset)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidParameter("limit", limit, f"It must be between 1 and {MAX_PAGE}.")
    with ctx.db.read() as conn:
        return store.list_users(conn, caller.owner_account_id, email, offset, limit)


def create_user(
    ctx: ServiceContext,
    caller: Caller,
    email: str,
    name: str,
    language: str | None,
    user_type: int | None,
) -> AccountUser:
    fields = rules.check_account_user(email, name, language or "en")
    assert fields.email is not None
    assert fields.name is not None
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        user_id = store.insert_user(
            conn,
            {
                "account_id": caller.owner_account_id,
                "type": user_type or 0,
                "email": fields.email,
                "email_key": email_key(fields.email),
                "name": fields.name,
                "language": fields.language or "en",
                "creation_date": now,
                "update_date": now,
            },
        )
        user = store.get_user(conn, caller.owner_account_id, user_id)
        assert user is not None
        events.emit(ctx, conn, user.account_id, Feature.ACCOUNT_USER, events.account_user(user))
    return user


def get_user(ctx: ServiceContext, caller: Caller, account_user_id: int) -> AccountUser:
    with ctx.db.read() as conn:
        user = store.get_user(conn, caller.owner_account_id, account_user_id)
    if user is None:
        raise NotFound("account user", account_user_id)
    return user


def update_user(
    ctx: ServiceContext, caller: Caller, account_user_id: int, changes: Mapping[str, Any]
) -> AccountUser:
    fields = rules.check_account_user(
        changes.get("email"), changes.get("name"), changes.get("language"), partial=True
    )
    values: dict[str, Any] = {"update_date": ctx.clock.now()}
    if fields.email is not None:
        values |= {"email": fields.email, "email_key": email_key(fields.email)}
    if fields.name is not None:
        values["name"] = fields.name
    if fields.language is not None:
        values["language"] = fields.language
    with ctx.db.transaction() as conn:
        user = store.get_user(conn, caller.owner_account_id, account_user_id)
        if user is None:
            raise NotFound("account user", account_user_id)
        if user.operation_id is not None:
            raise Locked(f"The account user '{account_user_id}' is being deleted.")
        store.update_user(conn, account_user_id, values)
        updated = store.get_user(conn, caller.owner_account_id, account_user_id)
        assert updated is not None
        events.emit(
            ctx, conn, updated.account_id, Feature.ACCOUNT_USER, events.account_user(updated)
        )
    return updated


def delete_user(ctx: ServiceContext, caller: Caller, account_user_id: int) -> None:
    """Asynchronous: the user's authorizations are removed from every device, and the user goes
    with the last of them (at once if it has none). Devices that cannot be reached keep theirs,
    with an error, and the user stays until the delete is sent again."""
    operation_id = str(uuid.uuid4())
    with ctx.db.transaction() as conn:
        user = store.get_user(conn, caller.owner_account_id, account_user_id)
        if user is None:
            raise NotFound("account user", account_user_id)
        if user.operation_id is not None:
            raise Locked(f"The account user '{account_user_id}' is being deleted.")
        auths = auth_store.list_authorizations(
            conn, ctx.secrets, caller.owner_account_id, account_user_id=account_user_id
        )
        if not auths:
            store.delete_user(conn, account_user_id)
            events.emit(
                ctx, conn, user.account_id, Feature.ACCOUNT_USER,
                events.account_user(user, deleted=True),
            )  # fmt: skip
            return
        if any(auth.operation_id is not None for auth in auths):
            raise Locked(f"An authorization of account user '{account_user_id}' is busy.")
        store.update_user(conn, account_user_id, {"operation_id": operation_id})
    authorizations.delete(ctx, caller, [(auth.smartlock_id, auth.id) for auth in auths])
    with ctx.db.transaction() as conn:
        if store.settle_leaving_user(conn, account_user_id):
            events.emit(
                ctx, conn, user.account_id, Feature.ACCOUNT_USER,
                events.account_user(user, deleted=True),
            )  # fmt: skip


def user_for_email(
    ctx: ServiceContext, conn: Connection, account_id: int, email: str, name: str
) -> int:
    """Within the caller's transaction: the account's user with this email, made if it has
    none (a guest of a reservation, the redeemer of an address token)."""
    key = email_key(email)
    user = store.by_email_key(conn, account_id, key)
    if user is not None:
        return user.account_user_id
    now = ctx.clock.now()
    user_id = store.insert_user(
        conn,
        {
            "account_id": account_id,
            "type": 0,
            "email": email,
            "email_key": key,
            "name": name[:MAX_USER_NAME_LENGTH].strip() or email,
            "language": "en",
            "creation_date": now,
            "update_date": now,
        },
    )
    created = store.get_user(conn, account_id, user_id)
    assert created is not None
    events.emit(ctx, conn, account_id, Feature.ACCOUNT_USER, events.account_user(created))
    return user_id
