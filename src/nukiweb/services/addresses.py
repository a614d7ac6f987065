"""Use cases of the Address tag: rental properties, the devices that open them, their units.

An address's devices, time zone and check-in and check-out times decide its guests' access:
changing them moves what its reservations issued (``reservations.reconcile``). Deleting an
address revokes everything it issued — reservations' and address tokens' authorizations —
before it goes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain import short_rental as rules
from nukiweb.domain.errors import InvalidParameter, Locked, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.short_rental import Address
from nukiweb.secrets import new_object_id
from nukiweb.services import authorizations, reservations
from nukiweb.services.context import ServiceContext
from nukiweb.store import addresses as store
from nukiweb.store import authorizations as auth_store
from nukiweb.store import reservations as reservation_store
from nukiweb.store import smartlocks as device_store


def list_addresses(ctx: ServiceContext, caller: Caller) -> list[Address]:
    with ctx.db.read() as conn:
        return store.list_addresses(conn, caller.owner_account_id)


def get_address(ctx: ServiceContext, caller: Caller, address_id: int) -> Address:
    with ctx.db.read() as conn:
        return owned_address(conn, caller, address_id)


def create_address(
    ctx: ServiceContext,
    caller: Caller,
    name: object,
    smartlock_ids: object,
    *,
    time_zone: object = None,
    check_in_time: object = None,
    check_out_time: object = None,
    settings: object = None,
) -> Address:
    now = ctx.clock.now()
    values = {
        "account_id": caller.owner_account_id,
        "name": rules.check_address_name(name),
        "time_zone": rules.DEFAULT_TIME_ZONE
        if time_zone is None
        else rules.check_time_zone(time_zone),
        "check_in_time": rules.DEFAULT_CHECK_IN_TIME
        if check_in_time is None
        else rules.check_minutes("checkInTime", check_in_time),
        "check_out_time": rules.DEFAULT_CHECK_OUT_TIME
        if check_out_time is None
        else rules.check_minutes("checkOutTime", check_out_time),
        "settings": rules.check_settings(settings),
        "service_id": None,
        "creation_date": now,
        "update_date": now,
    }
    devices = rules.check_smartlock_ids(smartlock_ids)
    with ctx.db.transaction() as conn:
        _check_devices(conn, caller, devices)
        address_id = store.insert_address(conn, values)
        store.set_smartlocks(conn, address_id, devices)
        address = store.get_address(conn, caller.owner_account_id, address_id)
    assert address is not None
    return address


_UPDATABLE = {
    "name": rules.check_address_name,
    "timeZone": rules.check_time_zone,
    "checkInTime": lambda value: rules.check_minutes("checkInTime", value),
    "checkOutTime": lambda value: rules.check_minutes("checkOutTime", value),
    "settings": rules.check_settings,
}
_COLUMNS = {
    "name": "name",
    "timeZone": "time_zone",
    "checkInTime": "check_in_time",
    "checkOutTime": "check_out_time",
    "settings": "settings",
}


def update_address(
    ctx: ServiceContext, caller: Caller, address_id: int, changes: Mapping[str, Any]
) -> None:
    """Only the fields sent change; its reservations' access follows."""
    values: dict[str, Any] = {"update_date": ctx.clock.now()}
    for field, check in _UPDATABLE.items():
        if field in changes and (changes[field] is not None or field == "settings"):
            values[_COLUMNS[field]] = check(changes[field])
    devices = None
    if changes.get("smartlockIds") is not None:
        devices = rules.check_smartlock_ids(changes["smartlockIds"])
    with ctx.db.transaction() as conn:
        owned_address(conn, caller, address_id, for_update=True)
        if devices is not None:
            _check_devices(conn, caller, devices)
            store.set_smartlocks(conn, address_id, devices)
        store.update_address(conn, address_id, values)
        reservations.reconcile_soon(
            ctx, conn, [r.id for r in reservation_store.list_reservations(conn, address_id)]
        )
    reservations.wake_runner(ctx)


def delete_address(ctx: ServiceContext, caller: Caller, address_id: int) -> None:
    """What the address issued leaves its devices (asynchronously, as any removal); the
    address, its units, tokens, feed and reservations go at once."""
    with ctx.db.transaction() as conn:
        owned_address(conn, caller, address_id, for_update=True)
        issued = [
            auth
            for reservation in reservation_store.list_reservations(conn, address_id)
            for auth in auth_store.issued_by(conn, ctx.secrets, reservation_id=reservation.id)
        ] + [
            auth
            for token in store.list_tokens(conn, address_id)
            for auth in auth_store.issued_by(conn, ctx.secrets, address_token_id=token.id)
        ]
        deliveries = authorizations.Deliveries()
        for auth in issued:
            if auth.device_copy is None and auth.pending is None:
                auth_store.delete_authorization(conn, auth.id)  # never reached its device
            elif auth.pending is None:
                deliveries += authorizations.delete_within(
                    ctx, conn, caller, [(auth.smartlock_id, auth.id)]
                )
        store.delete_address(conn, address_id)
    authorizations.send(ctx, deliveries)


# --- units -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    address_id: int
    address_token_id: str
    operation_id: str | None
    creation_date: datetime
    redeem_date: datetime | None
    redeem_result: str | None


def list_units(ctx: ServiceContext, caller: Caller, address_id: int) -> list[Unit]:
    with ctx.db.read() as conn:
        owned_address(conn, caller, address_id)
        return [Unit(**row._asdict()) for row in store.list_units(conn, address_id)]


def create_unit(ctx: ServiceContext, caller: Caller, address_id: int, name: object) -> Unit:
    """A unit and its address token."""
    checked = rules.check_address_name(name)
    now = ctx.clock.now()
    unit_id, token_id = new_object_id(), new_object_id()
    with ctx.db.transaction() as conn:
        owned_address(conn, caller, address_id)
        store.insert_unit(
            conn,
            {
                "id": unit_id,
                "address_id": address_id,
                "name": checked,
                "address_token_id": token_id,
                "operation_id": None,
                "creation_date": now,
            },
            {
                "id": token_id,
                "address_id": address_id,
                "creation_date": now,
                "redeem_date": None,
                "redeem_account_id": None,
                "redeem_result": None,
                "invite_keys": None,
            },
        )
        row = store.get_unit(conn, address_id, unit_id)
    assert row is not None
    return Unit(**row._asdict())


def delete_units(
    ctx: ServiceContext, caller: Caller, address_id: int, unit_ids: Sequence[object]
) -> str:
    """Asynchronous: what each unit's token issued leaves the devices, and the unit goes with
    the last of it (at once if it issued nothing). The operation's id; 423 while a unit is
    already being deleted."""
    if not unit_ids or not all(isinstance(unit_id, str) for unit_id in unit_ids):
        raise InvalidParameter("unitIds", list(unit_ids), "A list of address unit ids.")
    operation_id = str(uuid.uuid4())
    deliveries = authorizations.Deliveries()
    with ctx.db.transaction() as conn:
        owned_address(conn, caller, address_id)
        for unit_id in dict.fromkeys(unit_ids):
            assert isinstance(unit_id, str)
            unit = store.get_unit(conn, address_id, unit_id)
            if unit is None:
                raise NotFound("address unit", unit_id)
            issued = auth_store.issued_by(conn, ctx.secrets, address_token_id=unit.address_token_id)
            if any(auth.pending is not None for auth in issued):
                raise Locked(f"The address unit '{unit_id}' is being deleted.")
            # A deletion whose devices could not be reached is sent again.
            store.mark_unit_leaving(conn, unit_id, operation_id)
            for auth in issued:
                if auth.device_copy is None:
                    auth_store.delete_authorization(conn, auth.id)  # never reached its device
                else:
                    deliveries += authorizations.delete_within(
                        ctx, conn, caller, [(auth.smartlock_id, auth.id)]
                    )
            store.settle_leaving_unit(conn, unit.address_token_id)
    authorizations.send(ctx, deliveries)
    return operation_id


# --- shared ----------------------------------------------------------------------------------


def owned_address(
    conn: Connection, caller: Caller, address_id: int, *, for_update: bool = False
) -> Address:
    """The caller's address; ``NotFound`` for another account's, as for one that does not
    exist."""
    address = store.get_address(conn, caller.owner_account_id, address_id, for_update=for_update)
    if address is None:
        raise NotFound("address", address_id)
    return address


def _check_devices(conn: Connection, caller: Caller, smartlock_ids: Sequence[int]) -> None:
    for smartlock_id in smartlock_ids:
        if device_store.get_device(conn, caller.owner_account_id, smartlock_id) is None:
            raise InvalidParameter("smartlockIds", smartlock_id, "There is no such smartlock.")
