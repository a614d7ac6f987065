"""The event outbox and the delivery state of its subscribers.

Events are appended in the transaction of the change that causes them. Each subscriber reads
them in order from its own cursor; an instance serves a subscriber only while it holds its
lease (a conditional UPDATE, the same on SQLite and PostgreSQL), so two instances never send
to one subscriber at once and every subscriber hears its events in order.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from nukiweb.domain.webhooks import Feature
from nukiweb.secretbox import SecretBox
from nukiweb.store.schema import notifications, webhook_events, webhook_subscribers

# Events of these features may carry a keypad code (an authorization's): their payload is kept
# sealed until it is delivered and pruned.
SEALED_FEATURES = frozenset({Feature.DEVICE_AUTHS.value})


def has_subscribers(conn: Connection, account_id: int) -> bool:
    return bool(
        conn.execute(
            select(exists().where(webhook_subscribers.c.account_id == account_id))
        ).scalar()
    )


# Any fixed 64-bit number: the PostgreSQL advisory lock that orders appends across instances.
_APPEND_LOCK_KEY = 0x6E756B69776F7574


def append(conn: Connection, values: dict[str, Any]) -> None:
    append_many(conn, [values])


def append_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Events, in the order given (one statement for all of them)."""
    if conn.dialect.name == "postgresql":
        # A cursor moves past every seq it has seen, so seqs must become visible in order:
        # without this, a transaction that took seq n could commit after one that took n + 1
        # (another instance) and a subscriber already past n + 1 would never hear n. Held
        # until commit; SQLite has a single writer anyway.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
    if len(rows) == 1:
        conn.execute(insert(webhook_events).values(**rows[0]))
    else:
        conn.execute(insert(webhook_events), rows)


def stored_payload(box: SecretBox, feature: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An event's payload as the outbox keeps it."""
    if feature not in SEALED_FEATURES:
        return payload
    return {"sealed": box.seal(json.dumps(payload, separators=(",", ":")))}


def opened_payload(box: SecretBox, feature: str, stored: dict[str, Any]) -> dict[str, Any]:
    """An event's payload as it was written (``stored_payload`` undone)."""
    if feature not in SEALED_FEATURES:
        return stored
    opened: dict[str, Any] = json.loads(box.open(stored["sealed"]))
    return opened


def due_subscribers(conn: Connection, now: datetime, limit: int) -> list[int]:
    """Active subscribers with an event past their cursor, not waiting for a retry, not leased."""
    subscriber = webhook_subscribers
    pending = exists().where(
        webhook_events.c.account_id == subscriber.c.account_id,
        webhook_events.c.seq > subscriber.c.cursor,
    )
    rows = conn.execute(
        select(subscriber.c.id)
        .where(
            subscriber.c.status == "ACTIVE",
            or_(subscriber.c.next_attempt_at.is_(None), subscriber.c.next_attempt_at <= now),
            or_(subscriber.c.lease_until.is_(None), subscriber.c.lease_until < now),
            pending,
        )
        .order_by(subscriber.c.id)
        .limit(limit)
    )
    return [row.id for row in rows]


def lease(conn: Connection, subscriber_id: int, owner: str, now: datetime, until: datetime) -> bool:
    """Whether ``owner`` now holds the subscriber's lease: one nobody holds, one run out, or
    its own (one it could not release when the store stopped answering; an owner serves a
    subscriber with one task at a time)."""
    result = conn.execute(
        update(webhook_subscribers)
        .where(
            webhook_subscribers.c.id == subscriber_id,
            or_(
                webhook_subscribers.c.lease_until.is_(None),
                webhook_subscribers.c.lease_until < now,
                webhook_subscribers.c.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    return result.rowcount == 1


def release(conn: Connection, subscriber_id: int, owner: str) -> None:
    conn.execute(
        update(webhook_subscribers)
        .where(
            webhook_subscribers.c.id == subscriber_id,
            webhook_subscribers.c.lease_owner == owner,
        )
        .values(lease_owner=None, lease_until=None)
    )


def subscriber(conn: Connection, subscriber_id: int) -> Row[Any] | None:
    """The subscriber, with its notification's settings when it is one."""
    return conn.execute(
        select(webhook_subscribers, notifications.c.settings)
        .select_from(
            webhook_subscribers.outerjoin(
                notifications,
                and_(notifications.c.notification_id == webhook_subscribers.c.notification_id),
            )
        )
        .where(webhook_subscribers.c.id == subscriber_id)
    ).first()


def events_after(conn: Connection, account_id: int, cursor: int, limit: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(webhook_events)
            .where(webhook_events.c.account_id == account_id, webhook_events.c.seq > cursor)
            .order_by(webhook_events.c.seq)
            .limit(limit)
        )
    )


def record_attempt(
    conn: Connection, subscriber_id: int, owner: str, values: dict[str, Any]
) -> bool:
    """What attempts changed (cursor, failures, statistics), if this instance still holds
    the subscriber's lease: whether it does."""
    result = conn.execute(
        update(webhook_subscribers)
        .where(
            webhook_subscribers.c.id == subscriber_id,
            webhook_subscribers.c.lease_owner == owner,
        )
        .values(**values)
    )
    return result.rowcount == 1


def prune(conn: Connection) -> None:
    """Events every subscriber of their account has handled, and events of accounts without
    subscribers, go."""
    handled = (
        select(func.min(webhook_subscribers.c.cursor))
        .where(webhook_subscribers.c.account_id == webhook_events.c.account_id)
        .scalar_subquery()
    )
    conn.execute(
        delete(webhook_events).where(or_(handled.is_(None), webhook_events.c.seq <= handled))
    )
