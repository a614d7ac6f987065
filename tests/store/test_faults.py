"""What the store says when it cannot answer (``store.faults``): ``StoreUnavailable`` for a
database out of reach or a lock not had in time, ``ConnectionLost`` for a read whose connection
died under it, and every other error as it was; the kept reader replaced when PostgreSQL has
closed it, without a failed read."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import DBAPIError

from nukiweb.store.database import Attempt, Database
from nukiweb.store.faults import Backoff, ConnectionLost, StoreUnavailable, unavailability


def _backend_pid(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(database: Database, pid: int) -> None:
    url = make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))


def _terminated_then_used(database: Database, conn: Connection) -> None:
    _terminate(database, _backend_pid(conn))
    conn.execute(text("SELECT 1"))


def test_a_kept_reader_postgresql_closed_is_replaced_before_the_read(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's sessions")
    with database.read() as conn:
        first = _backend_pid(conn)
    _terminate(database, first)
    with database.read() as conn:
        second = _backend_pid(conn)
    assert second != first
    with database.read() as conn:
        assert _backend_pid(conn) == second  # kept again


def test_a_read_whose_connection_dies_under_it_is_connection_lost(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's sessions")
    with pytest.raises(ConnectionLost), database.read() as conn:
        _terminated_then_used(database, conn)
    with database.read() as conn:  # on a new connection
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_a_transaction_whose_connection_dies_is_store_unavailable(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's sessions")
    with Attempt() as attempt, pytest.raises(StoreUnavailable), database.transaction() as conn:
        _terminated_then_used(database, conn)
    assert attempt.began_transaction
    with database.transaction() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_a_database_out_of_reach_is_store_unavailable() -> None:
    # A port nothing listens on: connection refused.
    database = Database("postgresql://postgres@127.0.0.1:9/nothing")
    database.keep_reader()  # cannot connect now: at the first read
    try:
        with pytest.raises(StoreUnavailable), database.read():
            pass
        with pytest.raises(StoreUnavailable), database.transaction():
            pass
        with pytest.raises(StoreUnavailable), database.snapshot():
            pass
    finally:
        database.release_reader()
        database.dispose()


def test_sqlites_lock_held_beyond_the_busy_timeout_is_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "nukiweb.db"
    database = Database(f"sqlite:///{path}", sqlite_busy_timeout=0.1)
    database.upgrade()
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as holder:
            holder.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreUnavailable) as raised, database.transaction():
                pass
            assert "locked" in raised.value.reason
            with database.read() as conn:  # readers go on (WAL)
                assert conn.execute(text("SELECT 1")).scalar() == 1
            holder.execute("ROLLBACK")
        with database.transaction() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        database.dispose()


def test_other_database_errors_stay_what_they_are(database: Database) -> None:
    with pytest.raises(DBAPIError) as raised, database.read() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(raised.value, StoreUnavailable)
    assert unavailability(ValueError("no")) is None
    with pytest.raises(ZeroDivisionError), database.transaction():
        _ = 1 / 0


def test_backoff_doubles_to_a_bound_with_jitter() -> None:
    backoff = Backoff(first=1.0, longest=8.0)
    waits = [backoff.wait() for _ in range(8)]
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    assert all(c / 2 <= w <= c for w, c in zip(waits, ceilings, strict=True)), waits
    assert backoff.failures == len(waits)
    backoff.reset()
    assert backoff.failures == 0
    assert backoff.wait() <= 1.0
