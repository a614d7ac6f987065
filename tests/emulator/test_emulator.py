"""Emulated locks on a real Mosquitto, watched by a client subscribed to everything under the
test's prefix: the retained state, commands and their answers, what people do at the door (in
process and over the control topics), the Last Will of a killed ``nukiweb device emulate``, and
the lock coming back after the broker restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from nukiweb.bridges.broker import BrokerSettings
from nukiweb.domain.devices import DeviceType, smartlock_id
from nukiweb.domain.lock_physics import Timings
from nukiweb.domain.mqtt_api import STATE_TOPICS, Topic, topic
from nukiweb.emulator import EmulatedLock, make_locks, run_locks, scaled_timings
from nukiweb.emulator.controls import control_topic
from tests.mqtt import Broker
from tests.support import run_on_a_loop_of_its_own

DEADLINE_S = 30.0  # bounds every wait; nothing asserts how long anything took
SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass(frozen=True)
class Seen:
    topic: str
    payload: str
    retained: bool


class Observer:
    """Everything published under the test's prefix, in the order it arrived."""

    def __init__(self, client: aiomqtt.Client, root: str) -> None:
        self.client = client
        self.root = root
        self.seen: list[Seen] = []

    async def collect(self) -> None:
        async for message in self.client.messages:
            payload = message.payload
            text = payload.decode() if isinstance(payload, bytes) else str(payload)
            self.seen.append(Seen(str(message.topic), text, message.retain))

    def of(self, nuki_id: int, name: str) -> list[str]:
        wanted = topic(self.root, nuki_id, name)
        return [s.payload for s in self.seen if s.topic == wanted]

    def count(self, name: str, payload: str) -> int:
        """How many locks last published ``payload`` on ``name``."""
        latest = {s.topic: s.payload for s in self.seen if s.topic.endswith("/" + name)}
        return sum(value == payload for value in latest.values())

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = asyncio.get_running_loop().time() + DEADLINE_S
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"not seen within {DEADLINE_S}s: {what}; seen: {self.seen[-30:]}")
            await asyncio.sleep(0.01)

    async def until_seen(self, nuki_id: int, name: str, payload: str) -> None:
        await self.until(lambda: payload in self.of(nuki_id, name), f"{name} = {payload}")

    async def send(self, nuki_id: int, name: str, payload: str) -> None:
        await self.client.publish(topic(self.root, nuki_id, name), payload, qos=2)

    async def control(self, nuki_id: int, name: str, payload: str) -> None:
        await self.client.publish(control_topic(self.root, nuki_id, name), payload, qos=1)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """On a loop of its own: the test's thread may have one running (Playwright's)."""
    run_on_a_loop_of_its_own(scenario)


@asynccontextmanager
async def observing(url: str) -> AsyncIterator[Observer]:
    settings = BrokerSettings.from_url(url)
    prefix = settings.root.rpartition("/")[0]
    async with settings.client(f"observer-{uuid.uuid4().hex[:8]}") as client:
        await client.subscribe(f"{prefix}/#", qos=2)
        observer = Observer(client, settings.root)
        task = asyncio.create_task(observer.collect())
        try:
            yield observer
        finally:
            task.cancel()


@asynccontextmanager
async def running(url: str, locks: list[EmulatedLock]) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_locks(BrokerSettings.from_url(url), locks, stop=stop))
    try:
        async with asyncio.timeout(DEADLINE_S):
            for lock in locks:
                await lock.connected.wait()
        yield
    finally:
        stop.set()
        await task


def one_lock(timings: Timings | None = None, **options: Any) -> EmulatedLock:
    return make_locks(1, timings=timings or Timings.instant(), **options)[0]


def test_every_state_topic_is_retained_on_connect(mqtt_url: str) -> None:
    lock = one_lock()

    async def scenario() -> None:
        async with observing(mqtt_url) as live, running(mqtt_url, [lock]):
            await live.until_seen(lock.nuki_id, Topic.CONNECTED, "true")  # the last
            async with observing(mqtt_url) as seen:  # subscribed after: sees what was retained
                await _every_state_topic_retained(seen, lock)

    run(scenario)


async def _every_state_topic_retained(seen: Observer, lock: EmulatedLock) -> None:
    wanted = {str(name) for name in STATE_TOPICS - {Topic.RINGACTION_TIMESTAMP}}
    names = lambda: {s.topic.rpartition("/")[2] for s in seen.seen if s.retained}  # noqa: E731
    await seen.until(lambda: names() == wanted, "every state topic")
    assert seen.of(lock.nuki_id, Topic.CONNECTED) == ["true"]
    assert seen.of(lock.nuki_id, Topic.DEVICE_TYPE) == ["4"]
    assert seen.of(lock.nuki_id, Topic.STATE) == ["1"]
    assert seen.of(lock.nuki_id, Topic.NAME) == ["Emulated lock"]
    assert seen.of(lock.nuki_id, Topic.FIRMWARE) == ["4.2.1"]
    assert seen.of(lock.nuki_id, Topic.DOORSENSOR_STATE) == ["2"]


@pytest.mark.parametrize(
    ("unlock", "lock_", "handle", "unlocked_event", "unlocked_states"),
    [
        ((Topic.LOCK_ACTION, "1"), (Topic.LOCK_ACTION, "2"), False, "1,172,0,0,0", ["2", "3"]),
        ((Topic.UNLOCK, "true"), (Topic.LOCK, "true"), True, "1,172,0,0,0", ["2", "3"]),
        ((Topic.UNLOCK, "true"), (Topic.LOCK, "true"), False, "3,172,0,0,0", ["7", "5", "3"]),
    ],
    ids=["lockAction", "lock-unlock-handle", "lock-unlock-knob"],
)
def test_unlock_and_lock_over_mqtt(
    mqtt_url: str,
    unlock: tuple[str, str],
    lock_: tuple[str, str],
    handle: bool,
    unlocked_event: str,
    unlocked_states: list[str],
) -> None:
    lock = one_lock(scaled_timings(0.1), has_handle=handle)
    nuki_id = lock.nuki_id

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [lock]):
            await seen.send(nuki_id, *unlock)
            await seen.until_seen(nuki_id, Topic.COMMAND_RESPONSE, "0")
            await seen.until(
                lambda: seen.of(nuki_id, Topic.STATE)[-len(unlocked_states) :] == unlocked_states,
                "unlocked",
            )
            assert seen.of(nuki_id, Topic.LOCK_ACTION_EVENT) == [unlocked_event]
            # Answered once the motor has arrived: after the state it arrived at (unlocked, or
            # unlatched for a knob). The event is published before the lock moves, but a QoS 2
            # message may reach a subscriber after QoS 0 ones that followed it: the hardware
            # tests check that order.
            answer = next(
                n for n, s in enumerate(seen.seen) if s.topic.endswith(Topic.COMMAND_RESPONSE)
            )
            before = [s.payload for s in seen.seen[:answer] if s.topic.endswith("/state")]
            assert before[-1] == unlocked_states[1]
            await seen.send(nuki_id, *lock_)
            await seen.until(
                lambda: seen.of(nuki_id, Topic.COMMAND_RESPONSE) == ["0", "0"], "locked"
            )
            assert seen.of(nuki_id, Topic.LOCK_ACTION_EVENT)[-1] == "2,172,0,0,0"
            assert seen.of(nuki_id, Topic.STATE)[-2:] == ["4", "1"]

    run(scenario)


def test_a_command_while_the_motor_runs_is_busy(mqtt_url: str) -> None:
    lock = one_lock(scaled_timings(1.0))
    nuki_id = lock.nuki_id

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [lock]):
            await seen.send(nuki_id, Topic.LOCK_ACTION, "1")
            await seen.until_seen(nuki_id, Topic.STATE, "2")  # unlocking
            await seen.send(nuki_id, Topic.LOCK_ACTION, "2")
            await seen.until(
                lambda: seen.of(nuki_id, Topic.COMMAND_RESPONSE) == ["69", "0"],
                "busy, then the first command's success",
            )
            assert seen.of(nuki_id, Topic.LOCK_ACTION_EVENT) == ["1,172,0,0,0"]
            assert seen.of(nuki_id, Topic.STATE)[-1] == "3"

    run(scenario)


@pytest.mark.parametrize("via", ["method", "control topic"])
def test_a_blocked_motor(mqtt_url: str, via: str) -> None:
    lock = one_lock(scaled_timings(0.1))
    nuki_id = lock.nuki_id

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [lock]):
            if via == "method":
                lock.provoke_fault()
            else:
                await seen.control(nuki_id, "fault", "motor_blocked")
                await seen.until(lambda: lock.hardware.next_fault is not None, "the fault")
            await seen.send(nuki_id, Topic.LOCK_ACTION, "1")
            await seen.until_seen(nuki_id, Topic.COMMAND_RESPONSE, "66")
            assert seen.of(nuki_id, Topic.STATE)[-1] == "254"
            assert seen.of(nuki_id, Topic.LOCK_ACTION_EVENT) == ["1,172,0,0,0"]

    run(scenario)


def test_payloads_the_lock_does_not_read_are_bad_parameters(mqtt_url: str) -> None:
    lock = one_lock()
    nuki_id = lock.nuki_id
    bad = [(Topic.LOCK_ACTION, "7"), (Topic.LOCK_ACTION, "open"), (Topic.LOCK, "false")]

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [lock]):
            for name, payload in bad:
                await seen.send(nuki_id, name, payload)
            await seen.until(
                lambda: seen.of(nuki_id, Topic.COMMAND_RESPONSE) == ["35"] * len(bad),
                "three bad parameters",
            )
            assert seen.of(nuki_id, Topic.LOCK_ACTION_EVENT) == []
            assert seen.of(nuki_id, Topic.STATE) == ["1"]

    run(scenario)


def test_without_allow_locking_the_lock_takes_no_commands(mqtt_url: str) -> None:
    lock = one_lock()
    lock.hardware.profile = replace(lock.hardware.profile, allow_locking=False)
    nuki_id = lock.nuki_id

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [lock]):
            await seen.send(nuki_id, Topic.LOCK_ACTION, "1")
            await seen.control(nuki_id, "button", "2")  # a marker, sent after the command
            await seen.until_seen(nuki_id, Topic.LOCK_ACTION_EVENT, "90,2,0,0,2")
            assert seen.of(nuki_id, Topic.COMMAND_RESPONSE) == []
            assert seen.of(nuki_id, Topic.STATE) == ["1"]

    run(scenario)


@dataclass(frozen=True)
class DoorAction:
    """Something people do at the door: through the lock's method, or its control topic and
    payload; and one publication it makes."""

    provoke: Callable[[EmulatedLock], None]
    control: str
    payload: str
    name: str
    published: str


EVENT = Topic.LOCK_ACTION_EVENT
DOOR_ACTIONS = {
    "button": DoorAction(lambda lock: lock.press_button(), "button", "1", EVENT, "4,2,0,0,0"),
    "double press": DoorAction(
        lambda lock: lock.press_button(2), "button", "2", EVENT, "90,2,0,0,2"
    ),
    "keypad": DoorAction(
        lambda lock: lock.enter_code(54321, 12345),
        "keypad",
        "54321,12345",
        EVENT,
        "3,0,54321,12345,1",
    ),
    "fob": DoorAction(
        lambda lock: lock.use_fob(54322, 3), "fob", "54322,3", EVENT, "3,3,54322,0,3"
    ),
    "auto-unlock": DoorAction(
        lambda lock: lock.auto_unlock(54322), "auto-unlock", "54322", EVENT, "1,0,54322,0,1"
    ),
    "door": DoorAction(
        lambda lock: lock.set_door(is_open=True), "door", "open", Topic.DOORSENSOR_STATE, "3"
    ),
    "battery": DoorAction(
        lambda lock: lock.set_battery(15), "battery", "15", Topic.BATTERY_CRITICAL, "true"
    ),
    "turn": DoorAction(
        lambda lock: lock.turn_by_hand(locked=False), "turn", "unlock", Topic.STATE, "3"
    ),
}


@pytest.mark.parametrize("via", ["method", "control topic"])
@pytest.mark.parametrize("action", DOOR_ACTIONS.values(), ids=DOOR_ACTIONS.keys())
def test_what_people_do_at_the_door(mqtt_url: str, via: str, action: DoorAction) -> None:
    lock = one_lock()
    nuki_id = lock.nuki_id

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [lock]):
            if via == "method":
                action.provoke(lock)
            else:
                await seen.control(nuki_id, action.control, action.payload)
            await seen.until_seen(nuki_id, action.name, action.published)
            assert seen.of(nuki_id, Topic.COMMAND_RESPONSE) == []  # nobody asked over MQTT
            if action.name == EVENT and not action.published.startswith("90,"):
                await seen.until(lambda: len(seen.of(nuki_id, Topic.STATE)) > 1, "a move")

    run(scenario)


def test_an_opener_opens_and_rings(mqtt_url: str) -> None:
    opener = one_lock(device_type=DeviceType.OPENER)
    nuki_id = opener.nuki_id

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [opener]):
            await seen.send(nuki_id, Topic.UNLOCK, "true")
            await seen.until_seen(nuki_id, Topic.COMMAND_RESPONSE, "0")
            assert seen.of(nuki_id, Topic.LOCK_ACTION_EVENT) == ["3,172,0,0,0"]
            assert "7" in seen.of(nuki_id, Topic.STATE)  # opening
            await seen.control(nuki_id, "ring", "")
            await seen.until(lambda: bool(seen.of(nuki_id, Topic.RINGACTION_TIMESTAMP)), "ring")

    run(scenario)


def test_a_bad_control_is_ignored(mqtt_url: str) -> None:
    lock = one_lock()
    nuki_id = lock.nuki_id

    async def scenario() -> None:
        async with observing(mqtt_url) as seen, running(mqtt_url, [lock]):
            await seen.control(nuki_id, "door", "ajar")
            await seen.control(nuki_id, "explode", "now")
            await seen.control(nuki_id, "door", "open")
            await seen.until_seen(nuki_id, Topic.DOORSENSOR_STATE, "3")
            assert lock.connected.is_set()

    run(scenario)


def test_the_lock_comes_back_after_the_broker_restarts(mqtt_url: str, broker: Broker) -> None:
    lock = one_lock()
    nuki_id = lock.nuki_id

    async def scenario() -> None:
        async with running(mqtt_url, [lock]):
            lock.set_door(is_open=True)
            broker.stop()
            await asyncio.wait_for(_cleared(lock), DEADLINE_S)
            broker.start()
            async with asyncio.timeout(DEADLINE_S):
                await lock.connected.wait()
            # The broker kept nothing (no persistence): what is there was published again.
            async with observing(mqtt_url) as seen:
                await seen.until_seen(nuki_id, Topic.CONNECTED, "true")
                await seen.until_seen(nuki_id, Topic.DOORSENSOR_STATE, "3")
                await seen.until_seen(nuki_id, Topic.STATE, "1")
                await seen.send(nuki_id, Topic.LOCK_ACTION, "1")
                await seen.until_seen(nuki_id, Topic.COMMAND_RESPONSE, "0")
            assert lock.connections == 2

    run(scenario)


async def _cleared(lock: EmulatedLock) -> None:
    while lock.connected.is_set():  # noqa: ASYNC110 - the lock has no event for being off
        await asyncio.sleep(0.01)


def test_a_thousand_locks_in_one_process(mqtt_url: str) -> None:
    locks = make_locks(1000, first_nuki_id=0x10000000, timings=Timings.instant())
    assert [lock.hardware.profile.name for lock in locks[:2]] == [
        "Emulated lock 1",
        "Emulated lock 2",
    ]

    async def scenario() -> None:
        async with observing(mqtt_url) as seen:
            async with running(mqtt_url, locks):
                await seen.until(lambda: seen.count(Topic.CONNECTED, "true") == 1000, "all on")
                await seen.send(locks[-1].nuki_id, Topic.LOCK_ACTION, "1")
                await seen.until_seen(locks[-1].nuki_id, Topic.COMMAND_RESPONSE, "0")
            # Stopped cleanly: each said it is gone before it disconnected.
            await seen.until(lambda: seen.count(Topic.CONNECTED, "false") == 1000, "all off")

    run(scenario)


# --- the command ---------------------------------------------------------------------------


@contextmanager
def emulate(url: str, *options: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``nukiweb device emulate`` running, and the lines it printed for its locks."""
    environment = {**os.environ, "PYTHONPATH": str(SRC), "NUKIWEB_MQTT_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "nukiweb", "device", "emulate", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        count = int(options[options.index("--count") + 1]) if "--count" in options else 1
        lines = [process.stdout.readline().strip() for _ in range(count)]
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=DEADLINE_S)


def test_a_killed_emulator_is_disconnected_by_its_last_will(mqtt_url: str) -> None:
    with emulate(mqtt_url, "--nuki-id", "2bb28570", "--count", "2", "--motor-time", "0") as (
        process,
        lines,
    ):
        assert lines == [
            f"2BB28570 {smartlock_id(DeviceType.SMARTLOCK3, 0x2BB28570)}",
            f"2BB28571 {smartlock_id(DeviceType.SMARTLOCK3, 0x2BB28571)}",
        ]

        async def scenario() -> None:
            async with observing(mqtt_url) as seen:
                await seen.until_seen(0x2BB28571, Topic.CONNECTED, "true")
                await seen.send(0x2BB28570, Topic.LOCK_ACTION, "1")
                await seen.until_seen(0x2BB28570, Topic.COMMAND_RESPONSE, "0")
                process.send_signal(signal.SIGKILL)
                await seen.until_seen(0x2BB28570, Topic.CONNECTED, "false")
                await seen.until_seen(0x2BB28571, Topic.CONNECTED, "false")
            async with observing(mqtt_url) as later:  # and it stays so: retained
                await later.until_seen(0x2BB28570, Topic.CONNECTED, "false")

        run(scenario)


def test_a_stopped_emulator_says_it_is_gone(mqtt_url: str) -> None:
    with emulate(mqtt_url, "--type", "3", "--name", "Front door") as (process, lines):
        nuki_id = int(lines[0].split()[0], 16)
        assert int(lines[0].split()[1]) == smartlock_id(DeviceType.SMARTDOOR, nuki_id)

        async def scenario() -> None:
            async with observing(mqtt_url) as seen:
                await seen.until_seen(nuki_id, Topic.CONNECTED, "true")
                assert seen.of(nuki_id, Topic.NAME) == ["Front door"]
                process.send_signal(signal.SIGTERM)
                await seen.until_seen(nuki_id, Topic.CONNECTED, "false")

        run(scenario)
        assert process.wait(timeout=DEADLINE_S) == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--type", "1"], "--type"),
        (["--nuki-id", "xyz"], "nukiId"),
        (["--nuki-id", "FFFFFFFF", "--count", "2"], "--count"),
    ],
)
def test_the_command_refuses_what_it_cannot_emulate(
    mqtt_url: str, options: list[str], message: str
) -> None:
    environment = {**os.environ, "PYTHONPATH": str(SRC), "NUKIWEB_MQTT_URL": mqtt_url}
    done = subprocess.run(
        [sys.executable, "-m", "nukiweb", "device", "emulate", *options],
        capture_output=True,
        text=True,
        env=environment,
        timeout=DEADLINE_S,
        check=False,
    )
    assert done.returncode != 0
    assert message in done.stderr


def test_the_command_explains_itself() -> None:
    environment = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "nukiweb", "device", "emulate", "--help"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=DEADLINE_S,
        check=True,
    )
    assert "mqtt://[USER:PASSWORD@]HOST[:PORT][/PREFIX]" in done.stdout
    assert "--motor-time" in done.stdout
