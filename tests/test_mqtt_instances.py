"""Two ``nukiweb serve --mqtt-url`` instances on one store and one broker, with emulated locks in
a ``nukiweb device emulate`` process (real processes, on SQLite and on PostgreSQL): a client sends
actions to the instances in turn; one instance is killed mid-run; no accepted action is lost or
carried out twice, and the log has each exactly once, whichever instance heard the lock.

Deadlines below only bound how long a test waits; no assertion is about how long anything
took."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import paho.mqtt.client as paho
import pytest

from nukiweb.bridges.broker import BrokerSettings
from nukiweb.runtime import build_context
from nukiweb.secretbox import SecretBox
from nukiweb.services import accounts, mqtt_locks
from nukiweb.store.database import Database
from tests.databases import BACKENDS
from tests.mqtt import Broker
from tests.processes import (
    SETTLE_DEADLINE_S,
    Server,
    Store,
    bearer,
    made_store,
    serving,
    wait_until,
)

LOCKS = ("2BB28570", "2BB28571")
ACTIONS = 12  # per lock, alternately through the two instances
LOCK, UNLOCK = 2, 1
MQTT_TRIGGER, BUTTON_TRIGGER = 172, 2
MOTOR_TIME = "0.3"  # seconds: an action is still in flight for a while


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with made_store(request.param, tmp_path) as made:
        yield made


def claim_locks(store: Store) -> list[int]:
    """The emulated locks, claimed by the store's account before anything runs."""
    database = Database(store.url)
    ctx = build_context(database, secrets=SecretBox.for_data_dir(store.data_dir))
    try:
        account_id = accounts.find_account_by_email(ctx, "workers@example.com").account_id
        return [
            mqtt_locks.claim(ctx, account_id, 4, nuki_id, f"Door {nuki_id}").smartlock_id
            for nuki_id in LOCKS
        ]
    finally:
        database.dispose()


def emulating(url: str, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "nukiweb", "device", "emulate", "--mqtt-url", url,
        "--count", str(len(LOCKS)), "--nuki-id", LOCKS[0], "--motor-time", MOTOR_TIME,
    ]  # fmt: skip
    with log.open("wb") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def shown(server: Server, store: Store, smartlock_id: int) -> dict[str, object]:
    response = httpx.get(
        f"{server.base_url}/smartlock/{smartlock_id}", headers=bearer(store.token), timeout=30
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def settled(server: Server, store: Store, smartlock_id: int, action: int) -> bool:
    device = shown(server, store, smartlock_id)
    state = device["state"]
    assert isinstance(state, dict)
    return "operationId" not in state and state["state"] == (1 if action == LOCK else 3)


def log_of(server: Server, store: Store, smartlock_id: int) -> list[dict[str, object]]:
    response = httpx.get(
        f"{server.base_url}/smartlock/{smartlock_id}/log",
        params={"limit": 50},
        headers=bearer(store.token),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, object]] = response.json()
    return entries


def press_button(url: str, nuki_id: str) -> None:
    """What a person does at the door, through the emulator's control topic."""
    settings = BrokerSettings.from_url(url)
    prefix = settings.root.removesuffix("nuki")
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect(settings.host, settings.port)
    client.loop_start()
    client.publish(f"{prefix}nukiweb-emulator/{nuki_id}/button", "1", qos=1).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()


def test_two_instances_share_the_locks_and_one_dying_loses_nothing(
    store: Store, broker: Broker
) -> None:
    url = f"{broker.url}/i-{uuid.uuid4().hex[:8]}"
    lock_ids = claim_locks(store)
    emulator = emulating(url, store.data_dir / "emulate.log")
    accepted = dict.fromkeys(lock_ids, 0)
    try:
        with (
            serving(store, "--mqtt-url", url) as first,
            serving(store, "--mqtt-url", url) as second,
        ):
            for smartlock_id in lock_ids:
                wait_until(
                    lambda s=smartlock_id: shown(first, store, s)["serverState"] == 0,
                    SETTLE_DEADLINE_S,
                    first,
                )
            for nuki_id in LOCKS:  # heard by one instance, logged once
                press_button(url, nuki_id)
            for smartlock_id in lock_ids:  # lock 'n' go: unlocked, and locked again
                wait_until(
                    lambda s=smartlock_id: (
                        any(e["trigger"] == BUTTON_TRIGGER for e in log_of(first, store, s))
                        and settled(first, store, s, LOCK)
                    ),
                    SETTLE_DEADLINE_S,
                    first,
                )
            instances = [first, second]
            for step in range(ACTIONS):
                if step == ACTIONS // 2:
                    # Between two actions, the first instance dies; the client goes on with
                    # the one that is left.
                    first.process.send_signal(signal.SIGKILL)
                    first.process.wait()
                    instances = [second]
                action = UNLOCK if step % 2 == 0 else LOCK
                for index, smartlock_id in enumerate(lock_ids):
                    server = instances[(step + index) % len(instances)]
                    response = httpx.post(
                        f"{server.base_url}/smartlock/{smartlock_id}/action",
                        json={"action": action},
                        headers=bearer(store.token),
                        timeout=30,
                    )
                    assert response.status_code == 204, response.text
                    accepted[smartlock_id] += 1
                for smartlock_id in lock_ids:
                    wait_until(
                        lambda s=smartlock_id, a=action: settled(second, store, s, a),
                        SETTLE_DEADLINE_S,
                        second,
                    )
            for smartlock_id in lock_ids:
                entries = log_of(second, store, smartlock_id)
                commanded = [e for e in entries if e["trigger"] == MQTT_TRIGGER]
                assert len(commanded) == accepted[smartlock_id] == ACTIONS
                assert all(entry["state"] == 0 for entry in commanded), commanded
                pressed = [e for e in entries if e["trigger"] == BUTTON_TRIGGER]
                assert len(pressed) == 1, entries
    finally:
        emulator.send_signal(signal.SIGTERM)
        try:
            emulator.wait(30)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait()
