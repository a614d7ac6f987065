"""One emulated lock on an MQTT broker: its own client and Last Will, its state published
retained, its commands and control topics read, its timers run on the event loop, and its
connection kept up through broker restarts.

On every (re)connection the lock subscribes first (commands while "allow locking" is on, and
its control topics), then publishes every state topic, ``connected`` = ``true`` last: whoever
acts on ``connected`` can send a command at once and it will not be missed. While the broker
is away the lock goes on moving; what it would have published is dropped, and the state is
published whole again once it is back (events and answers of that time are lost, as with a
real lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Final

import aiomqtt

from nukiweb.bridges.broker import BrokerSettings, reconnect_backoff
from nukiweb.domain.lock_physics import Fault
from nukiweb.domain.mqtt_api import COMMAND_TOPICS, Topic, parse_topic, topic
from nukiweb.emulator.controls import apply_control, control_root
from nukiweb.emulator.hardware import ControlError, LockHardware, Publication
from nukiweb.store.faults import Backoff

log = logging.getLogger(__name__)

ONLINE: Final = "true"
OFFLINE: Final = "false"  # also the Last Will
COMMAND_QOS: Final = 2
CONTROL_QOS: Final = 1
WILL_QOS: Final = 1
# Client ids are unique on a broker, and a second client with a lock's id throws the first off;
# a suffix per process keeps two emulators playing one id from throwing each other off for ever.
_PROCESS_SUFFIX: Final = secrets.token_hex(3)
_BROKEN = (aiomqtt.MqttError, OSError)


class EmulatedLock:
    """A lock on the broker. Its methods provoke what people do at the door (call them on the
    event loop the lock runs on); ``connected`` is set while it is on the broker."""

    def __init__(self, hardware: LockHardware, *, client_suffix: str = _PROCESS_SUFFIX) -> None:
        self.hardware = hardware
        profile = hardware.profile
        self.identifier = f"SL{int(profile.device_type)}_{profile.nuki_id:08X}_{client_suffix}"
        self.connected = asyncio.Event()
        self.attempted = asyncio.Event()  # the first connection attempt is over, either way
        self.connections = 0
        self._client: aiomqtt.Client | None = None
        self._root = ""
        self._outbox: asyncio.Queue[Publication] = asyncio.Queue()
        self._timer: asyncio.TimerHandle | None = None
        self._stopping = asyncio.Event()

    @property
    def nuki_id(self) -> int:
        return self.hardware.profile.nuki_id

    @property
    def smartlock_id(self) -> int:
        return self.hardware.profile.smartlock_id

    # --- what people do at the door ------------------------------------------------------

    def press_button(self, presses: int = 1) -> None:
        self._emit(self.hardware.press_button(presses, self._now()))

    def turn_by_hand(self, locked: bool) -> None:
        self._emit(self.hardware.turn_by_hand(locked))

    def set_door(self, is_open: bool) -> None:
        self._emit(self.hardware.set_door(is_open))

    def enter_code(self, auth_id: int, code_id: int, action: int = 3) -> None:
        self._emit(self.hardware.enter_code(auth_id, code_id, self._now(), action))

    def use_fob(self, auth_id: int, presses: int = 1) -> None:
        self._emit(self.hardware.use_fob(auth_id, presses, self._now()))

    def auto_unlock(self, auth_id: int) -> None:
        self._emit(self.hardware.auto_unlock(auth_id, self._now()))

    def ring(self) -> None:
        self._emit(self.hardware.ring(self._now()))

    def set_battery(self, percent: float) -> None:
        self._emit(self.hardware.set_battery(percent))

    def set_charging(self, charging: bool) -> None:
        self._emit(self.hardware.set_charging(charging))

    def provoke_fault(self, fault: Fault = "motor_blocked") -> None:
        self.hardware.provoke_fault(fault)

    def control(self, name: str, payload: str) -> None:
        """A control topic's message (``emulator.controls``)."""
        self._emit(apply_control(self.hardware, name, payload, self._now()))

    def command(self, name: str, payload: str) -> None:
        """A command as if it had come over MQTT."""
        self._emit(self.hardware.command(name, payload, self._now()))

    # --- the connection ------------------------------------------------------------------

    def stop(self) -> None:
        """``run`` publishes ``connected`` = ``false``, disconnects and returns."""
        self._stopping.set()

    async def run(self, settings: BrokerSettings) -> None:
        """On the broker until ``stop``, connecting again with backoff whenever it is lost."""
        self._root = settings.root
        reconnect = reconnect_backoff()
        try:
            while not self._stopping.is_set():
                try:
                    await self._session(settings, reconnect)
                except _BROKEN as error:
                    log.info("lock %08X: broker connection lost: %s", self.nuki_id, error)
                finally:
                    self._disconnected()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), reconnect.wait())
        finally:
            if self._timer is not None:
                self._timer.cancel()

    async def _session(self, settings: BrokerSettings, reconnect: Backoff) -> None:
        connected = self._topic(Topic.CONNECTED)
        will = aiomqtt.Will(connected, OFFLINE, qos=WILL_QOS, retain=True)
        async with settings.client(self.identifier, will) as client:
            reconnect.reset()
            await self._announce(client)
            tasks = [
                asyncio.create_task(self._publish_outbox(client)),
                asyncio.create_task(self._listen(client)),
                asyncio.create_task(self._stopping.wait()),
            ]
            try:
                done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                task.result()  # a lost connection raises here
            self._client = None
            await client.publish(connected, OFFLINE, qos=WILL_QOS, retain=True)

    async def _announce(self, client: aiomqtt.Client) -> None:
        if self.hardware.profile.allow_locking:
            for name in sorted(COMMAND_TOPICS):
                await client.subscribe(self._topic(name), qos=COMMAND_QOS)
        controls = f"{control_root(self._root)}/{self.nuki_id:08X}/+"
        await client.subscribe(controls, qos=CONTROL_QOS)
        # From here on, changes queue behind the whole state, which is read at this instant.
        self._client = client
        state = self.hardware.state_payloads()
        for state_name, payload in state.items():
            await client.publish(self._topic(state_name), payload, qos=0, retain=True)
        await client.publish(self._topic(Topic.CONNECTED), ONLINE, qos=0, retain=True)
        self.connections += 1
        self.connected.set()
        self.attempted.set()

    async def _publish_outbox(self, client: aiomqtt.Client) -> None:
        while True:
            publication = await self._outbox.get()
            await client.publish(
                self._topic(publication.name),
                publication.payload,
                qos=publication.qos,
                retain=publication.retained,
            )

    async def _listen(self, client: aiomqtt.Client) -> None:
        controls = control_root(self._root) + "/"
        async for message in client.messages:
            name = str(message.topic)
            payload = _text(message.payload)
            parsed = parse_topic(self._root, name)
            if parsed is not None and parsed[0] == self.nuki_id and parsed[1] in COMMAND_TOPICS:
                self.command(parsed[1], payload if payload is not None else "")
            elif name.startswith(controls) and not message.retain:
                # A retained control would replay at every reconnect: only live ones count.
                self._control(name.rpartition("/")[2], payload)

    def _control(self, name: str, payload: str | None) -> None:
        if payload is None:
            log.warning("lock %08X: control %s: the payload is not text", self.nuki_id, name)
            return
        try:
            self.control(name, payload)
        except ControlError as error:
            log.warning("lock %08X: control %s %r: %s", self.nuki_id, name, payload, error)

    def _disconnected(self) -> None:
        self._client = None
        self.connected.clear()
        self.attempted.set()
        while not self._outbox.empty():
            self._outbox.get_nowait()

    # --- time and publications -----------------------------------------------------------

    def _emit(self, publications: list[Publication]) -> None:
        if self._client is not None:
            for publication in publications:
                self._outbox.put_nowait(publication)
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.hardware.due()
        if due is not None:
            self._timer = asyncio.get_running_loop().call_at(due, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self._emit(self.hardware.advance(self._now()))

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _topic(self, name: str) -> str:
        return topic(self._root, self.nuki_id, name)


def _text(payload: object) -> str | None:
    if isinstance(payload, bytes | bytearray):
        try:
            return bytes(payload).decode()
        except UnicodeDecodeError:
            return None
    if payload is None:
        return ""
    return str(payload)
