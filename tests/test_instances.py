"""Two ``nukiweb serve`` instances on one store, as behind a load balancer (real processes, on
SQLite and on PostgreSQL): an instance killed while it moves a device leaves it to the other,
which fails the operation as interrupted once the dead one's lease has run out, brings the
device to rest, logs the interrupted action, and takes commands for it again. An instance
started later does not touch what a live one holds.

Deadlines below only bound how long a test waits; no assertion is about how long anything
took."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nukiweb.services.abandoned_work import CARRIER_STOPPED
from nukiweb.store import smartlocks as device_store
from nukiweb.store.database import Database
from tests.databases import BACKENDS
from tests.processes import (
    LOCK,
    SETTLE_DEADLINE_S,
    UNLOCK,
    Server,
    Store,
    at_rest,
    bearer,
    made_store,
    serving,
    wait_until,
)

INCOMPLETE, WEB = 8, 4
SLOW_MOTOR = "60"  # seconds: the operation is still in flight when its instance dies


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with made_store(request.param, tmp_path) as made:
        yield made


def _act(server: Server, store: Store, smartlock_id: int, action: int) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/smartlock/{smartlock_id}/action",
        json={"action": action},
        headers=bearer(store.token),
        timeout=30,
    )


def _operation(server: Server, store: Store, smartlock_id: int) -> str | None:
    response = httpx.get(
        f"{server.base_url}/smartlock/{smartlock_id}", headers=bearer(store.token), timeout=30
    )
    assert response.status_code == 200, response.text
    operation: str | None = response.json()["state"].get("operationId")
    return operation


def _error(store: Store, smartlock_id: int) -> str | None:
    database = Database(store.url)
    try:
        with database.read() as conn:
            device = device_store.get_device_by_id(conn, smartlock_id)
    finally:
        database.dispose()
    assert device is not None
    return device.error


def test_what_a_killed_instance_held_is_finished_by_the_other(store: Store) -> None:
    moving, elsewhere = store.device_ids[:2]
    with (
        serving(store, "--motor-time", SLOW_MOTOR) as first,
        serving(store, "--motor-time", SLOW_MOTOR) as second,
    ):
        assert _act(first, store, moving, UNLOCK).status_code == 204
        assert _act(second, store, elsewhere, UNLOCK).status_code == 204
        assert _operation(second, store, moving) is not None
        assert _act(second, store, moving, LOCK).status_code == 423

        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        wait_until(lambda: _operation(second, store, moving) is None, SETTLE_DEADLINE_S, second)

        assert at_rest(second, store, moving)  # where its movement was heading: unlocked
        assert _error(store, moving) == CARRIER_STOPPED
        log = httpx.get(
            f"{second.base_url}/smartlock/{moving}/log", headers=bearer(store.token)
        ).json()
        assert [(e["action"], e["trigger"], e["state"]) for e in log] == [(UNLOCK, WEB, INCOMPLETE)]
        # The live instance's operation is untouched, and the device takes commands again.
        assert _operation(second, store, elsewhere) is not None
        assert _act(second, store, moving, LOCK).status_code == 204


def test_an_instance_that_starts_leaves_a_live_ones_operations_alone(store: Store) -> None:
    smartlock_id = store.device_ids[0]
    with serving(store, "--motor-time", SLOW_MOTOR) as first:
        assert _act(first, store, smartlock_id, UNLOCK).status_code == 204
        operation = _operation(first, store, smartlock_id)
        assert operation is not None
        with serving(store, "--motor-time", SLOW_MOTOR) as second:
            assert _operation(second, store, smartlock_id) == operation
        # The second one stopped gracefully: it finished only what it held itself.
        assert _operation(first, store, smartlock_id) == operation
