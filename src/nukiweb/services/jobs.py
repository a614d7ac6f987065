"""The durable job runner: what falls due in the store — a reservation's access to issue or
revoke, a booking feed to fetch — is taken under a lease by one instance and done there.

Every serving process runs one (``JobRunner``); the store decides who takes a job
(``store.jobs.take_due``: ``SKIP LOCKED`` on PostgreSQL, SQLite's one writer), so a job runs
once across instances and workers. A job whose instance dies is taken again when its lease
runs out. The work itself is idempotent: a job done twice changes nothing the second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from nukiweb.domain import short_rental
from nukiweb.services import booking_services, mail, mqtt_locks, reservations, subscriptions
from nukiweb.services.context import ServiceContext
from nukiweb.store import jobs as store
from nukiweb.store.faults import Backoff, StoreUnavailable

log = logging.getLogger(__name__)

Handler = Callable[[ServiceContext, str], Awaitable[None]]

# Long enough for a feed's fetch (its timeout) and a reconciliation; a job whose instance dies
# waits this long before another takes it.
LEASE = timedelta(minutes=2)
BATCH = 20
POLL_SECONDS = 1.0
# How many rounds ``run_until_idle`` does at most: jobs that schedule themselves at once again
# must not keep it going.
IDLE_ROUNDS = 50


async def _reconcile(ctx: ServiceContext, reservation_id: str) -> None:
    reservations.reconcile(ctx, reservation_id)


async def _sync_feed(ctx: ServiceContext, feed_id: str) -> None:
    await booking_services.sync_feed(ctx, int(feed_id))


async def _end_subscription_period(ctx: ServiceContext, account_subscription_id: str) -> None:
    subscriptions.end_period(ctx, account_subscription_id)


HANDLERS: Mapping[str, Handler] = {
    reservations.JOB: _reconcile,
    booking_services.JOB: _sync_feed,
    subscriptions.JOB: _end_subscription_period,
    mail.JOB: mail.send_mail,
    mqtt_locks.JOB: mqtt_locks.run_job,
}


async def run_due(ctx: ServiceContext) -> int:
    """Takes the jobs due now (at most ``BATCH``) and does them; how many it took."""
    now = ctx.clock.now()
    # Most polls find nothing: they only read (a write transaction would take SQLite's lock).
    with ctx.db.read() as conn:
        if not store.any_due(conn, now):
            return 0
    with ctx.db.transaction() as conn:
        taken = store.take_due(conn, ctx.instance, now, now + LEASE, BATCH)
    for job in taken:
        handler = HANDLERS.get(job.kind)
        if handler is None:
            # A kind this version does not know (a newer instance's): left to the instances
            # that do, after the lease.
            log.warning("job %s %s: unknown kind, left to other instances", job.kind, job.subject)
            continue
        try:
            await handler(ctx, job.subject)
        except StoreUnavailable:
            raise  # the lease frees the job; the runner waits for the store
        except Exception as failed:
            log.exception("job %s %s failed", job.kind, job.subject)
            with ctx.db.transaction() as conn:
                store.retry(
                    conn,
                    job,
                    ctx.instance,
                    ctx.clock.now() + short_rental.retry_delay(job.attempts),
                    f"{type(failed).__name__}: {failed}",
                )
        else:
            with ctx.db.transaction() as conn:
                store.finish(conn, job, ctx.instance)
    return len(taken)


async def run_until_idle(ctx: ServiceContext) -> None:
    """Whatever is due now, done before returning (the manual clock's advance)."""
    for _ in range(IDLE_ROUNDS):
        if not await run_due(ctx):
            return


class JobRunner:
    """Looks for due jobs every ``POLL_SECONDS``, and at once when woken."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        backoff = Backoff()
        while not self._stopping:
            try:
                busy = await run_due(self._ctx) == BATCH
            except StoreUnavailable:
                await asyncio.sleep(backoff.wait())
                continue
            backoff = Backoff()
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
