"""The migrations create exactly the tables that the code describes, on both backends, and
running them again, or from several processes at once, changes nothing."""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Connection, column, insert, inspect, table

from nukiweb.services import api_keys
from nukiweb.store.database import Database
from nukiweb.store.schema import metadata
from nukiweb.store.types import UTCDateTime
from tests.databases import BACKENDS, database_for
from tests.support import running_server, unique_email


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        with database.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert differences == []
    finally:
        database.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_upgrades_from_several_processes(backend: str, tmp_path: Path) -> None:
    """Several processes starting at once on a new store and a new data directory: one makes
    the schema and one the secret key, and every process uses them."""
    with database_for(backend, tmp_path) as url:
        upgrade_from_processes(url, tmp_path / "data", count=4)
    keys = list((tmp_path / "data").iterdir())
    assert [key.name for key in keys] == ["nukiweb.key"]


def upgrade_from_processes(url: str, data_dir: Path, count: int) -> None:
    command = [sys.executable, "-m", "nukiweb", "db", "upgrade", "--database-url", url]
    command += ["--data-dir", str(data_dir)]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(count)
    ]
    errors = [process.communicate(timeout=60)[1].decode() for process in processes]
    assert [process.returncode for process in processes] == [0] * count, errors
    database = Database(url)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert {"accounts", "api_keys", "api_tokens", "alembic_version"} <= tables
    finally:
        database.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_account_configs_holding_a_clients_otp_date_are_cleaned(
    backend: str, tmp_path: Path
) -> None:
    """Before the server ignored it, ``POST /account`` stored a client's ``otpEnabledDate`` as
    text, which ``GET /account`` then failed to render (500)."""
    with database_for(backend, tmp_path) as url:
        database = Database(url)
        try:
            database.upgrade(revision=CLEANING.down_revision)
            with database.transaction() as conn:
                account_id = account_with_config(conn, {"alexaPin": "1", **OTP_TEXT})
                other_id = account_with_config(conn, {"alexaPin": "2", "gactionsHomePin": "3"})
        finally:
            database.dispose()
        with running_server(url) as server:
            for owner, config in [
                (account_id, {"alexaPin": "1"}),
                (other_id, {"alexaPin": "2", "gactionsHomePin": "3"}),
            ]:
                _key, token = api_keys.issue_token_for_account(server.ctx, owner, "migrated")
                response = httpx.get(
                    f"{server.base_url}/account", headers={"Authorization": f"Bearer {token}"}
                )
                assert response.status_code == 200, response.text
                assert response.json()["config"] == config


OTP_TEXT = {"otpEnabledDate": "2000-01-01T00:00:00.000Z"}
CLEANING = importlib.import_module(
    "nukiweb.store.migrations.versions.0009_account_config_without_clients_otp_date"
)


# The columns of an account as the migrations before the cleaning made them.
OLD_ACCOUNTS = table(
    "accounts",
    column("account_id"),
    *(
        column(name)
        for name in ("type", "email", "email_key", "email_verified", "name", "password_hash")
    ),
    column("language"),
    column("config", JSON),
    column("creation_date", UTCDateTime),
    column("update_date", UTCDateTime),
)


def account_with_config(conn: Connection, config: dict[str, str]) -> int:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    email = unique_email("migrated")
    account_id = conn.execute(
        insert(OLD_ACCOUNTS)
        .values(
            type=0,
            email=email,
            email_key=email,
            email_verified=False,
            name="Migrated",
            password_hash="not a hash",
            language="de",
            config=config,
            creation_date=now,
            update_date=now,
        )
        .returning(OLD_ACCOUNTS.c.account_id)
    ).scalar_one()
    return int(account_id)
