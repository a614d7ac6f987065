"""``nukiweb serve --workers 2`` as real processes over HTTP, on SQLite and on PostgreSQL: 64
concurrent clients lose and duplicate no write, a revoked token stops working on every worker,
an operation whose worker dies does not stay pending, and SIGTERM stops every process.

Deadlines below only bound how long a test waits for a server to come up or a device to
settle; no assertion is about how long anything took."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from tests.contract.validation import ContractValidator
from tests.databases import BACKENDS
from tests.processes import (
    DEVICES,
    LOCK,
    SETTLE_DEADLINE_S,
    START_DEADLINE_S,
    STOP_DEADLINE_S,
    UNLOCK,
    CheckedClient,
    Server,
    Store,
    answers,
    at_rest,
    bearer,
    device_of,
    made_store,
    wait_until,
    web_log_entries,
)
from tests.processes import serving as serving_processes

WORKERS = 2
CLIENTS = 64
USERS_PER_CLIENT = 3
ACTIONS_PER_CLIENT = 4


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with made_store(request.param, tmp_path) as made:
        yield made


def serving(store: Store, *options: str) -> AbstractContextManager[Server]:
    return serving_processes(store, *options, workers=WORKERS)


def test_64_concurrent_clients_on_2_workers_lose_and_duplicate_nothing(
    store: Store, contract: ContractValidator
) -> None:
    """Each client creates its own account users and acts on the shared devices: every user is
    there once, every accepted action is logged once, a busy device answers 423, nothing 5xx."""
    with serving(store, "--motor-time", "0") as server:
        start = threading.Barrier(CLIENTS)

        def client(number: int) -> tuple[list[str], Counter[int], Counter[int]]:
            api = CheckedClient(server, store.token, contract)
            made: list[str] = []
            accepted: Counter[int] = Counter()
            statuses: Counter[int] = Counter()
            try:
                start.wait()
                for n in range(ACTIONS_PER_CLIENT):
                    if n < USERS_PER_CLIENT:
                        name = f"User {number}-{n}"
                        response = api.request(
                            "PUT",
                            "/account/user",
                            json={"email": f"u{number}-{n}-{uuid.uuid4().hex[:6]}@example.com",
                                  "name": name},
                        )  # fmt: skip
                        statuses[response.status_code] += 1
                        if response.status_code == 200:
                            made.append(response.json()["name"])
                    smartlock_id = store.device_ids[(number + n) % DEVICES]
                    action = UNLOCK if (number + n) % 2 else LOCK
                    response = api.request(
                        "POST", f"/smartlock/{smartlock_id}/action", json={"action": action}
                    )
                    statuses[response.status_code] += 1
                    if response.status_code == 204:
                        accepted[smartlock_id] += 1
            finally:
                api.close()
            return made, accepted, statuses

        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(client, range(CLIENTS)))

        statuses = sum((result[2] for result in results), Counter[int]())
        assert set(statuses) <= {200, 204, 423}, statuses
        made = [name for result in results for name in result[0]]
        assert statuses[200] == len(made) == CLIENTS * USERS_PER_CLIENT
        accepted = sum((result[1] for result in results), Counter[int]())
        assert sum(accepted.values()) + statuses[423] == CLIENTS * ACTIONS_PER_CLIENT

        listed: list[str] = []
        for offset in range(0, len(made) + 100, 100):
            response = httpx.get(
                f"{server.base_url}/account/user",
                params={"offset": offset, "limit": 100},
                headers=bearer(store.token),
            )
            assert response.status_code == 200, response.text
            listed += [user["name"] for user in response.json()]
        assert sorted(listed) == sorted(made)

        for smartlock_id in store.device_ids:
            wait_until(lambda s=smartlock_id: at_rest(server, store, s), SETTLE_DEADLINE_S, server)
            assert web_log_entries(store, smartlock_id) == accepted[smartlock_id]

        workers = server.workers()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(STOP_DEADLINE_S) == 0
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_token_revoked_on_one_worker_is_refused_by_every_worker(store: Store) -> None:
    with serving(store, "--motor-time", "0") as server:

        def answers_on_new_connections(token: str) -> set[int]:
            # A new connection each time: the kernel hands them to either worker.
            return {
                httpx.get(f"{server.base_url}/account", headers=bearer(token)).status_code
                for _ in range(24)
            }

        assert answers_on_new_connections(store.spare_token) == {200}
        revoked = httpx.delete(
            f"{server.base_url}/api/key/{store.spare_api_key_id}/token/{store.spare_token_id}",
            headers=bearer(store.token),
        )
        assert revoked.status_code == 204, revoked.text
        assert answers_on_new_connections(store.spare_token) == {401}
        assert answers_on_new_connections(store.token) == {200}


def test_the_operation_of_a_worker_that_dies_is_failed_and_the_device_comes_to_rest(
    store: Store,
) -> None:
    """A motor that takes a minute keeps the operation in flight; both workers are killed (so
    that the one carrying it is); their replacements serve, and the device is free again."""
    smartlock_id = store.device_ids[0]
    with serving(store, "--motor-time", "60") as server:
        response = httpx.post(
            f"{server.base_url}/smartlock/{smartlock_id}/action",
            json={"action": UNLOCK},
            headers=bearer(store.token),
        )
        assert response.status_code == 204, response.text
        state = device_of(server, store, smartlock_id)["state"]
        assert isinstance(state, dict)
        assert "operationId" in state

        dead = server.workers()
        for pid in dead:
            os.kill(pid, signal.SIGKILL)
        wait_until(
            lambda: len(set(server.workers()) - set(dead)) == WORKERS, START_DEADLINE_S, server
        )
        wait_until(lambda: answers(server, store.token), START_DEADLINE_S, server)
        assert at_rest(server, store, smartlock_id)
        again = httpx.post(
            f"{server.base_url}/smartlock/{smartlock_id}/action",
            json={"action": LOCK},
            headers=bearer(store.token),
        )
        assert again.status_code == 204, again.text


def test_a_manual_clock_is_refused_with_several_workers(tmp_path: Path) -> None:
    """Each worker would keep a clock of its own."""
    refused = subprocess.run(
        [sys.executable, "-m", "nukiweb", "serve", "--workers", "2", "--manual-clock"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2, refused.stderr
    assert "--manual-clock" in refused.stderr
    assert not (tmp_path / "nukiweb.db").exists()
