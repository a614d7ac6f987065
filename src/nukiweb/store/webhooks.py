"""Reading and writing webhook subscribers, advanced API keys, webhook logs and notification
configurations. Queries that serve a caller say whose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from nukiweb.store.schema import (
    advanced_api_keys,
    notifications,
    webhook_events,
    webhook_logs,
    webhook_subscribers,
)

# Nuki Web keeps "the last 300 webhook requests" of an API key (vendor-behaviour §1.4).
KEPT_LOGS = 300

DECENTRAL = "decentral"
CENTRAL = "central"
NOTIFICATION = "notification"


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    account_id: int
    reader_account_id: int
    api_key_id: int | None
    kind: str
    notification_id: str | None
    url: str
    features: list[str]
    secret_box: str
    status: str
    failures: int
    creation_date: datetime
    update_date: datetime


@dataclass(frozen=True, slots=True)
class AdvancedKey:
    api_key_id: int
    name: str
    country: str
    description: str
    type: str
    url: str
    email: str
    restricted: bool
    status: str
    secret_box: str
    creation_date: datetime
    update_date: datetime


@dataclass(frozen=True, slots=True)
class WebhookLog:
    id: str
    api_key_id: int
    account_id: int
    feature: str | None
    request_id: str | None
    succeeded: bool
    response_status: int | None
    duration: int
    request: dict[str, Any]
    response: dict[str, Any] | None
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class NotificationConfig:
    notification_id: str
    account_id: int
    reader_account_id: int
    reference_id: str | None
    push_id: str
    os: int
    language: str
    status: int
    last_active_date: datetime | None
    settings: list[dict[str, Any]]
    secret_box: str | None
    creation_date: datetime


_SUBSCRIBER_COLUMNS = [webhook_subscribers.c[name] for name in Subscriber.__dataclass_fields__]
_LOG_COLUMNS = [webhook_logs.c[name] for name in WebhookLog.__dataclass_fields__]


def _subscriber(row: Row[Any]) -> Subscriber:
    values = row._asdict()
    values["features"] = list(values["features"])
    return Subscriber(**values)


# --- subscribers ---------------------------------------------------------------------------


def current_event_seq(conn: Connection) -> int:
    """The newest event's seq (0 if none): a new subscriber hears only what comes after."""
    seq = conn.execute(select(func.max(webhook_events.c.seq))).scalar()
    return int(seq or 0)


def insert_subscriber(conn: Connection, values: dict[str, Any]) -> int:
    key = conn.execute(insert(webhook_subscribers).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def list_subscribers(
    conn: Connection, account_id: int, kind: str, reader_account_id: int | None = None
) -> list[Subscriber]:
    """The account's subscribers of a kind; only those of one reader when it is given."""
    statement = select(*_SUBSCRIBER_COLUMNS).where(
        webhook_subscribers.c.account_id == account_id, webhook_subscribers.c.kind == kind
    )
    if reader_account_id is not None:
        statement = statement.where(webhook_subscribers.c.reader_account_id == reader_account_id)
    return [_subscriber(row) for row in conn.execute(statement.order_by(webhook_subscribers.c.id))]


def count_subscribers(conn: Connection, account_id: int, kind: str) -> int:
    counted = select(func.count()).where(
        webhook_subscribers.c.account_id == account_id, webhook_subscribers.c.kind == kind
    )
    return int(conn.execute(counted).scalar_one())


def get_subscriber(
    conn: Connection,
    account_id: int,
    kind: str,
    subscriber_id: int,
    reader_account_id: int | None = None,
) -> Subscriber | None:
    """The account's subscriber; ``None`` if it is another reader's when one is given."""
    statement = select(*_SUBSCRIBER_COLUMNS).where(
        webhook_subscribers.c.account_id == account_id,
        webhook_subscribers.c.kind == kind,
        webhook_subscribers.c.id == subscriber_id,
    )
    if reader_account_id is not None:
        statement = statement.where(webhook_subscribers.c.reader_account_id == reader_account_id)
    row = conn.execute(statement).first()
    return None if row is None else _subscriber(row)


def central_subscriber(conn: Connection, api_key_id: int) -> Subscriber | None:
    row = conn.execute(
        select(*_SUBSCRIBER_COLUMNS).where(
            webhook_subscribers.c.api_key_id == api_key_id,
            webhook_subscribers.c.kind == CENTRAL,
        )
    ).first()
    return None if row is None else _subscriber(row)


def notification_subscriber(conn: Connection, notification_id: str) -> Subscriber | None:
    row = conn.execute(
        select(*_SUBSCRIBER_COLUMNS).where(webhook_subscribers.c.notification_id == notification_id)
    ).first()
    return None if row is None else _subscriber(row)


def update_subscriber(conn: Connection, subscriber_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(webhook_subscribers)
        .where(webhook_subscribers.c.id == subscriber_id)
        .values(**values)
    )


def delete_subscriber(conn: Connection, subscriber_id: int) -> None:
    conn.execute(delete(webhook_subscribers).where(webhook_subscribers.c.id == subscriber_id))


# --- advanced API keys ---------------------------------------------------------------------


def insert_advanced_key(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(advanced_api_keys).values(**values))


def get_advanced_key(conn: Connection, api_key_id: int) -> AdvancedKey | None:
    row = conn.execute(
        select(advanced_api_keys).where(advanced_api_keys.c.api_key_id == api_key_id)
    ).first()
    return None if row is None else AdvancedKey(**row._asdict())


def update_advanced_key(conn: Connection, api_key_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(advanced_api_keys)
        .where(advanced_api_keys.c.api_key_id == api_key_id)
        .values(**values)
    )


def delete_advanced_key(conn: Connection, api_key_id: int) -> None:
    """Deletes the advanced API key and its central webhook."""
    conn.execute(
        delete(webhook_subscribers).where(
            webhook_subscribers.c.api_key_id == api_key_id,
            webhook_subscribers.c.kind == CENTRAL,
        )
    )
    conn.execute(delete(advanced_api_keys).where(advanced_api_keys.c.api_key_id == api_key_id))


# --- webhook logs --------------------------------------------------------------------------


def insert_log(conn: Connection, values: dict[str, Any]) -> None:
    """Records one delivery attempt (see ``insert_logs``)."""
    insert_logs(conn, [values])


def insert_logs(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Records delivery attempts, in the order given, and forgets each API key's attempts
    beyond its newest 300.

    Each row holds the webhook_logs columns; ``request`` and ``response`` are WebhookMessage
    documents: ``{"headers": {name: value}, "body": a JSON object or None, "timestamp": an
    ISO-8601 string, "path": the URL's path}`` (``response`` None when no answer came)."""
    if not rows:
        return
    conn.execute(insert(webhook_logs), rows)
    for api_key_id in dict.fromkeys(row["api_key_id"] for row in rows):
        oldest_kept = (
            select(webhook_logs.c.seq)
            .where(webhook_logs.c.api_key_id == api_key_id)
            .order_by(webhook_logs.c.seq.desc())
            .offset(KEPT_LOGS - 1)
            .limit(1)
            .scalar_subquery()
        )
        conn.execute(
            delete(webhook_logs).where(
                webhook_logs.c.api_key_id == api_key_id, webhook_logs.c.seq < oldest_kept
            )
        )


def log_seq(conn: Connection, api_key_id: int, log_id: str) -> int | None:
    seq = conn.execute(
        select(webhook_logs.c.seq).where(
            webhook_logs.c.api_key_id == api_key_id, webhook_logs.c.id == log_id
        )
    ).scalar()
    return None if seq is None else int(seq)


def list_logs(
    conn: Connection, api_key_id: int, before_seq: int | None, limit: int
) -> list[WebhookLog]:
    """The key's logs, newest first; only those older than ``before_seq`` when given."""
    statement = select(*_LOG_COLUMNS).where(webhook_logs.c.api_key_id == api_key_id)
    if before_seq is not None:
        statement = statement.where(webhook_logs.c.seq < before_seq)
    statement = statement.order_by(webhook_logs.c.seq.desc()).limit(limit)
    return [WebhookLog(**row._asdict()) for row in conn.execute(statement)]


# --- notifications -------------------------------------------------------------------------


def _notification(row: Row[Any]) -> NotificationConfig:
    values = row._asdict()
    values["settings"] = list(values["settings"])
    return NotificationConfig(**values)


def insert_notification(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(notifications).values(**values))


def list_notifications(
    conn: Connection,
    account_id: int,
    reference_id: str | None,
    reader_account_id: int | None = None,
) -> list[NotificationConfig]:
    """The account's configurations; only those of one reader when it is given."""
    statement = select(notifications).where(notifications.c.account_id == account_id)
    if reference_id is not None:
        statement = statement.where(notifications.c.reference_id == reference_id)
    if reader_account_id is not None:
        statement = statement.where(notifications.c.reader_account_id == reader_account_id)
    statement = statement.order_by(notifications.c.creation_date, notifications.c.notification_id)
    return [_notification(row) for row in conn.execute(statement)]


def count_notifications(conn: Connection, account_id: int) -> int:
    counted = select(func.count()).where(notifications.c.account_id == account_id)
    return int(conn.execute(counted).scalar_one())


def get_notification(
    conn: Connection, account_id: int, notification_id: str, reader_account_id: int | None = None
) -> NotificationConfig | None:
    """The account's configuration; ``None`` if it is another reader's when one is given."""
    statement = select(notifications).where(
        notifications.c.account_id == account_id,
        notifications.c.notification_id == notification_id,
    )
    if reader_account_id is not None:
        statement = statement.where(notifications.c.reader_account_id == reader_account_id)
    row = conn.execute(statement).first()
    return None if row is None else _notification(row)


def update_notification(conn: Connection, notification_id: str, values: dict[str, Any]) -> None:
    conn.execute(
        update(notifications)
        .where(notifications.c.notification_id == notification_id)
        .values(**values)
    )


def delete_subscribed_notifications(conn: Connection, api_key_id: int) -> None:
    """The notification webhooks of an API key about to be deleted: their subscribers go with
    it (by cascade), and the configurations with them. (Those of an account that is deleted go
    with it by cascade.)"""
    subscriber = webhook_subscribers.c
    whose = subscriber.api_key_id == api_key_id
    theirs = select(subscriber.notification_id).where(subscriber.kind == NOTIFICATION, whose)
    conn.execute(delete(notifications).where(notifications.c.notification_id.in_(theirs)))


def delete_notification(conn: Connection, notification_id: str) -> None:
    """Deletes the configuration and its webhook subscriber."""
    conn.execute(
        delete(webhook_subscribers).where(webhook_subscribers.c.notification_id == notification_id)
    )
    conn.execute(delete(notifications).where(notifications.c.notification_id == notification_id))
