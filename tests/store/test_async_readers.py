"""``AsyncReaders`` (PostgreSQL): a read waits for a connection when all are taken, and a read
whose connection's server backend went away runs again on a new connection."""

from __future__ import annotations

import asyncio

import pytest

from nukiweb.store.accounts import get_account_async
from nukiweb.store.async_readers import AsyncReaders
from nukiweb.store.database import Database
from tests.support import run_on_a_loop_of_its_own


def _database(database_url: str) -> Database:
    database = Database(database_url)
    if not database.is_postgresql:
        pytest.skip("asynchronous readers are PostgreSQL's")
    database.upgrade()
    return database


def test_reads_beyond_the_connections_wait_for_one(database_url: str) -> None:
    database = _database(database_url)

    async def reads() -> list[int]:
        readers = AsyncReaders(database.engine, size=2)
        await readers.open()
        try:

            async def one() -> int:
                async with readers.read() as conn:
                    cursor = await conn.execute("SELECT pg_backend_pid()")
                    row = await cursor.fetchone()
                    assert row is not None
                    await asyncio.sleep(0)  # let the others take their turn meanwhile
                    return int(row[0])

            return await asyncio.gather(*(one() for _ in range(20)))
        finally:
            await readers.close()

    try:
        pids = run_on_a_loop_of_its_own(reads)
    finally:
        database.dispose()
    assert len(pids) == 20
    assert len(set(pids)) == 2


def test_a_read_whose_connection_went_away_runs_again_on_a_new_one(database_url: str) -> None:
    database = _database(database_url)

    async def reads() -> None:
        readers = AsyncReaders(database.engine, size=1)
        await readers.open()
        try:
            (lost,) = readers.connections
            with database.engine.connect() as admin:
                admin.exec_driver_sql(f"SELECT pg_terminate_backend({lost.info.backend_pid})")
            assert await get_account_async(readers, -1) is None  # no 500: read once more
            (fresh,) = readers.connections
            assert fresh is not lost
            assert lost.closed
            assert await get_account_async(readers, -1) is None
            assert readers.connections == (fresh,)
        finally:
            await readers.close()

    try:
        run_on_a_loop_of_its_own(reads)
    finally:
        database.dispose()
