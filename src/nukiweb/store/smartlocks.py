"""Reading and writing bridges and devices. Queries that serve a caller say whose; the
simulator, which plays the hardware, addresses a device by its id alone. Every write of a device
gives it a new revision (``_new_revision``): what is kept rendered of a device is checked
against it."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from nukiweb.domain.devices import DeviceType
from nukiweb.domain.errors import Conflict, NotFound
from nukiweb.domain.smartlocks import Bridge, Device
from nukiweb.store.async_readers import AsyncReaders
from nukiweb.store.hot import HotQuery
from nukiweb.store.schema import bridges, smartlocks

_DEVICE_COLUMNS = [
    c for c in smartlocks.c if c.name not in ("admin_pin_hash", "revision", "operation_holder")
]


def _new_revision() -> int:
    """What every write of a device sets its revision to: a new random number (62 bits, so
    that two states of a device share one with a chance of 1 in 4.6e18)."""
    return secrets.randbits(62)


def _device(row: Row[Any]) -> Device:
    return _device_of(row._asdict())


def _device_of(values: dict[str, Any]) -> Device:
    values.pop("revision", None)
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


def delete_bridge(conn: Connection, bridge_id: int) -> None:
    conn.execute(delete(bridges).where(bridges.c.bridge_id == bridge_id))


def set_bridge_online(conn: Connection, bridge_id: int, online: bool) -> None:
    conn.execute(update(bridges).where(bridges.c.bridge_id == bridge_id).values(online=online))


def insert_device(conn: Connection, values: dict[str, Any]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(insert(smartlocks).values(**values, revision=_new_revision()))
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


# The revisions of an account's devices, with what GET /smartlock filters on: the hot read of
# a list whose documents are kept rendered (api/smartlock_views.py).
_DEVICE_REVISIONS = HotQuery(
    select(
        smartlocks.c.smartlock_id,
        smartlocks.c.revision,
        smartlocks.c.type,
        smartlocks.c.auth_id,
    )
    .where(smartlocks.c.account_id == bindparam("account_id"))
    .order_by(smartlocks.c.smartlock_id)
)
_DEVICE_REVISION = HotQuery(
    select(smartlocks.c.revision).where(
        smartlocks.c.account_id == bindparam("account_id"),
        smartlocks.c.smartlock_id == bindparam("smartlock_id"),
    )
)
_SELECT_REVISED_DEVICES = select(smartlocks.c.revision, *_DEVICE_COLUMNS).where(
    smartlocks.c.account_id == bindparam("account_id"),
    smartlocks.c.smartlock_id.in_(bindparam("smartlock_ids", expanding=True)),
)


def device_revisions(conn: Connection, account_id: int) -> list[tuple[int, int, int, int]]:
    """``(smartlock_id, revision, type, auth_id)`` of each of the account's devices, in the
    order of their ids."""
    return _revisions(_DEVICE_REVISIONS.all(conn, {"account_id": account_id}))


async def device_revisions_async(
    readers: AsyncReaders, account_id: int
) -> list[tuple[int, int, int, int]]:
    """``device_revisions`` awaited on PostgreSQL's asynchronous readers."""
    return _revisions(await _DEVICE_REVISIONS.all_async(readers, {"account_id": account_id}))


def _revisions(rows: list[tuple[Any, ...]]) -> list[tuple[int, int, int, int]]:
    return [
        (int(smartlock_id), int(revision), int(kind), int(auth_id))
        for smartlock_id, revision, kind, auth_id in rows
    ]


def device_revision(conn: Connection, account_id: int, smartlock_id: int) -> int | None:
    """The revision of the account's device; ``None`` when the account has no such device."""
    row = _DEVICE_REVISION.first(conn, {"account_id": account_id, "smartlock_id": smartlock_id})
    return None if row is None else int(row[0])


async def device_revision_async(
    readers: AsyncReaders, account_id: int, smartlock_id: int
) -> int | None:
    """``device_revision`` awaited on PostgreSQL's asynchronous readers."""
    params = {"account_id": account_id, "smartlock_id": smartlock_id}
    row = await _DEVICE_REVISION.first_async(readers, params)
    return None if row is None else int(row[0])


def revised_devices(
    conn: Connection, account_id: int, smartlock_ids: list[int]
) -> list[tuple[int, Device]]:
    """The account's devices among ``smartlock_ids``, each with its revision (read in the same
    row); one that is gone meanwhile is left out."""
    rows = conn.execute(
        _SELECT_REVISED_DEVICES, {"account_id": account_id, "smartlock_ids": smartlock_ids}
    )
    return [(int(row.revision), _device_of(row._asdict())) for row in rows]


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
        update(smartlocks)
        .where(smartlocks.c.smartlock_id == smartlock_id)
        .values(**values, revision=_new_revision())
    )


def claim_operation(conn: Connection, smartlock_id: int, operation_id: str, holder: str) -> bool:
    """Marks the device busy with ``operation_id``, held by the server instance ``holder``,
    unless another operation holds it: one conditional UPDATE, so that two concurrent requests
    cannot both win."""
    result = conn.execute(
        update(smartlocks)
        .where(smartlocks.c.smartlock_id == smartlock_id, smartlocks.c.operation_id.is_(None))
        .values(
            operation_id=operation_id,
            operation_holder=holder,
            error=None,
            revision=_new_revision(),
        )
    )
    return result.rowcount == 1


def release_operation(conn: Connection, smartlock_id: int, operation_id: str) -> None:
    conn.execute(
        update(smartlocks)
        .where(
            smartlocks.c.smartlock_id == smartlock_id,
            smartlocks.c.operation_id == operation_id,
        )
        .values(operation_id=None, operation_holder=None, revision=_new_revision())
    )


def operation_holder(conn: Connection, smartlock_id: int) -> str | None:
    holder: str | None = conn.scalar(
        select(smartlocks.c.operation_holder).where(smartlocks.c.smartlock_id == smartlock_id)
    )
    return holder


def get_admin_pin_hash(conn: Connection, smartlock_id: int) -> str | None:
    pin_hash: str | None = conn.execute(
        select(smartlocks.c.admin_pin_hash).where(smartlocks.c.smartlock_id == smartlock_id)
    ).scalar()
    return pin_hash


def delete_device(conn: Connection, smartlock_id: int) -> None:
    conn.execute(delete(smartlocks).where(smartlocks.c.smartlock_id == smartlock_id))
