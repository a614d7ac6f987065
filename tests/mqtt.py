"""A real MQTT broker for the tests: a Mosquitto of the test session's own, on a free port, that a
test may stop and start again (the reconnect tests); each test gets its own topic prefix in its
broker URL, so tests never see each other's locks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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
        self.process = subprocess.Popen(  # noqa: S603 - the test's own broker
            [self.executable, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
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
