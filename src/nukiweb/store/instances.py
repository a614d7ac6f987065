"""The server instances serving the store, each under a lease (services/instances.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from nukiweb.store.schema import instances, smartlocks


def register(conn: Connection, name: str, now: datetime, lease_until: datetime) -> None:
    conn.execute(insert(instances).values(name=name, started=now, lease_until=lease_until))


def renew(conn: Connection, name: str, lease_until: datetime) -> bool:
    """False when the instance has no lease any more: another found it run out, and finished
    what it carried."""
    result = conn.execute(
        update(instances).where(instances.c.name == name).values(lease_until=lease_until)
    )
    return result.rowcount == 1


def leave(conn: Connection, name: str) -> None:
    conn.execute(delete(instances).where(instances.c.name == name))


def expired(conn: Connection, now: datetime) -> list[str]:
    """The instances whose lease ran out before ``now``."""
    return list(conn.scalars(select(instances.c.name).where(instances.c.lease_until < now)))


def live(conn: Connection, now: datetime) -> set[str]:
    return set(conn.scalars(select(instances.c.name).where(instances.c.lease_until >= now)))


def carriers(conn: Connection) -> list[tuple[int, str]]:
    """``(smartlock_id, carrier)`` of every device whose simulated hardware names the process
    carrying its latest command (``Hardware.carrier``)."""
    carrier = smartlocks.c.mechanics["carrier"].as_string()
    rows = conn.execute(select(smartlocks.c.smartlock_id, carrier).where(carrier.is_not(None)))
    return [(int(smartlock_id), name) for smartlock_id, name in rows]


def held_operations(conn: Connection) -> list[tuple[int, str | None]]:
    """``(smartlock_id, holder)`` of every device busy with an operation."""
    rows = conn.execute(
        select(smartlocks.c.smartlock_id, smartlocks.c.operation_holder).where(
            smartlocks.c.operation_id.is_not(None)
        )
    )
    return [(int(smartlock_id), holder) for smartlock_id, holder in rows]
