"""Webhooks survive a crash: a real ``nukiweb serve`` process is killed with SIGKILL while
events wait for a receiver that is down; restarted on the same database and data dir (whose
``nukiweb.key`` seals the webhook's secret), it delivers every one of them, signed."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import select

from nukiweb.domain.webhooks import Feature
from nukiweb.services import events
from nukiweb.services.context import ServiceContext
from nukiweb.store import outbox
from nukiweb.store.database import Database
from nukiweb.store.schema import webhook_events
from nukiweb.webhooks.delivery import RECORD_EVERY
from tests.support import AccountFixture, free_port
from tests.webhooks import Receiver, wait_until

TIMEOUT = 60
EMAIL = "durable@example.com"


def nukiweb(directory: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "nukiweb", *args, "--data-dir", str(directory)],
        cwd=directory, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class Server:
    """``nukiweb serve`` on a free port, in ``directory``, its output in a file there."""

    def __init__(self, directory: Path, name: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._output: IO[bytes] = (directory / f"{name}.log").open("wb")
        self.log_path = directory / f"{name}.log"
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "nukiweb", "serve", "--port", str(self.port),
                "--data-dir", str(directory), "--simulator", "--allow-local-webhooks",
                "--motor-time", "0", "--time-scale", "0",
            ],
            cwd=directory, stdout=self._output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.log()}")
            try:
                httpx.get(f"{self.base_url}/static/swagger/swagger.json", timeout=5)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError("the server did not start") from None
                time.sleep(0.1)
            else:
                return

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(TIMEOUT)
        self._output.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(TIMEOUT)
        self._output.close()


def database_rows(directory: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(directory / "nukiweb.db", timeout=10)) as conn:
        return list(conn.execute(query, params))


def act(client: httpx.Client, smartlock_id: int, action: int) -> None:
    """An action, and its end: the device is free again (motor time 0: at once)."""
    response = client.post(f"/smartlock/{smartlock_id}/action", json={"action": action})
    assert response.status_code == 204, response.text
    wait_until(
        lambda: "operationId" not in client.get(f"/smartlock/{smartlock_id}").json(),
        message="the device stays busy",
    )


def test_events_pending_at_a_crash_are_delivered_after_restart(tmp_path: Path) -> None:
    directory = tmp_path
    account_id = int(
        nukiweb(directory, "admin", "create-account", "--email", EMAIL, "--password", "secret12")
    )
    token = nukiweb(directory, "admin", "create-token", "--email", EMAIL)
    hook = Receiver()  # not listening yet: down
    server = Server(directory, "first")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client:
            features = ["DEVICE_STATUS", "DEVICE_LOGS", "DEVICE_MASTERDATA"]
            body = {"webhookUrl": hook.url, "webhookFeatures": features}
            created = client.put("/api/decentralWebhook", json=body)
            assert created.status_code == 200, created.text
            webhook = created.json()
            response = client.put("/smartlock", json={"type": 4, "name": "Front door"})
            assert response.status_code == 200, response.text
            smartlock_id = response.json()["smartlockId"]
            for action in (1, 2, 1, 2):
                act(client, smartlock_id, action)
            renamed = client.post(f"/smartlock/{smartlock_id}", json={"name": "Back door"})
            assert renamed.status_code == 204

        # Every event is in the outbox; the worker has tried and failed at least once.
        wait_until(
            lambda: (
                database_rows(
                    directory,
                    "SELECT failures FROM webhook_subscribers WHERE id = ?",
                    webhook["id"],
                )[0][0]
                >= 1
            ),
            message="no failed attempt",
        )
        server.kill()
    finally:
        server.stop()

    expected = [
        row[0]
        for row in database_rows(
            directory,
            "SELECT id FROM webhook_events WHERE account_id = ? ORDER BY seq",
            account_id,
        )
    ]
    # 4 actions: 2 state changes and a log entry each; a new device and a rename.
    assert len(expected) >= 14
    assert hook.received == []

    hook.start()
    restarted = Server(directory, "second")
    try:
        received = hook.wait_for(
            lambda got: set(expected) <= {r.event_id for r in got},
            timeout=45,  # a lease the killed process held runs out after 30 s
            message="after the restart",
        )
    finally:
        restarted.stop()
        hook.stop()
    assert all(r.signed_with(webhook["secret"]) for r in received)
    delivered = [r.event_id for r in received]
    # In order: the first delivery of each event comes in the order they happened.
    first_seen = list(dict.fromkeys(delivered))
    assert [e for e in first_seen if e in expected] == expected
    payloads = {r.event_id: r.json for r in received}
    states = [payloads[e]["state"]["state"] for e in expected if "state" in payloads[e]]
    assert states == [2, 3, 4, 1, 2, 3, 4, 1]
    assert payloads[expected[-1]]["name"] == "Back door"


def test_events_become_visible_in_the_order_of_their_seq(account: AccountFixture) -> None:
    """A cursor moves past every seq it has seen: an event whose transaction commits after a
    later seq was read would never be delivered. Appends are serialised until commit (on
    PostgreSQL by an advisory lock; SQLite has one writer), so no gap is ever visible."""
    db = account.api.server.ctx.db
    appended = threading.Event()

    def event() -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "account_id": account.account_id,
            "feature": "DEVICE_LOGS",
            "payload": {},
            "created": datetime.now(UTC),
        }

    def slow_transaction() -> None:
        with db.transaction() as conn:
            outbox.append(conn, event())
            appended.set()
            time.sleep(0.5)

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    try:
        assert appended.wait(10)
        with db.transaction() as conn:
            outbox.append(conn, event())
        query = select(webhook_events.c.seq).where(
            webhook_events.c.account_id == account.account_id
        )
        with db.read() as conn:
            visible = list(conn.scalars(query))
    finally:
        thread.join(10)
    assert len(visible) == 2, visible


def test_a_crash_within_a_batch_resends_it_and_loses_nothing(tmp_path: Path) -> None:
    """Outcomes are recorded a batch at a time: a server killed while it delivers a batch
    sends that batch's delivered events again after the restart (receivers drop them by their
    X-Nuki-Event-Id), at most ``RECORD_EVERY`` of them, and never skips one."""
    directory = tmp_path
    account_id = int(
        nukiweb(directory, "admin", "create-account", "--email", EMAIL, "--password", "secret12")
    )
    token = nukiweb(directory, "admin", "create-token", "--email", EMAIL)
    hook = Receiver()
    hook.delay = 0.02  # slow enough to be killed in the middle of a batch
    hook.start()
    server = Server(directory, "first")
    count = 2 * RECORD_EVERY + 10
    try:
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        ) as client:
            body = {"webhookUrl": hook.url, "webhookFeatures": ["DEVICE_LOGS"]}
            created = client.put("/api/decentralWebhook", json=body)
            assert created.status_code == 200, created.text
            webhook = created.json()
        expected = write_events(directory, account_id, count)
        # Killed once more than one batch went out, before the second one was recorded.
        hook.wait_for(lambda got: len(got) >= RECORD_EVERY + RECORD_EVERY // 2, timeout=30)
        server.kill()
    finally:
        server.stop()
    before = hook.received
    [(cursor,)] = database_rows(
        directory, "SELECT cursor FROM webhook_subscribers WHERE id = ?", webhook["id"]
    )
    seqs = dict(database_rows(directory, "SELECT id, seq FROM webhook_events"))
    # The cursor never passes an event that was not delivered.
    assert cursor <= max(seqs[r.event_id] for r in before)

    restarted = Server(directory, "second")
    try:
        received = hook.wait_for(
            lambda got: set(expected) <= {r.event_id for r in got},
            timeout=45,  # the killed process's lease runs out first
            message="after the restart",
        )
    finally:
        restarted.stop()
        hook.stop()
    delivered = [r.event_id for r in received]
    assert list(dict.fromkeys(delivered)) == expected
    assert len(delivered) - len(expected) <= RECORD_EVERY  # the batch under way, no more
    assert all(r.signed_with(webhook["secret"]) for r in received)


def write_events(directory: Path, account_id: int, count: int) -> list[str]:
    """``count`` DEVICE_LOGS events of the account, written by this process into the outbox
    of the server's database (the server finds them at its next poll); their ids, in order."""
    ctx = ServiceContext(db=Database(f"sqlite:///{directory / 'nukiweb.db'}"))
    try:
        with ctx.db.transaction() as conn:
            for index in range(count):
                entry = {"smartlockLog": {"id": f"{index:024x}"}}
                events.emit(ctx, conn, account_id, Feature.DEVICE_LOGS, entry)
    finally:
        ctx.db.dispose()
    rows = database_rows(
        directory, "SELECT id FROM webhook_events WHERE account_id = ? ORDER BY seq", account_id
    )
    return [row[0] for row in rows][-count:]
