"""Server instances under leases: several ``nukiweb serve`` processes (workers of one, or
instances behind a load balancer) share a store, and each holds work that lives only in its
memory — the timers of the simulated devices it moves, the operations it took, the changes it
sent to devices. An instance that dies leaves that work in flight; its lease tells the others.

Each instance is a row of ``instances`` with a lease it renews every ``RENEW_EVERY`` seconds
for ``LEASE`` more. Whichever instance finds a lease run out finishes, once, what that instance
left (``services.abandoned_work.abandon``: the operations fail as interrupted, the devices come to
rest, what was cut short is logged) and sends every unconfirmed authorization change again.
A device is thus free again within ``LEASE`` plus a second of its holder's death. Leases are
in wall-clock time, whatever clock the simulated devices follow: the instances' clocks must
agree within a second (NTP).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from anyio import to_thread

from nukiweb.bridges.hub import BROKER
from nukiweb.services import authorizations
from nukiweb.services.abandoned_work import abandon
from nukiweb.services.context import ServiceContext
from nukiweb.store import instances as store
from nukiweb.store.faults import StoreUnavailable

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=5)
RENEW_EVERY = 1.0  # seconds


def _now() -> datetime:
    return datetime.now(UTC)


def join(ctx: ServiceContext) -> None:
    """This instance takes its lease, before it holds anything."""
    now = _now()
    with ctx.db.transaction() as conn:
        store.register(conn, ctx.instance, now, now + LEASE)


def renew(ctx: ServiceContext) -> list[str]:
    """This instance's lease goes on; the instances whose lease ran out are finished and
    forgotten. Their names. An instance found gone itself (it stalled beyond its lease) joins
    again: what it held has been finished by another, and its late timers change nothing."""
    now = _now()
    with ctx.db.transaction() as conn:
        if not store.renew(conn, ctx.instance, now + LEASE):
            log.warning("instance %s: its lease had run out; joining again", ctx.instance)
            store.register(conn, ctx.instance, now, now + LEASE)
        expired = [name for name in store.expired(conn, now) if name != ctx.instance]
    for name in expired:
        finish(ctx, name)
    return expired


def finish(ctx: ServiceContext, name: str) -> list[int]:
    """What the instance ``name``, gone, left in flight is finished, and it is forgotten. The
    devices it had left, by id."""
    left = abandon(ctx, lambda holder: holder == name)
    with ctx.db.transaction() as conn:
        store.leave(conn, name)
    if left:
        log.warning("instance %s is gone: finished its work on devices %s", name, left)
    return left


def finish_if_possible(ctx: ServiceContext, name: str) -> None:
    """``finish``, for a supervisor that saw its worker die: if the store cannot answer now,
    the worker's lease will tell the instances once it can."""
    try:
        finish(ctx, name)
    except StoreUnavailable as unavailable:
        log.warning(
            "instance %s is gone; its work waits for its lease: %s", name, unavailable.reason
        )


def finish_orphans(ctx: ServiceContext) -> list[int]:
    """At start-up: what no live instance holds is finished — left by an instance that died
    (its lease run out or not) or by a version before leases. The devices, by id."""
    with ctx.db.read() as conn:
        live = store.live(conn, _now())
    # An operation a lock on the broker carries is no instance's: its deadline ends it.
    return abandon(ctx, lambda holder: holder != BROKER and (holder is None or holder not in live))


def leave(ctx: ServiceContext) -> None:
    """A graceful stop: what this instance holds ends now (its timers stop with it) rather than
    when its lease would run out — or then, if the store cannot answer now."""
    try:
        finish(ctx, ctx.instance)
    except StoreUnavailable as unavailable:
        log.warning(
            "instance %s: stopping without finishing its work (another will, once its lease "
            "runs out): %s", ctx.instance, unavailable.reason,
        )  # fmt: skip


async def send_unconfirmed_again(ctx: ServiceContext) -> None:
    """The authorization changes that no device confirmed, sent again (gone instances may have
    sent them): found in a worker thread, sent on the event loop."""
    authorizations.send_again(await to_thread.run_sync(authorizations.unconfirmed_changes, ctx))


async def keep_lease(ctx: ServiceContext, stopping: asyncio.Event) -> None:
    """Renews this instance's lease until ``stopping`` is set, finishing what gone instances
    left, and sends their unconfirmed authorization changes again. The store's work runs in a
    worker thread, off the event loop; a store that cannot be reached is tried again at the
    next turn (the lease lasts several)."""
    while not stopping.is_set():
        try:
            if await to_thread.run_sync(renew, ctx):
                await send_unconfirmed_again(ctx)
        except StoreUnavailable as unavailable:
            log.warning("instance %s: lease not renewed: %s", ctx.instance, unavailable.reason)
        except Exception:
            log.exception("instance %s: renewing its lease failed", ctx.instance)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), RENEW_EVERY)
