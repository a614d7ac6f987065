"""Putting a server together: the store, the clock, and the simulated bridges."""

from __future__ import annotations

from datetime import datetime

from nukiweb.bridges.broker import BrokerSettings
from nukiweb.bridges.hub import MQTT, SIMULATED
from nukiweb.bridges.mqtt import DEFAULT_COMMAND_TIMEOUT, MqttConnection
from nukiweb.bridges.scheduler import LoopScheduler, ManualScheduler, Scheduler
from nukiweb.bridges.simulated import SimulatedBridges, SimulationSpeed
from nukiweb.clock import Clock, ManualClock, SystemClock
from nukiweb.domain.limits import Limits
from nukiweb.mail.transports import MailLog, Transport
from nukiweb.secretbox import SecretBox
from nukiweb.services.context import (
    DEFAULT_FEED_SYNC_INTERVAL,
    DEFAULT_PUBLIC_URL,
    ServiceContext,
    Simulation,
)
from nukiweb.services.device_reports import StoreDeviceReports
from nukiweb.services.mqtt_locks import BrokerLockReports
from nukiweb.store.database import Database


def build_context(
    database: Database,
    *,
    speed: SimulationSpeed | None = None,
    manual_clock: bool = False,
    start: datetime | None = None,
    secrets: SecretBox | None = None,
    allow_local_webhooks: bool = False,
    public_url: str = DEFAULT_PUBLIC_URL,
    limits: Limits | None = None,
    instance: str | None = None,
    feed_sync_interval: float = DEFAULT_FEED_SYNC_INTERVAL,
    mail_transport: Transport | None = None,
    mail_from: str | None = None,
    broker: BrokerSettings | None = None,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
) -> ServiceContext:
    """A context whose simulated devices move in real time at ``speed``, or only when the
    manual clock is advanced; a manual clock starts at ``start`` (default: now); ``instance``
    names this server instance in the store (default: a random name); mails leave through
    ``mail_transport`` (default: logged only) from ``mail_from`` (default: nukiweb@ the
    public URL's host); with ``broker``, locks on that MQTT broker are reached too, a
    command failing when they don't answer within ``command_timeout`` seconds."""
    manual: ManualScheduler | None = None
    if manual_clock:
        manual_time = ManualClock(start or SystemClock().now())
        manual = ManualScheduler(manual_time)
        clock: Clock = manual_time
        scheduler: Scheduler = manual
    else:
        clock, scheduler = SystemClock(), LoopScheduler()
    ctx = ServiceContext(
        database,
        clock,
        secrets=secrets or SecretBox.ephemeral(),
        allow_local_webhooks=allow_local_webhooks,
        public_url=public_url,
        limits=limits or Limits(),
        feed_sync_interval=feed_sync_interval,
        mail_transport=mail_transport or MailLog(),
        mail_from=mail_from,
    )
    if instance is not None:
        ctx.instance = instance
    reports = StoreDeviceReports(ctx)
    bridges = SimulatedBridges(
        database, clock, ctx.instance, reports, scheduler, speed or SimulationSpeed()
    )
    ctx.hub.register(SIMULATED, bridges)
    ctx.simulation = Simulation(bridges, manual)
    if broker is not None:
        ctx.broker = MqttConnection(
            broker, BrokerLockReports(ctx), ctx.instance, command_timeout=command_timeout
        )
        ctx.hub.register(MQTT, ctx.broker)
    return ctx
