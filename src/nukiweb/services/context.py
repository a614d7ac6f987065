"""What every use case needs: the store, the clock, the cache of authenticated tokens, and the
bridge hub through which commands reach devices."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nukiweb.bridges.hub import BridgeHub
from nukiweb.clock import Clock, SystemClock
from nukiweb.domain.limits import Limits
from nukiweb.mail.transports import MailLog, Transport
from nukiweb.secretbox import SecretBox
from nukiweb.services.authentication import TokenCache
from nukiweb.store.database import Database

if TYPE_CHECKING:
    from nukiweb.bridges.mqtt import MqttConnection
    from nukiweb.bridges.scheduler import ManualScheduler
    from nukiweb.bridges.simulated import SimulatedBridges

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
DEFAULT_FEED_SYNC_INTERVAL = 15 * 60.0


@dataclass
class Simulation:
    """The in-process simulated hardware, and the manual clock that drives it if there is one."""

    bridges: SimulatedBridges
    manual: ManualScheduler | None


@dataclass
class ServiceContext:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    hub: BridgeHub = field(default_factory=BridgeHub)
    simulation: Simulation | None = None
    # Encrypts the secrets nukiweb must use again (webhook and client secrets).
    secrets: SecretBox = field(default_factory=SecretBox.ephemeral)
    # Whether webhooks may go to http and to loopback or private addresses (development).
    allow_local_webhooks: bool = False
    # Where clients reach this server (scheme, host and port, no trailing slash): every absolute
    # URL nukiweb makes starts with it, never with what a request's headers claim.
    public_url: str = DEFAULT_PUBLIC_URL
    # How many API keys, tokens, webhooks and notifications an account may have.
    limits: Limits = field(default_factory=Limits)
    # Called when an event was written to the outbox: wakes this process's delivery worker.
    on_event: Callable[[], None] | None = None
    # Called when a durable job was scheduled to run now: wakes this process's job runner.
    on_job: Callable[[], None] | None = None
    # How often each linked booking feed is fetched again, in seconds.
    feed_sync_interval: float = DEFAULT_FEED_SYNC_INTERVAL
    # This server instance's name in the store: what it holds there (operations, the timers of
    # simulated devices) is under its lease (services/instances.py).
    instance: str = field(default_factory=lambda: secrets.token_hex(6))
    tokens: TokenCache = field(init=False)
    # --- mail: how mails leave (SMTP, files in the data directory, or the log only), and whom
    # they are from (None: nukiweb@ the public URL's host).
    mail_transport: Transport = field(default_factory=MailLog)
    mail_from: str | None = None
    # The connection to the MQTT broker of real (and emulated) locks, if the server has one.
    broker: MqttConnection | None = None

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self.db, self.clock)
