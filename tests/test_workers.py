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
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from nukiweb.domain.devices import LogTrigger
from nukiweb.runtime import build_context
from nukiweb.secretbox import SecretBox
from nukiweb.services import accounts, api_keys, smartlocks
from nukiweb.store.database import Database
from nukiweb.store.schema import smartlock_logs
from tests.contract.validation import ContractValidator
from tests.databases import BACKENDS, database_for
from tests.support import free_port

WORKERS = 2
CLIENTS = 64
USERS_PER_CLIENT = 3
ACTIONS_PER_CLIENT = 4
DEVICES = 4
START_DEADLINE_S = 180.0  # a cold start of three interpreters on a loaded machine
SETTLE_DEADLINE_S = 60.0
STOP_DEADLINE_S = 60.0
UNLOCK, LOCK = 1, 2


@dataclass
class Store:
    url: str
    data_dir: Path
    token: str
    spare_token_id: str
    spare_api_key_id: int
    spare_token: str
    device_ids: list[int]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store with an account, two tokens and four Smart Lock 4th gen devices, made
    in this process before the server starts (the key file in the server's data dir)."""
    with database_for(request.param, tmp_path) as url:
        database = Database(url)
        secrets = SecretBox.for_data_dir(tmp_path)
        database.upgrade(secrets)
        ctx = build_context(database, secrets=secrets)
        account = accounts.create_account(ctx, "workers@example.com", "correct horse", "Workers")
        _token, value = api_keys.issue_token_for_account(ctx, account.account_id, "main")
        spare, spare_value = api_keys.issue_token_for_account(ctx, account.account_id, "spare")
        device_ids = [
            smartlocks.add_device(ctx, account.account_id, 4, f"Door {n}").smartlock_id
            for n in range(DEVICES)
        ]
        database.dispose()
        yield Store(url, tmp_path, value, spare.id, spare.api_key_id, spare_value, device_ids)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def workers(self) -> list[int]:
        """The pids of the worker processes the supervisor runs now."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [
            int(child)
            for child in children
            if b"spawn_main" in _read_or_empty(Path(f"/proc/{child}/cmdline"))
        ]


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:  # it has just exited
        return b""


@contextmanager
def serving(store: Store, *options: str) -> Iterator[Server]:
    port = free_port()
    log = store.data_dir / f"serve-{port}.log"
    command = [
        sys.executable, "-m", "nukiweb", "serve", "--workers", str(WORKERS),
        "--port", str(port), "--database-url", store.url, "--data-dir", str(store.data_dir),
        "--time-scale", "0", "--simulator", *options,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until(lambda: _answers(server, store.token), START_DEADLINE_S, server)
        wait_until(lambda: len(server.workers()) == WORKERS, START_DEADLINE_S, server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(condition: Callable[[], bool], deadline_s: float, server: Server) -> None:
    deadline = time.monotonic() + deadline_s
    while not condition():
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited:\n{server.log.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting:\n{server.log.read_text()}")
        time.sleep(0.2)


def _answers(server: Server, token: str) -> bool:
    try:
        response = httpx.get(f"{server.base_url}/account", headers=_bearer(token), timeout=5)
    except httpx.TransportError:
        return False
    return response.status_code == 200


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class CheckedClient:
    """One client's keep-alive connection; every response is checked against the vendor spec
    (the validator is not shared between threads unguarded)."""

    def __init__(self, server: Server, token: str, validator: ContractValidator) -> None:
        self._http = httpx.Client(base_url=server.base_url, headers=_bearer(token), timeout=60)
        self._validator = validator

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
        with _VALIDATION:
            self._validator.validate(response)
        return response

    def close(self) -> None:
        self._http.close()


_VALIDATION = threading.Lock()


def device_of(server: Server, store: Store, smartlock_id: int) -> dict[str, object]:
    response = httpx.get(
        f"{server.base_url}/smartlock/{smartlock_id}", headers=_bearer(store.token), timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def at_rest(server: Server, store: Store, smartlock_id: int) -> bool:
    state = device_of(server, store, smartlock_id)["state"]
    assert isinstance(state, dict)
    return "operationId" not in state and state["state"] in (1, 3)


def web_log_entries(store: Store, smartlock_id: int) -> int:
    database = Database(store.url)
    try:
        with database.read() as conn:
            count: int = conn.execute(
                select(func.count())
                .select_from(smartlock_logs)
                .where(
                    smartlock_logs.c.smartlock_id == smartlock_id,
                    smartlock_logs.c.trigger == int(LogTrigger.WEB),
                )
            ).scalar_one()
    finally:
        database.dispose()
    return count


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
                headers=_bearer(store.token),
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
                httpx.get(f"{server.base_url}/account", headers=_bearer(token)).status_code
                for _ in range(24)
            }

        assert answers_on_new_connections(store.spare_token) == {200}
        revoked = httpx.delete(
            f"{server.base_url}/api/key/{store.spare_api_key_id}/token/{store.spare_token_id}",
            headers=_bearer(store.token),
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
            headers=_bearer(store.token),
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
        wait_until(lambda: _answers(server, store.token), START_DEADLINE_S, server)
        assert at_rest(server, store, smartlock_id)
        again = httpx.post(
            f"{server.base_url}/smartlock/{smartlock_id}/action",
            json={"action": LOCK},
            headers=_bearer(store.token),
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
