"""The emulator's tests run against the test session's own Mosquitto."""

from tests.mqtt import broker, mqtt_url

__all__ = ["broker", "mqtt_url"]
