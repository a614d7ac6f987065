"""Putting a server together: the store, the clock, and the simulated bridges."""

from __future__ import annotations

from datetime import datetime

from nukiweb.bridges.hub import SIMULATED
from nukiweb.bridges.scheduler import LoopScheduler, ManualScheduler, Scheduler
from nukiweb.bridges.simulated import SimulatedBridges, SimulationSpeed
from nukiweb.clock import ManualClock, SystemClock
from nukiweb.secretbox import SecretBox
from nukiweb.services.context import DEFAULT_PUBLIC_URL, ServiceContext, Simulation
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
) -> ServiceContext:
    """A context whose simulated devices move in real time at ``speed``, or only when the
    manual clock is advanced; a manual clock starts at ``start`` (default: now)."""
    if manual_clock:
        clock = ManualClock(start or SystemClock().now())
        manual: ManualScheduler | None = ManualScheduler(clock)
        scheduler: Scheduler = manual  # type: ignore[assignment]
        ctx = ServiceContext(database, clock, public_url=public_url)
    else:
        manual = None
        scheduler = LoopScheduler()
        ctx = ServiceContext(database, SystemClock(), public_url=public_url)
    ctx.secrets = secrets or SecretBox.ephemeral()
    ctx.allow_local_webhooks = allow_local_webhooks
    bridges = SimulatedBridges(ctx, scheduler, speed or SimulationSpeed())
    ctx.hub.register(SIMULATED, bridges)
    ctx.simulation = Simulation(bridges, manual)
    return ctx
