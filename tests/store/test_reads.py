"""What ``Database.read`` and ``Database.snapshot`` promise: nothing committed; on the kept
reader, no transaction left open after a read (and on PostgreSQL none begun for a SELECT);
``SET LOCAL`` lasting to the end of its read; a snapshot that sees one state of the store."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from nukiweb.runtime import build_context
from nukiweb.services import accounts
from nukiweb.store.database import Database
from tests.support import unique_email


def _open_transaction(database: Database) -> bool:
    with database.read() as conn:
        driver = conn.connection.dbapi_connection
        assert driver is not None
        if database.is_postgresql:
            return bool(driver.info.transaction_status)  # type: ignore[attr-defined]
        return bool(driver.in_transaction)  # type: ignore[attr-defined]


def test_a_read_leaves_no_transaction_open(database: Database) -> None:
    with database.read() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert not _open_transaction(database)


def test_set_local_lasts_to_the_end_of_its_read(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("SET LOCAL is PostgreSQL's")
    with database.read() as conn:
        assert conn.exec_driver_sql("SHOW enable_sort").scalar() == "on"
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        assert conn.exec_driver_sql("SHOW enable_sort").scalar() == "off"
    with database.read() as conn:
        assert conn.exec_driver_sql("SHOW enable_sort").scalar() == "on"
    assert not _open_transaction(database)


def test_a_snapshot_sees_one_state_and_a_read_sees_each_commit(database: Database) -> None:
    def count(conn: Connection) -> int:
        return int(conn.execute(text("SELECT count(*) FROM accounts")).scalar_one())

    def add_account() -> None:
        accounts.create_account(build_context(database), unique_email("snapshot"), "password1")

    with database.snapshot() as snapshot:
        before = count(snapshot)
        add_account()
        assert count(snapshot) == before
        with database.read() as conn:
            assert count(conn) == before + 1
