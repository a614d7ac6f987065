"""Use cases of the SmartlockAuth tag: who may open which device, when.

Asynchronous, as the vendor's service is: a create, update or delete answers at once; the
authorization shows the change with an ``operationId`` until its device has confirmed it, and
another write to it meanwhile answers 423. When the device cannot be reached the change stays
visibly failed: the authorization keeps an ``error`` saying so (a create shows the
authorization, not on the device), and nothing is retried behind the client's back; sending
the change again retries it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from nukiweb.bridges.hub import BridgeConnection
from nukiweb.domain import authorizations as rules
from nukiweb.domain.authorizations import AuthorizationFields, AuthorizationUpdate, AuthType
from nukiweb.domain.errors import InvalidParameter, Locked, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.smartlocks import Authorization, Device
from nukiweb.secrets import new_object_id
from nukiweb.services.context import ServiceContext
from nukiweb.store import account_users as user_store
from nukiweb.store import authorizations as store
from nukiweb.store import keypad_codes
from nukiweb.store import smartlocks as device_store

UNREACHABLE = "The change could not be sent to the device: its bridge is offline."


@dataclass(frozen=True, slots=True)
class NewAuthorization:
    """What ``PUT /smartlock/auth`` and ``PUT /smartlock/{id}/auth`` ask for."""

    name: str
    remote_allowed: bool
    type: int | None = None
    code: int | str | None = None
    account_user_id: int | None = None
    smart_actions_enabled: bool = False
    allowed_from_date: datetime | None = None
    allowed_until_date: datetime | None = None
    allowed_week_days: int | None = None
    allowed_from_time: int | None = None
    allowed_until_time: int | None = None


def list_authorizations(
    ctx: ServiceContext,
    caller: Caller,
    smartlock_id: int | None = None,
    account_user_id: int | None = None,
    types: list[int] | None = None,
) -> list[Authorization]:
    with ctx.db.read() as conn:
        if smartlock_id is not None:
            device_store.owned_device(conn, caller.owner_account_id, smartlock_id)
        return store.list_authorizations(
            conn, ctx.secrets, caller.owner_account_id, smartlock_id, account_user_id, types
        )


def get_authorization(
    ctx: ServiceContext, caller: Caller, smartlock_id: int, authorization_id: str
) -> Authorization:
    with ctx.db.read() as conn:
        return _authorization(ctx, conn, caller, smartlock_id, authorization_id)


def create(
    ctx: ServiceContext,
    caller: Caller,
    smartlock_ids: Sequence[int],
    new: NewAuthorization,
    request_id: str | None = None,
) -> list[Authorization]:
    """One authorization per device, all checked before any is made (all or nothing)."""
    with ctx.db.transaction() as conn:
        created, deliveries = create_within(ctx, conn, caller, smartlock_ids, new, request_id)
    send(ctx, deliveries)
    return created


Deliveries = list[tuple[Device, Authorization]]
"""Changes made within a transaction, to be sent to their devices (``send``) once it has
committed."""


def create_within(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    smartlock_ids: Sequence[int],
    new: NewAuthorization,
    request_id: str | None = None,
    issued_by: Mapping[str, str] | None = None,
) -> tuple[list[Authorization], Deliveries]:
    """``create`` within the caller's transaction, for a use case that records what it made in
    the same one; ``issued_by``: ``reservation_id`` or ``address_token_id``."""
    if not smartlock_ids:
        raise InvalidParameter("smartlockIds", [])
    name = rules.check_name(new.name)
    window = rules.check_time_window(
        allowed_from_date=new.allowed_from_date,
        allowed_until_date=new.allowed_until_date,
        allowed_week_days=new.allowed_week_days,
        allowed_from_time=new.allowed_from_time,
        allowed_until_time=new.allowed_until_time,
    )
    now = ctx.clock.now()
    created: list[Authorization] = []
    deliveries: Deliveries = []
    if new.account_user_id is not None:
        _account_user(conn, caller, new.account_user_id)
    for smartlock_id in dict.fromkeys(smartlock_ids):
        device = device_store.owned_device(conn, caller.owner_account_id, smartlock_id)
        # The device's row stays locked to the end (PostgreSQL; SQLite's write transaction
        # holds the file): creations on it through other processes wait, and never take
        # the same slot or keypad code.
        device_store.lock_device(conn, smartlock_id)
        kind = rules.check_creation(
            new.type,
            code=new.code,
            account_user_id=new.account_user_id,
            keypad_paired=bool(device.config.get("keypadPaired")),
            existing_codes=store.DeviceCodes(conn, ctx.secrets, smartlock_id),
            existing_count=store.count_on_device(conn, smartlock_id),
        )
        code = rules.check_keypad_code(new.code) if kind is AuthType.KEYPAD_CODE else None
        values = {
            "id": new_object_id(),
            "account_id": caller.owner_account_id,
            "smartlock_id": smartlock_id,
            "auth_id": store.next_slot(conn, smartlock_id),
            "account_user_id": new.account_user_id,
            "type": int(kind),
            "name": name,
            **keypad_codes.at_rest(ctx.secrets, smartlock_id, code),
            "enabled": True,
            "remote_allowed": bool(new.remote_allowed),
            "smart_actions_enabled": bool(new.smart_actions_enabled),
            "lock_count": 0,
            **_window_values(window),
            "last_active_date": None,
            "device_copy": None,
            "pending": "create",
            "operation_id": str(uuid.uuid4()),
            "error": None,
            "request_id": request_id,
            **(issued_by or {}),
            "creation_date": now,
            "update_date": now,
        }
        store.insert_authorization(conn, values)
        auth = store.get_by_id(conn, ctx.secrets, values["id"])
        assert auth is not None
        created.append(auth)
        deliveries.append((device, auth))
    if not _deliver(ctx, conn, deliveries):
        # Some could not be sent: as they are now, with the error saying so.
        created = [store.get_by_id(conn, ctx.secrets, auth.id) or auth for auth in created]
    return created, deliveries


def update(
    ctx: ServiceContext,
    caller: Caller,
    changes: Sequence[tuple[int | None, str, Mapping[str, Any]]],
) -> None:
    """Partial updates of one or more authorizations (only the fields sent change), all
    checked before any is applied; ``smartlock_id`` ``None``: wherever the id is."""
    with ctx.db.transaction() as conn:
        deliveries = update_within(ctx, conn, caller, changes)
    send(ctx, deliveries)


def update_within(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    changes: Sequence[tuple[int | None, str, Mapping[str, Any]]],
) -> Deliveries:
    """``update`` within the caller's transaction."""
    now = ctx.clock.now()
    deliveries: Deliveries = []
    for smartlock_id, authorization_id, sent in changes:
        auth = _authorization(ctx, conn, caller, smartlock_id, authorization_id)
        _claim(conn, auth, "update")  # 423 first; a refused change below rolls it back
        if sent.get("accountUserId") is not None:
            _account_user(conn, caller, int(sent["accountUserId"]))
        changed = rules.check_update(
            AuthType(auth.type),
            _fields(auth),
            AuthorizationUpdate.from_spec(sent),
            existing_codes=store.DeviceCodes(conn, ctx.secrets, auth.smartlock_id),
        )
        values = _field_values(changed) | {"update_date": now}
        values |= keypad_codes.at_rest(ctx.secrets, auth.smartlock_id, changed.code)
        store.update_authorization(conn, auth.id, values)
        deliveries.append(_as_now(ctx, conn, auth))
    _deliver(ctx, conn, deliveries)
    return deliveries


def delete(ctx: ServiceContext, caller: Caller, targets: Iterable[tuple[int | None, str]]) -> None:
    """Removes authorizations from their devices; they go when the device confirms."""
    with ctx.db.transaction() as conn:
        deliveries = delete_within(ctx, conn, caller, targets)
    send(ctx, deliveries)


def delete_within(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    targets: Iterable[tuple[int | None, str]],
) -> Deliveries:
    """``delete`` within the caller's transaction."""
    deliveries: Deliveries = []
    for smartlock_id, authorization_id in targets:
        auth = _authorization(ctx, conn, caller, smartlock_id, authorization_id)
        _claim(conn, auth, "delete")
        deliveries.append(_as_now(ctx, conn, auth))
    _deliver(ctx, conn, deliveries)
    return deliveries


def _as_now(
    ctx: ServiceContext, conn: Connection, auth: Authorization
) -> tuple[Device, Authorization]:
    """The authorization as just changed, with its device: what to send."""
    device = device_store.get_device_by_id(conn, auth.smartlock_id)
    changed = store.get_by_id(conn, ctx.secrets, auth.id)
    assert device is not None
    assert changed is not None
    return device, changed


def _deliver(
    ctx: ServiceContext, conn: Connection, deliveries: list[tuple[Device, Authorization]]
) -> bool:
    """Within the transaction: changes for an unreachable device fail visibly at once (and are
    dropped from ``deliveries``); the rest are sent once the transaction has committed.
    Whether every change can be sent."""
    reachable = []
    for device, auth in deliveries:
        bridge = device_store.get_bridge(conn, device.bridge_id)
        assert bridge is not None
        if ctx.hub.connection(bridge) is None:
            store.update_authorization(
                conn, auth.id, {"operation_id": None, "pending": None, "error": UNREACHABLE}
            )
        else:
            reachable.append((device, auth))
    every = len(reachable) == len(deliveries)
    deliveries[:] = reachable
    return every


def send(ctx: ServiceContext, deliveries: Deliveries) -> None:
    """After the transaction that made the changes: each to its device."""
    for device, auth in deliveries:
        with ctx.db.read() as conn:
            bridge = device_store.get_bridge(conn, device.bridge_id)
        connection = None if bridge is None else ctx.hub.connection(bridge)
        if connection is not None and auth.operation_id is not None:
            connection.sync_authorization(device.smartlock_id, auth.id, auth.operation_id)


PendingChange = tuple[BridgeConnection, int, str, str]
"""A change to send again: the bridge connection, the device, the authorization, the
operation."""


def unconfirmed_changes(ctx: ServiceContext) -> list[PendingChange]:
    """Every change no device has confirmed yet, to be sent again (``send_again``): the instance
    that sent it may be gone, and a device applies a change once (confirming one again changes
    nothing, see ``device_reports.confirm_authorization``). A change for a device that cannot
    be reached now fails, as it would have when first sent."""
    changes: list[PendingChange] = []
    with ctx.db.transaction() as conn:
        for smartlock_id, authorization_id, operation_id in store.pending_changes(conn):
            device = device_store.get_device_by_id(conn, smartlock_id)
            bridge = None if device is None else device_store.get_bridge(conn, device.bridge_id)
            connection = None if bridge is None else ctx.hub.connection(bridge)
            if connection is None:
                store.fail_change(conn, authorization_id, operation_id, UNREACHABLE)
            else:
                changes.append((connection, smartlock_id, authorization_id, operation_id))
    return changes


def send_again(changes: list[PendingChange]) -> None:
    """On the event loop, whose timers the simulated devices use."""
    for connection, smartlock_id, authorization_id, operation_id in changes:
        connection.sync_authorization(smartlock_id, authorization_id, operation_id)


def _claim(conn: Connection, auth: Authorization, pending: str) -> None:
    if not store.claim(conn, auth.id, str(uuid.uuid4()), pending):
        raise Locked(f"The authorization '{auth.id}' is busy with another operation.")


def _fields(auth: Authorization) -> AuthorizationFields:
    return AuthorizationFields(
        name=auth.name,
        enabled=auth.enabled,
        remote_allowed=auth.remote_allowed,
        account_user_id=auth.account_user_id,
        code=auth.code,
        window=rules.TimeWindow(
            allowed_from_date=auth.allowed_from_date,
            allowed_until_date=auth.allowed_until_date,
            allowed_week_days=auth.allowed_week_days,
            allowed_from_time=auth.allowed_from_time,
            allowed_until_time=auth.allowed_until_time,
        ),
    )


def _field_values(fields: AuthorizationFields) -> dict[str, Any]:
    return {
        "name": fields.name,
        "enabled": fields.enabled,
        "remote_allowed": fields.remote_allowed,
        "account_user_id": fields.account_user_id,
        **_window_values(fields.window),
    }


def _window_values(window: rules.TimeWindow) -> dict[str, Any]:
    return {
        "allowed_from_date": window.allowed_from_date,
        "allowed_until_date": window.allowed_until_date,
        "allowed_week_days": window.allowed_week_days,
        "allowed_from_time": window.allowed_from_time,
        "allowed_until_time": window.allowed_until_time,
    }


def _account_user(conn: Connection, caller: Caller, account_user_id: int) -> None:
    if user_store.get_user(conn, caller.owner_account_id, account_user_id) is None:
        raise InvalidParameter("accountUserId", account_user_id, "There is no such account user.")


def _authorization(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    smartlock_id: int | None,
    authorization_id: str,
) -> Authorization:
    auth = store.get_authorization(conn, ctx.secrets, caller.owner_account_id, authorization_id)
    if auth is None or (smartlock_id is not None and auth.smartlock_id != smartlock_id):
        raise NotFound("authorization", authorization_id)
    return auth
