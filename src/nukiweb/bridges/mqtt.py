"""Locks on an MQTT broker: real Nuki locks (Smart Lock 3.0 Pro, 4th generation) and emulated
ones (``nukiweb device emulate``), through the MQTT API they speak (domain/mqtt_api.py).

Every server instance connects to the broker and subscribes to ``$share/nukiweb/<root>/+/#``:
an MQTT 5 shared subscription, so that the broker hands each message of a lock to one instance
of the group — each event is processed once, however many instances run. On subscribing, the
broker sends every instance the retained state topics (Mosquitto does for shared subscriptions
too); applying a value twice changes nothing. An instance processes what it receives in order,
in a worker thread, in batches: state values of one lock are merged into one transaction,
flushed before any event of that lock.

Commands go out from whichever instance took the request: ``lockAction`` (or ``lock`` /
``unlock`` for the simple actions), QoS 2, never retained, with the 10 s expiry the
specification asks for. What comes back (``commandResponse``, ``lockActionEvent``, the state)
may reach another instance: the operation in flight is in the store, held by ``BROKER``, not by
an instance, so it ends wherever the answer lands, or at its deadline (a durable job).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiomqtt

from nukiweb.bridges.broker import BrokerSettings, expiring, reconnect_backoff
from nukiweb.bridges.hub import DeviceCommand
from nukiweb.bridges.reports import LockReports
from nukiweb.domain.devices import ActionOption, LockAction
from nukiweb.domain.mqtt_api import (
    COMMAND_EXPIRY_SECONDS,
    FULL_LOCK,
    STATE_TOPICS,
    LockActionEvent,
    Topic,
    command_payload,
    parse_int,
    parse_topic,
    topic,
)
from nukiweb.store.faults import Backoff, StoreUnavailable

log = logging.getLogger(__name__)

SHARE_GROUP = "nukiweb"
DEFAULT_COMMAND_TIMEOUT = 20.0  # seconds: the 10 s expiry, plus a long motor movement
BATCH = 500  # messages processed in one go at most
MAX_PAYLOAD = 256  # characters: a lock's longest (a name, a timestamp) is under 40
LANES = 4  # locks' messages processed side by side (the store's pool has room for them)

_Received = tuple[int, str, str]  # a lock's message: its nukiId, topic name, payload
NOT_SENT = "The command was not sent: the MQTT broker cannot be reached."
NOT_ADMINISTERED = (
    "The lock is connected over MQTT, whose API cannot change its authorizations or keypad "
    "codes: change them in the Nuki app."
)


class MqttConnection:
    """This instance's connection to the broker: the bridge of every lock on it."""

    def __init__(
        self,
        settings: BrokerSettings,
        reports: LockReports,
        instance: str,
        *,
        command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.command_timeout = command_timeout
        self._reports = reports
        self._identifier = f"nukiweb-{instance}"
        self._client: aiomqtt.Client | None = None
        self._inbox: asyncio.Queue[_Received] = asyncio.Queue()
        self._publishing: set[asyncio.Task[None]] = set()
        self._lanes = ThreadPoolExecutor(LANES, thread_name_prefix="mqtt-lane")
        self.connected = asyncio.Event()

    # --- commands (on the event loop, from the request that asked) ---------------------------

    def send(self, command: DeviceCommand) -> None:
        client = self._client
        if client is None:
            self._reports.command_failed(command, NOT_SENT)
            return
        name, payload = _command(command)
        self._reports.command_sending(command, self.command_timeout)
        task = asyncio.get_running_loop().create_task(
            self._publish(
                client, command, topic(self.settings.root, _nuki_id(command), name), payload
            )
        )
        self._publishing.add(task)
        task.add_done_callback(self._published)

    def _published(self, task: asyncio.Task[None]) -> None:
        self._publishing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("MQTT: publishing failed", exc_info=task.exception())

    async def _publish(
        self, client: aiomqtt.Client, command: DeviceCommand, where: str, payload: str
    ) -> None:
        try:
            await client.publish(
                where, payload, qos=2, retain=False, properties=expiring(COMMAND_EXPIRY_SECONDS)
            )
        except aiomqtt.MqttError as error:
            log.warning("MQTT: command to %s not published: %s", where, error)
            await asyncio.to_thread(self._reports.command_failed, command, NOT_SENT)

    def sync_authorization(
        self, smartlock_id: int, authorization_id: str, operation_id: str
    ) -> None:
        """The MQTT API has no topic for authorizations (1.0-1.5): the change fails visibly."""
        del smartlock_id
        self._reports.authorization_refused(authorization_id, operation_id, NOT_ADMINISTERED)

    # --- the connection and what arrives on it ----------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        """Connected until ``stopping``: reconnects with backoff and jitter whenever the broker
        goes away, and processes what arrives."""
        processing = asyncio.create_task(self._process_inbox())
        reconnect = reconnect_backoff()
        try:
            while not stopping.is_set():
                try:
                    await self._connected_until(stopping, reconnect)
                except aiomqtt.MqttError as error:
                    log.warning("MQTT: broker %s: %s", self.settings.redacted(), error)
                if not stopping.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), reconnect.wait())
        finally:
            processing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await processing
            for task in list(self._publishing):
                with contextlib.suppress(Exception):
                    await task
            # A report still running ends before the store closes.
            await asyncio.to_thread(self._lanes.shutdown, wait=True, cancel_futures=True)

    async def _connected_until(self, stopping: asyncio.Event, reconnect: Backoff) -> None:
        async with self.settings.client(self._identifier) as client:
            await client.subscribe(f"$share/{SHARE_GROUP}/{self.settings.root}/+/#", qos=2)
            reconnect.reset()  # connected: the next loss waits the shortest pause first
            self._client = client
            self.connected.set()
            log.info("MQTT: connected to %s", self.settings.redacted())
            receiving = asyncio.create_task(self._receive(client))
            waiting = asyncio.create_task(stopping.wait())
            try:
                await asyncio.wait({receiving, waiting}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                self._client = None
                self.connected.clear()
                waiting.cancel()
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await receiving
            if receiving.done() and not receiving.cancelled():
                receiving.result()  # the connection's error, to reconnect

    async def _receive(self, client: aiomqtt.Client) -> None:
        """What arrives, kept as what it says: the client's message objects (with their MQTT 5
        properties) are let go at once, however long the inbox grows."""
        async for message in client.messages:
            parsed = parse_topic(self.settings.root, str(message.topic))
            payload = _text(message.payload)
            if parsed is not None and len(payload) <= MAX_PAYLOAD:
                self._inbox.put_nowait((*parsed, payload))

    async def _process_inbox(self) -> None:
        """Batches of what arrived, in lanes by lock: each lock's messages in order in one lane,
        the lanes side by side (threads of their own, each report its own transaction)."""
        while True:
            batch = [await self._inbox.get()]
            while len(batch) < BATCH and not self._inbox.empty():
                batch.append(self._inbox.get_nowait())
            lanes: list[list[_Received]] = [[] for _ in range(LANES)]
            for received in batch:
                lanes[received[0] % LANES].append(received)
            loop = asyncio.get_running_loop()
            await asyncio.gather(
                *(loop.run_in_executor(self._lanes, self._process, lane) for lane in lanes if lane)
            )

    def _process(self, batch: list[_Received]) -> None:
        """In order; the state values of each lock merged until one of its events comes."""
        values: dict[int, dict[str, str]] = {}
        for nuki_id, name, payload in batch:
            if name in STATE_TOPICS:
                values.setdefault(nuki_id, {})[name] = payload
                continue
            if nuki_id in values:
                self._report(self._reports.values_reported, nuki_id, values.pop(nuki_id))
            if name == Topic.LOCK_ACTION_EVENT:
                event = LockActionEvent.parse(payload)
                if event is None:
                    log.warning("MQTT: lock %08X: unreadable lockActionEvent %r", nuki_id, payload)
                else:
                    self._report(self._reports.action_reported, nuki_id, event)
            elif name == Topic.COMMAND_RESPONSE:
                code = parse_int(payload)
                if code is None:
                    log.warning("MQTT: lock %08X: unreadable commandResponse %r", nuki_id, payload)
                else:
                    self._report(self._reports.command_answered, nuki_id, code)
            # Commands (ours or another client's) and topics of other versions: not ours to read.
        for nuki_id, merged in values.items():
            self._report(self._reports.values_reported, nuki_id, merged)

    @staticmethod
    def _report(report: Callable[[int, Any], None], nuki_id: int, what: object) -> None:
        """One report; while the store cannot answer it waits (messages are not lost for an
        outage of the store), and a report that fails otherwise is logged and skipped."""
        backoff = Backoff()
        while True:
            try:
                report(nuki_id, what)
            except StoreUnavailable as error:
                log.warning("MQTT: lock %08X: waiting for the store: %s", nuki_id, error.reason)
                time.sleep(backoff.wait())  # a worker thread of its own
            except Exception:
                log.exception("MQTT: lock %08X: report failed", nuki_id)
                return
            else:
                return


def _nuki_id(command: DeviceCommand) -> int:
    return command.smartlock_id & 0xFFFF_FFFF


def _command(command: DeviceCommand) -> tuple[str, str]:
    """The topic name and payload of a command: the simple topics for /action/lock|unlock,
    ``lockAction`` otherwise (a full lock is an action of its own there)."""
    if command.simple is not None:
        return (Topic.LOCK if command.simple == "lock" else Topic.UNLOCK), "true"
    action = command.actions[0]
    if action == LockAction.LOCK and command.option & ActionOption.FULL_LOCK:
        action = FULL_LOCK
    return command_payload(action)


def _text(payload: object) -> str:
    if isinstance(payload, bytes | bytearray):
        return bytes(payload).decode("utf-8", "replace")
    return "" if payload is None else str(payload)
