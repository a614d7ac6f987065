"""A real MQTT broker for the tests: a Mosquitto of the test session's own, on a free port, that a
test may stop and start again (the reconnect tests); each test gets its own topic prefix in its
broker URL, so tests never see each other's locks."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
import pytest

from nukiweb.bridges.broker import BrokerSettings
from nukiweb.domain.mqtt_api import COMMAND_TOPICS, STATE_TOPICS, Topic, format_bool, topic
from tests.support import free_port

START_DEADLINE_S = 30.0
INSTALL = "apt-get install mosquitto"


def mosquitto_path() -> str | None:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return os.environ.get("NUKIWEB_MOSQUITTO") or shutil.which("mosquitto", path=search)


@dataclass
class Broker:
    """A Mosquitto process: ``url`` reaches it; ``stop``/``start`` cut every client off and let
    them back on the same port."""

    executable: str
    port: int
    config: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                time.sleep(0.05)
            else:
                return
        raise RuntimeError(f"mosquitto did not listen on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    executable = mosquitto_path()
    if executable is None:
        pytest.fail(f"Mosquitto is needed for the MQTT tests: {INSTALL}")
    directory = tmp_path_factory.mktemp("mosquitto")
    port = free_port()
    config = directory / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 100000\n"
    )
    running = Broker(executable, port, config)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def mqtt_url(broker: Broker) -> str:
    """The broker, with a topic prefix of this test's own."""
    if broker.process is None:  # a test that stopped it failed before starting it again
        broker.start()
    return f"{broker.url}/t-{uuid.uuid4().hex[:10]}"


class ScriptedLock:
    """A lock whose every message the test writes (the edge of the world: the hardware), on
    paho's threaded client: it publishes what the test says, as a lock would (state topics
    retained, QoS 0; events QoS 2), and records the commands it receives."""

    def __init__(self, url: str, nuki_id: int, *, connect: bool = True) -> None:
        self.settings = BrokerSettings.from_url(url)
        self.nuki_id = nuki_id
        self.commands: queue.Queue[tuple[str, str]] = queue.Queue()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2,
            client_id=f"SL4_{nuki_id:08X}_{uuid.uuid4().hex[:6]}",
            protocol=paho.MQTTv5,
        )
        self.client.will_set(self.topic(Topic.CONNECTED), "false", qos=1, retain=True)
        self.client.on_message = self._received
        self.client.on_connect = self._connected
        self.client.on_subscribe = self._acknowledged
        self._subscribed = threading.Event()
        if connect:
            self.connect()

    def topic(self, name: str) -> str:
        return topic(self.settings.root, self.nuki_id, name)

    def connect(self) -> None:
        self._subscribed.clear()
        self.client.connect(self.settings.host, self.settings.port, keepalive=5)
        self.client.loop_start()
        if not self._subscribed.wait(START_DEADLINE_S):
            raise RuntimeError("the scripted lock did not connect")
        self.publish(Topic.CONNECTED, "true")

    def _connected(self, client: paho.Client, *_args: object) -> None:
        client.subscribe([(self.topic(name), 2) for name in COMMAND_TOPICS])

    def _acknowledged(self, *_args: object) -> None:
        self._subscribed.set()

    def publish(self, name: str, payload: str) -> None:
        state = name in STATE_TOPICS
        info = self.client.publish(self.topic(name), payload, qos=0 if state else 2, retain=state)
        info.wait_for_publish(10)

    def report(self, **values: object) -> None:
        """State topics, by name: ``report(state=1, batteryChargeState=80)``."""
        for name, value in values.items():
            self.publish(name, format_bool(value) if isinstance(value, bool) else str(value))

    def command(self, timeout: float = 10.0) -> tuple[str, str]:
        """The next command the lock received (topic name, payload)."""
        return self.commands.get(timeout=timeout)

    def kill(self) -> None:
        """Gone without a word (power cut): the broker publishes the Last Will. The object is
        done with; a lock that comes back is a new one."""
        self._close_socket()
        self.client.loop_stop()
        self.client._reset_sockets()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self._close_socket()

    def _close_socket(self) -> None:
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def _received(self, _client: object, _userdata: object, message: paho.MQTTMessage) -> None:
        self.commands.put((message.topic.rsplit("/", 1)[1], message.payload.decode()))
