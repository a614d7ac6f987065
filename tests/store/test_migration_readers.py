"""Migration 0006 on a store with webhooks in it: each existing subscriber is given the account
that made it as far as the store can tell, and Advanced API results in the logs their feature."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from nukiweb.store.database import Database
from tests.databases import BACKENDS, database_for

NOW = datetime(2026, 6, 1, tzinfo=UTC)
BEFORE = "0005"  # the revision before the one under test


def migrate(database: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(files("nukiweb.store") / "migrations"))
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def insert(conn: Connection, sql: str, **values: Any) -> int:
    return int(conn.execute(text(sql), {"now": NOW, **values}).scalar_one())


def account(conn: Connection, email: str, master: int | None = None) -> int:
    return insert(
        conn,
        "INSERT INTO accounts (type, email, email_key, email_verified, name, password_hash,"
        " master_account_id, rights, language, creation_date, update_date)"
        " VALUES (0, :email, :email, false, 'n', 'h', :master, :rights, 'en', :now, :now)"
        " RETURNING account_id",
        email=email,
        master=master,
        rights=None if master is None else 16,
    )


def api_key(conn: Connection, owner: int) -> int:
    return insert(
        conn,
        "INSERT INTO api_keys (account_id, api_key, redirect_uris, creation_date)"
        " VALUES (:owner, :key, '[]', :now) RETURNING api_key_id",
        owner=owner,
        key=f"key-{owner}",
    )


def subscriber(conn: Connection, owner: int, key: int | None, kind: str) -> int:
    return insert(
        conn,
        "INSERT INTO webhook_subscribers (account_id, api_key_id, kind, url, features,"
        " secret_box, status, cursor, failures, sent_ok, sent_failed, creation_date,"
        " update_date) VALUES (:owner, :key, :kind, 'https://x.example/h', '[\"DEVICE_LOGS\"]',"
        " 's', 'ACTIVE', 0, 0, 0, 0, :now, :now) RETURNING id",
        owner=owner,
        key=key,
        kind=kind,
    )


def log(conn: Connection, owner: int, key: int, request_id: str | None) -> int:
    return insert(
        conn,
        "INSERT INTO webhook_logs (id, api_key_id, account_id, subscriber_id, request_id,"
        " succeeded, duration, request, created, updated) VALUES (:id, :key, :owner, 0,"
        " :request_id, true, 1, '{}', :now, :now) RETURNING seq",
        id=f"log-{request_id}",
        key=key,
        owner=owner,
        request_id=request_id,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_existing_subscribers_and_logs_get_what_the_reading_rule_needs(
    backend: str, tmp_path: Path
) -> None:
    with database_for(backend, tmp_path) as url:
        database = Database(url)
        try:
            migrate(database, BEFORE)
            with database.engine.begin() as conn:
                master = account(conn, "m@example.com")
                sub = account(conn, "s@example.com", master)
                developer = account(conn, "d@example.com")
                sub_key = api_key(conn, sub)
                by_sub = subscriber(conn, master, sub_key, "decentral")
                by_app = subscriber(conn, master, api_key(conn, developer), "decentral")
                notification = subscriber(conn, master, None, "notification")
                result = log(conn, master, sub_key, "r-1")
                event = log(conn, master, sub_key, None)
            migrate(database, "head")
            with database.engine.connect() as conn:
                readers = dict(
                    conn.execute(
                        text("SELECT id, reader_account_id FROM webhook_subscribers")
                    ).all()
                )
                features = dict(conn.execute(text("SELECT seq, feature FROM webhook_logs")).all())
        finally:
            database.dispose()
    assert readers == {by_sub: sub, by_app: master, notification: master}
    assert features == {result: "API", event: None}
