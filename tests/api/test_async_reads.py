"""On PostgreSQL the hottest reads (``GET /account``, ``GET /smartlock``, ``GET /smartlock/{id}``)
and the activity log's pages are awaited on a few asynchronous connections
(store/async_readers.py): many requests at once, more than there are connections, all get their
answer; the server closes the connections when it stops, and a restarted server makes its own.
SQLite has none and reads as before."""

from __future__ import annotations

import asyncio
import time

import httpx
import psycopg

from nukiweb.store.async_readers import DEFAULT_SIZE
from tests.devices import add_device, advance, simulate
from tests.support import AccountFixture, RunningServer, run_on_a_loop_of_its_own, running_server

CONCURRENT_REQUESTS = 8 * DEFAULT_SIZE
DOOR_OPENED, DOOR_CLOSED = 240, 241  # the actions of door-sensor entries


async def _all_at_once(base_url: str, token: str, paths: list[str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(paths))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
        return await asyncio.gather(*(client.get(path) for path in paths))


def test_many_concurrent_hot_reads_all_answer(
    server: RunningServer, account: AccountFixture
) -> None:
    readers = server.ctx.db.async_readers
    assert (readers is not None) == server.ctx.db.is_postgresql
    assert (server.ctx.db.async_log_readers is not None) == server.ctx.db.is_postgresql
    smartlock_id = add_device(account, 4)
    for door_open in (True, False):
        simulate(account.api, smartlock_id, "door", open=door_open)
        advance(account.api, 1)
    device_log = f"/smartlock/{smartlock_id}/log?limit=1"
    paths = [
        "/account",
        "/smartlock",
        f"/smartlock/{smartlock_id}",
        "/smartlock/log",
        device_log,
    ] * CONCURRENT_REQUESTS
    responses = run_on_a_loop_of_its_own(
        lambda: _all_at_once(server.base_url, account.token, paths)
    )
    assert [response.status_code for response in responses] == [200] * len(paths)
    for path, response in zip(paths, responses, strict=True):
        if path == "/account":
            assert response.json()["accountId"] == account.account_id
        elif path == "/smartlock":
            assert [shown["smartlockId"] for shown in response.json()] == [smartlock_id]
        elif path == "/smartlock/log":
            assert [entry["action"] for entry in response.json()] == [DOOR_CLOSED, DOOR_OPENED]
        elif path == device_log:
            assert [entry["action"] for entry in response.json()] == [DOOR_CLOSED]
        else:
            assert response.json()["smartlockId"] == smartlock_id
    assert account.api.get(f"/smartlock/{smartlock_id + 1000}").status_code == 404
    assert account.api.get(f"/smartlock/{smartlock_id + 1000}/log").status_code == 404


def _backends_alive(database_url: str, pids: list[int]) -> set[int]:
    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
        ).fetchall()
    return {row[0] for row in rows}


def test_a_stopped_server_closes_its_async_readers_and_a_restarted_one_reads(
    database_url: str, account: AccountFixture
) -> None:
    for _start in range(2):
        with running_server(database_url) as restarted:
            readers = restarted.ctx.db.async_readers
            log_readers = restarted.ctx.db.async_log_readers
            if readers is None or log_readers is None:  # SQLite
                assert not restarted.ctx.db.is_postgresql
                return
            connections = readers.connections + log_readers.connections
            assert len(connections) == readers.size + log_readers.size
            # Log pages are read in their index's order for the whole session (store/logs.py).
            for connection in log_readers.connections:
                assert "enable_sort=off" in connection.info.get_parameters()["options"]
            assert not any(connection.closed for connection in connections)
            pids = [connection.info.backend_pid for connection in connections]
            assert _backends_alive(database_url, pids) == set(pids)
            response = httpx.get(
                f"{restarted.base_url}/account",
                headers={"Authorization": f"Bearer {account.token}"},
            )
            assert response.status_code == 200, response.text
        assert restarted.ctx.db.async_readers is None
        assert restarted.ctx.db.async_log_readers is None
        assert all(connection.closed for connection in connections)
        # PostgreSQL ends a backend shortly after its client leaves: wait for it to go.
        deadline = time.monotonic() + 10
        while _backends_alive(database_url, pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _backends_alive(database_url, pids)
