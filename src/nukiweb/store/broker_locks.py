"""Locks seen on the MQTT broker: the last value of each retained topic, and the device that
claimed the lock, if one has."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from nukiweb.store.schema import broker_locks


@dataclass(frozen=True, slots=True)
class BrokerLock:
    nuki_id: int
    device_type: int | None
    topic_values: dict[str, str]
    seen_date: datetime
    smartlock_id: int | None


def _lock(row: Any) -> BrokerLock:
    return BrokerLock(
        nuki_id=int(row.nuki_id),
        device_type=row.device_type,
        topic_values=dict(row.topic_values),
        seen_date=row.seen_date,
        smartlock_id=None if row.smartlock_id is None else int(row.smartlock_id),
    )


def lock_for_update(conn: Connection, nuki_id: int) -> BrokerLock | None:
    """The lock's row, locked until the transaction ends: its values are merged from what it
    held, and two instances may receive its messages at once."""
    row = conn.execute(
        select(broker_locks).where(broker_locks.c.nuki_id == nuki_id).with_for_update()
    ).first()
    return None if row is None else _lock(row)


def get(conn: Connection, nuki_id: int) -> BrokerLock | None:
    row = conn.execute(select(broker_locks).where(broker_locks.c.nuki_id == nuki_id)).first()
    return None if row is None else _lock(row)


def record(
    conn: Connection,
    nuki_id: int,
    values: Mapping[str, str],
    device_type: int | None,
    now: datetime,
) -> BrokerLock:
    """Merges ``values`` into what the lock's row holds (made on first sight); the lock as it
    is now."""
    current = lock_for_update(conn, nuki_id)
    if current is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(broker_locks).values(
                        nuki_id=nuki_id,
                        device_type=device_type,
                        topic_values=dict(values),
                        seen_date=now,
                        smartlock_id=None,
                    )
                )
        except IntegrityError:  # another instance saw it first: merge into its row
            return record(conn, nuki_id, values, device_type, now)
        return BrokerLock(nuki_id, device_type, dict(values), now, None)
    merged = current.topic_values | dict(values)
    kind = current.device_type if device_type is None else device_type
    conn.execute(
        update(broker_locks)
        .where(broker_locks.c.nuki_id == nuki_id)
        .values(topic_values=merged, device_type=kind, seen_date=now)
    )
    return BrokerLock(nuki_id, kind, merged, now, current.smartlock_id)


def claim(conn: Connection, nuki_id: int, smartlock_id: int) -> None:
    conn.execute(
        update(broker_locks)
        .where(broker_locks.c.nuki_id == nuki_id)
        .values(smartlock_id=smartlock_id)
    )


def unclaimed(conn: Connection) -> list[BrokerLock]:
    rows = conn.execute(
        select(broker_locks)
        .where(broker_locks.c.smartlock_id.is_(None))
        .order_by(broker_locks.c.nuki_id)
    )
    return [_lock(row) for row in rows]
