"""The emulator's tests run against the test session's own Mosquitto. A thousand locks need a
thousand sockets on each side: the limit on open files is raised at collection, before the
broker starts (it inherits it)."""

from nukiweb.emulator.runner import raise_open_files_limit
from tests.mqtt import broker, mqtt_url

__all__ = ["broker", "mqtt_url"]

raise_open_files_limit(4096)
