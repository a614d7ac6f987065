"""Reading and writing bridges and devices. Queries that serve a caller say whose; the
simulator, which plays the hardware, addresses a device by its id alone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from nukiweb.domain.devices import DeviceType
from nukiweb.domain.errors import Conflict, NotFound
from nukiweb.domain.smartlocks import Bridge, Device
from nukiweb.store.schema import bridges, smartlocks

_DEVICE_COLUMNS = [c for c in smartlocks.c if c.name != "admin_pin_hash"]


def _device(row: Row[Any]) -> Device:
    values = row._asdict()
    values["type"] = DeviceType(values["type"])
    return Device(**values)


def _bridge(row: Row[Any]) -> Bridge:
    return Bridge(**row._asdict())


def insert_bridge(conn: Connection, values: dict[str, Any]) -> Bridge:
    key = conn.execute(insert(bridges).values(**values)).inserted_primary_key
    assert key is not None
    bridge = get_bridge(conn, int(key[0]))
    assert bridge is not None
    return bridge


def get_bridge(conn: Connection, bridge_id: int) -> Bridge | None:
    row = conn.execute(select(bridges).where(bridges.c.bridge_id == bridge_id)).first()
    return None if row is None else _bridge(row)


def list_bridges(conn: Connection, account_id: int) -> list[Bridge]:
    rows = conn.execute(
        select(bridges).where(bridges.c.account_id == account_id).order_by(bridges.c.bridge_id)
    )
    return [_bridge(row) for row in rows]


def set_bridge_online(conn: Connection, bridge_id: int, online: bool) -> None:
    conn.execute(update(bridges).where(bridges.c.bridge_id == bridge_id).values(online=online))


def insert_device(conn: Connection, values: dict[str, Any]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(insert(smartlocks).values(**values))
    except IntegrityError:
        raise Conflict(f"The smartlock '{values['smartlock_id']}' exists already.") from None


# Built once: listing and reading devices are the hot reads of the API.
_SELECT_DEVICES = (
    select(*_DEVICE_COLUMNS)
    .where(smartlocks.c.account_id == bindparam("account_id"))
    .order_by(smartlocks.c.smartlock_id)
)
_SELECT_DEVICE = select(*_DEVICE_COLUMNS).where(
    smartlocks.c.account_id == bindparam("account_id"),
    smartlocks.c.smartlock_id == bindparam("smartlock_id"),
)
_SELECT_DEVICE_BY_ID = select(*_DEVICE_COLUMNS).where(
    smartlocks.c.smartlock_id == bindparam("smartlock_id")
)


def list_devices(conn: Connection, account_id: int) -> list[Device]:
    return [_device(row) for row in conn.execute(_SELECT_DEVICES, {"account_id": account_id})]


def get_device(conn: Connection, account_id: int, smartlock_id: int) -> Device | None:
    row = conn.execute(
        _SELECT_DEVICE, {"account_id": account_id, "smartlock_id": smartlock_id}
    ).first()
    return None if row is None else _device(row)


def owned_device(conn: Connection, account_id: int, smartlock_id: int) -> Device:
    """The account's device; ``NotFound`` for another account's, as for one that does not
    exist."""
    device = get_device(conn, account_id, smartlock_id)
    if device is None:
        raise NotFound("smartlock", smartlock_id)
    return device


def get_device_by_id(conn: Connection, smartlock_id: int) -> Device | None:
    """For the simulated hardware, which knows its own id, not its owner."""
    row = conn.execute(_SELECT_DEVICE_BY_ID, {"smartlock_id": smartlock_id}).first()
    return None if row is None else _device(row)


_LOCK_DEVICE = _SELECT_DEVICE_BY_ID.with_for_update()


def lock_device(conn: Connection, smartlock_id: int) -> Device | None:
    """The device, its row locked until the transaction ends (PostgreSQL; a SQLite write
    transaction holds the whole file already): for changes computed from what it holds."""
    row = conn.execute(_LOCK_DEVICE, {"smartlock_id": smartlock_id}).first()
    return None if row is None else _device(row)


def all_devices(conn: Connection) -> list[Device]:
    """Every device of every account: for the simulator's start-up only."""
    return [_device(row) for row in conn.execute(select(*_DEVICE_COLUMNS))]


def devices_of_bridge(conn: Connection, bridge_id: int) -> list[Device]:
    rows = conn.execute(
        select(*_DEVICE_COLUMNS)
        .where(smartlocks.c.bridge_id == bridge_id)
        .order_by(smartlocks.c.smartlock_id)
    )
    return [_device(row) for row in rows]


def update_device(conn: Connection, smartlock_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(smartlocks).where(smartlocks.c.smartlock_id == smartlock_id).values(**values)
    )


def claim_operation(conn: Connection, smartlock_id: int, operation_id: str) -> bool:
    """Marks the device busy with ``operation_id`` unless another operation holds it: one
    conditional UPDATE, so that two concurrent requests cannot both win."""
    result = conn.execute(
        update(smartlocks)
        .where(smartlocks.c.smartlock_id == smartlock_id, smartlocks.c.operation_id.is_(None))
        .values(operation_id=operation_id, error=None)
    )
    return result.rowcount == 1


def release_operation(conn: Connection, smartlock_id: int, operation_id: str) -> None:
    conn.execute(
        update(smartlocks)
        .where(
            smartlocks.c.smartlock_id == smartlock_id,
            smartlocks.c.operation_id == operation_id,
        )
        .values(operation_id=None)
    )


def release_all_operations(conn: Connection, error: str) -> None:
    """At start-up: operations that were in flight when the server stopped will not finish."""
    conn.execute(
        update(smartlocks)
        .where(smartlocks.c.operation_id.is_not(None))
        .values(operation_id=None, error=error)
    )


def get_admin_pin_hash(conn: Connection, smartlock_id: int) -> str | None:
    pin_hash: str | None = conn.execute(
        select(smartlocks.c.admin_pin_hash).where(smartlocks.c.smartlock_id == smartlock_id)
    ).scalar()
    return pin_hash


def delete_device(conn: Connection, smartlock_id: int) -> None:
    conn.execute(delete(smartlocks).where(smartlocks.c.smartlock_id == smartlock_id))
