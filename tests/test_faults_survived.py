"""Faults survived (real processes, PostgreSQL): two ``nukiweb serve`` instances on one store
and a client loop of actions, keypad-code changes and a webhook subscription with a local
receiver. Meanwhile one instance is killed (``kill -9``) at a random point, the database
terminates every connection to the store, and the instance is started again. At the end every
accepted operation has an outcome (no device or authorization is left busy), every event of
the account reached the receiver, and no response was a 500.

Deadlines below only bound how long the test waits; no assertion is about how long anything
took."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from nukiweb.domain.devices import LogTrigger
from nukiweb.store.database import Database
from nukiweb.store.schema import smartlock_auths, smartlock_logs, smartlocks, webhook_events
from tests.processes import (
    SETTLE_DEADLINE_S,
    Server,
    Store,
    bearer,
    made_store,
    serving,
    wait_until,
)
from tests.webhooks import Receiver

LOOP_S = 12.0  # how long the clients loop
CLIENTS = 4
MOTOR_TIME = "0.3"  # seconds: actions are in flight when the faults strike
FEATURES = ["DEVICE_STATUS", "DEVICE_LOGS", "DEVICE_AUTHS"]
UNLOCK, LOCK = 1, 2


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with made_store("postgresql", tmp_path) as made:  # skipped without PostgreSQL
        yield made


class Clients:
    """Clients looping requests over whichever instances are up; a connection refused by a
    killed instance is tried on the other. Every status is counted; accepted actions too."""

    def __init__(self, store: Store, servers: list[Server]) -> None:
        self.store = store
        self.servers = servers
        self.statuses: Counter[int] = Counter()
        self.accepted = 0  # actions
        self.unanswered = 0  # actions whose instance died before it answered
        self.changes = 0  # keypad codes made
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def run(self, number: int) -> None:
        rng = random.Random(number)  # noqa: S311 - a test's choices, not a secret
        with httpx.Client(headers=bearer(self.store.token), timeout=30) as http:
            while not self._stop.is_set():
                smartlock_id = rng.choice(self.store.device_ids)
                if rng.random() < 0.7:
                    action = rng.choice((UNLOCK, LOCK))
                    request = ("POST", f"/smartlock/{smartlock_id}/action", {"action": action})
                else:
                    code = int("9" + "".join(rng.choices("123456789", k=5)))  # a valid code
                    body = {
                        "name": f"Code {number}",
                        "type": 13,
                        "code": code,
                        "remoteAllowed": False,
                    }
                    request = ("PUT", f"/smartlock/{smartlock_id}/auth", body)
                self._send(http, rng, request)
                time.sleep(0.05)

    def _send(
        self, http: httpx.Client, rng: random.Random, request: tuple[str, str, object]
    ) -> None:
        method, path, body = request
        for server in rng.sample(self.servers, len(self.servers)):
            try:
                response = http.request(method, server.base_url + path, json=body)
            except httpx.TransportError:
                if method == "POST":
                    with self._lock:  # the killed instance may have taken it before dying
                        self.unanswered += 1
                continue  # that instance is down: the other one
            with self._lock:
                self.statuses[response.status_code] += 1
                if response.status_code >= 500 and response.status_code != 503:
                    self.failures.append(f"{method} {path}: {response.status_code} {response.text}")
                if method == "POST" and response.status_code == 204:
                    self.accepted += 1
                elif method == "PUT" and response.status_code == 204:
                    self.changes += 1
            return

    def stop(self) -> None:
        self._stop.set()


def _terminate_connections(store: Store) -> int:
    url = store.url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def _busy(store: Store) -> tuple[int, int]:
    """Devices holding an operation, authorizations with a change not yet confirmed."""
    database = Database(store.url)
    try:
        with database.read() as conn:
            devices = conn.scalar(
                select(func.count()).where(smartlocks.c.operation_id.is_not(None))
            )
            auths = conn.scalar(
                select(func.count()).where(smartlock_auths.c.operation_id.is_not(None))
            )
    finally:
        database.dispose()
    return int(devices or 0), int(auths or 0)


def _store_facts(store: Store) -> tuple[int, set[str]]:
    """Log entries the Web API's actions made; ids of the events of the features heard."""
    database = Database(store.url)
    try:
        with database.read() as conn:
            web_entries = conn.scalar(
                select(func.count()).where(smartlock_logs.c.trigger == int(LogTrigger.WEB))
            )
            events = set(
                conn.scalars(
                    select(webhook_events.c.id).where(webhook_events.c.feature.in_(FEATURES))
                )
            )
    finally:
        database.dispose()
    return int(web_entries or 0), events


def test_an_instance_killed_and_connections_cut_lose_nothing(store: Store) -> None:
    receiver = Receiver()
    receiver.start()
    options = ("--motor-time", MOTOR_TIME, "--allow-local-webhooks")
    with serving(store, *options) as first, serving(store, *options) as second:
        for smartlock_id in store.device_ids:
            paired = httpx.post(
                f"{first.base_url}/simulator/smartlocks/{smartlock_id}/keypad",
                json={"paired": True},
                headers=bearer(store.token),
            )
            assert paired.status_code == 204, paired.text
        hook = httpx.put(
            f"{first.base_url}/api/decentralWebhook",
            json={"webhookUrl": receiver.url, "webhookFeatures": FEATURES},
            headers=bearer(store.token),
        )
        assert hook.status_code == 200, hook.text

        servers = [first, second]
        clients = Clients(store, servers)
        threads = [threading.Thread(target=clients.run, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(random.uniform(1.0, 4.0))  # noqa: S311
            first.process.send_signal(signal.SIGKILL)  # mid-action, at a random point
            first.process.wait()
            time.sleep(1.0)
            assert _terminate_connections(store) > 0
            time.sleep(1.0)
            with serving(store, *options) as again:
                servers[0] = again
                time.sleep(LOOP_S / 2)
                clients.stop()
                for thread in threads:
                    thread.join(60)

                # Every accepted operation has an outcome: nothing stays busy.
                wait_until(lambda: _busy(store) == (0, 0), SETTLE_DEADLINE_S, again)
                web_entries, events = _store_facts(store)
                # Each accepted action is logged once; one the dead instance took and never
                # passed on to its device fails without an entry (one per device at most).
                assert clients.accepted - len(store.device_ids) <= web_entries
                assert web_entries <= clients.accepted + clients.unanswered
                # Every event reached the receiver (at least once): no gap.
                wait_until(
                    lambda: events <= {r.event_id for r in receiver.received},
                    SETTLE_DEADLINE_S,
                    again,
                )
        finally:
            clients.stop()
            for thread in threads:
                thread.join(60)
            receiver.stop()
    assert clients.failures == []
    assert clients.accepted > 0
    assert clients.changes > 0
    assert set(clients.statuses) <= {204, 409, 423, 503}, clients.statuses  # 409: a code taken
