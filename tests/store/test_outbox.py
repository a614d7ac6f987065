"""The outbox's leases: one instance at a time serves a subscriber, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from nukiweb.services import accounts
from nukiweb.store import outbox
from nukiweb.store.schema import webhook_subscribers
from tests.support import RunningServer, unique_email

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def subscriber(server: RunningServer) -> int:
    account = accounts.create_account(server.ctx, unique_email("outbox"), "a password")
    with server.ctx.db.transaction() as conn:
        key = conn.execute(
            insert(webhook_subscribers).values(
                account_id=account.account_id,
                reader_account_id=account.account_id,
                kind="decentral",
                url="http://127.0.0.1:9/hook",
                features=["DEVICE_LOGS"],
                secret_box="sealed",
                status="ACTIVE",
                cursor=0,
                failures=0,
                sent_ok=0,
                sent_failed=0,
                creation_date=NOW,
                update_date=NOW,
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def test_only_one_instance_holds_a_subscriber(server: RunningServer) -> None:
    subscriber_id = subscriber(server)
    db = server.ctx.db
    until = NOW + timedelta(seconds=15)
    with db.transaction() as conn:
        assert outbox.lease(conn, subscriber_id, "instance-a", NOW, until)
    with db.transaction() as conn:
        assert not outbox.lease(conn, subscriber_id, "instance-b", NOW, until)
    # An instance that stopped answering loses the subscriber once its lease has run out.
    later = until + timedelta(seconds=1)
    with db.transaction() as conn:
        assert outbox.lease(conn, subscriber_id, "instance-b", later, later + timedelta(seconds=15))
    with db.transaction() as conn:
        outbox.release(conn, subscriber_id, "instance-a")  # not the holder: nothing happens
        assert not outbox.lease(conn, subscriber_id, "instance-a", later, later)
        outbox.release(conn, subscriber_id, "instance-b")
        assert outbox.lease(conn, subscriber_id, "instance-a", later, later)
    # Its own lease, which it could not release (the store stopped answering), it takes again.
    with db.transaction() as conn:
        assert outbox.lease(conn, subscriber_id, "instance-a", later, later + timedelta(seconds=15))
        assert not outbox.lease(conn, subscriber_id, "instance-b", later, later)
