"""Reaching an MQTT broker: its URL, and clients for it (aiomqtt, MQTT 5).

``mqtt://[user:password@]host[:1883][/prefix]``: a path is put before the ``nuki`` topic root,
so that several setups can share one broker (``/ci-7`` gives ``ci-7/nuki/<ID>/…``); a real
lock always publishes under ``nuki``.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from nukiweb.domain.mqtt_api import ROOT
from nukiweb.store.faults import Backoff

DEFAULT_PORT = 1883


class BrokerUrlError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    host: str
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None
    root: str = ROOT  # the topic root: ``nuki``, or ``<prefix>/nuki``

    @classmethod
    def from_url(cls, url: str) -> BrokerSettings:
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise BrokerUrlError(f"not an mqtt://host[:port] URL: {url!r}")
        if parts.query or parts.fragment:
            raise BrokerUrlError(f"an MQTT URL takes no query or fragment: {url!r}")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError as error:
            raise BrokerUrlError(f"bad port in {url!r}") from error
        prefix = parts.path.strip("/")
        if "+" in prefix or "#" in prefix:
            raise BrokerUrlError(f"a topic prefix has no wildcards: {prefix!r}")
        return cls(
            host=parts.hostname,
            port=port,
            username=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else unquote(parts.password),
            root=f"{prefix}/{ROOT}" if prefix else ROOT,
        )

    def redacted(self) -> str:
        """The URL without its password, for logs."""
        user = f"{self.username}@" if self.username else ""
        prefix = self.root.removesuffix(ROOT).rstrip("/")
        return f"mqtt://{user}{self.host}:{self.port}" + (f"/{prefix}" if prefix else "")

    def client(
        self, identifier: str, will: aiomqtt.Will | None = None, *, keepalive: int = 30
    ) -> aiomqtt.Client:
        return aiomqtt.Client(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            identifier=identifier,
            protocol=aiomqtt.ProtocolVersion.V5,
            will=will,
            keepalive=keepalive,
            timeout=10,
            # A QoS 2 exchange is small packets that wait for each other: without this, each
            # waits out the peer's delayed ACK (40 ms), and a command's round trip takes ~135 ms
            # instead of ~19 ms (bench/README.md, "Locks on an MQTT broker").
            socket_options=((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),),
        )


def expiring(seconds: int) -> Properties:
    """PUBLISH properties: the broker drops the message if not delivered within ``seconds``."""
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    properties.MessageExpiryInterval = seconds
    return properties


def reconnect_backoff() -> Backoff:
    """Pauses between connection attempts: doubling from half a second up to 30 s, each with
    jitter, so that many clients cut off together do not all come back at the same instant."""
    return Backoff(first=0.5, longest=30.0)
