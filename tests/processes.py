"""``nukiweb serve`` as real processes for the tests: a store made before the servers start,
servers on free ports that the tests kill or stop, and what the tests ask them.

Deadlines below only bound how long a test waits for a server to come up or a device to
settle; no assertion is about how long anything took."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select

from nukiweb.domain.devices import LogTrigger
from nukiweb.runtime import build_context
from nukiweb.secretbox import SecretBox
from nukiweb.services import accounts, api_keys, smartlocks
from nukiweb.store.database import Database
from nukiweb.store.schema import smartlock_logs
from tests.contract.validation import ContractValidator
from tests.databases import database_for
from tests.support import free_port

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


@contextmanager
def made_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store with an account, two tokens and four Smart Lock 4th gen devices, made
    in this process before the servers start (the key file in the servers' data dir)."""
    with database_for(backend, tmp_path) as url:
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
def serving(
    store: Store, *options: str, workers: int = 1, port: int | None = None
) -> Iterator[Server]:
    """``nukiweb serve --simulator`` on the store, with ``workers`` processes, ready; stopped
    with SIGTERM at the end if it still runs."""
    port = port or free_port()
    log = store.data_dir / f"serve-{port}-{uuid.uuid4().hex[:6]}.log"
    command = [
        sys.executable, "-m", "nukiweb", "serve", "--workers", str(workers),
        "--port", str(port), "--database-url", store.url, "--data-dir", str(store.data_dir),
        "--time-scale", "0", "--simulator", *options,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until(lambda: answers(server, store.token), START_DEADLINE_S, server)
        if workers > 1:
            wait_until(lambda: len(server.workers()) == workers, START_DEADLINE_S, server)
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


def answers(server: Server, token: str) -> bool:
    try:
        response = httpx.get(f"{server.base_url}/account", headers=bearer(token), timeout=5)
    except httpx.TransportError:
        return False
    return response.status_code == 200


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class CheckedClient:
    """One client's keep-alive connection; every response is checked against the vendor spec
    (the validator is not shared between threads unguarded)."""

    def __init__(self, server: Server, token: str, validator: ContractValidator) -> None:
        self._http = httpx.Client(base_url=server.base_url, headers=bearer(token), timeout=60)
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
        f"{server.base_url}/smartlock/{smartlock_id}", headers=bearer(store.token), timeout=10
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
