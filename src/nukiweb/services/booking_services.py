"""Use cases of the Service tag: the booking sources an account links to its addresses.

nukiweb links a listing through its iCal export feed, which every major rental platform offers:
``link`` answers the address of a page where the user pastes the feed's URL and picks the
address (the vendor answers the platform's consent page). A feed is fetched when linked — a
URL that does not answer an iCal calendar is refused — then every ``feed_sync_interval``
seconds as a durable job (once across instances), and on ``sync``. Each fetch upserts the
address's reservations by the events' UIDs; a booking gone from the feed is cancelled. A
fetch that fails leaves its error on the service, and the reservations as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from anyio import to_thread
from sqlalchemy import Connection

from nukiweb.domain import short_rental as rules
from nukiweb.domain.bookings import Booking, FeedError, parse_feed
from nukiweb.domain.errors import InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.feeds.fetching import check_feed_url, feed_host, fetch_feed
from nukiweb.services import reservations
from nukiweb.services.addresses import owned_address
from nukiweb.services.context import ServiceContext
from nukiweb.store import addresses as address_store
from nukiweb.store import jobs
from nukiweb.store import reservations as store

JOB = "feed-sync"


@dataclass(frozen=True, slots=True)
class LinkedFeed:
    feed_id: int
    address_id: int
    host: str
    sync_date: datetime | None
    sync_error: str | None


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    feeds: list[LinkedFeed]

    @property
    def linked(self) -> bool:
        return bool(self.feeds)


def list_services(
    ctx: ServiceContext, caller: Caller, service_ids: str | None = None
) -> list[Service]:
    """Every service, or those named in ``service_ids`` (comma-separated; unknown names are
    not services nukiweb has, and are left out)."""
    wanted = (
        list(rules.BOOKING_SERVICES)
        if service_ids is None
        else [name.strip() for name in service_ids.split(",") if name.strip()]
    )
    with ctx.db.read() as conn:
        return [
            _service(conn, caller, service_id)
            for service_id in dict.fromkeys(wanted)
            if service_id in rules.BOOKING_SERVICES
        ]


def get_service(ctx: ServiceContext, caller: Caller, service_id: str) -> Service:
    if service_id not in rules.BOOKING_SERVICES:
        raise NotFound("service", service_id)
    with ctx.db.read() as conn:
        return _service(conn, caller, service_id)


def _service(conn: Connection, caller: Caller, service_id: str) -> Service:
    feeds = [
        LinkedFeed(row.feed_id, row.address_id, row.url_host, row.sync_date, row.sync_error)
        for row in store.list_feeds(conn, caller.owner_account_id, service_id)
    ]
    return Service(service_id, rules.BOOKING_SERVICES[service_id], feeds)


def link_page_url(ctx: ServiceContext, service_id: str) -> str:
    """Where the user links a listing of this service (``POST /service/{id}/link``)."""
    return f"{ctx.public_url}/web/short-rental/services/{rules.check_service_id(service_id)}/link"


async def link_feed(
    ctx: ServiceContext, caller: Caller, service_id: str, address_id: int, url: str
) -> int:
    """Links the listing whose bookings ``url`` exports to the address (replacing the feed it
    had), after fetching it once: a URL that does not answer an iCal calendar is refused. The
    feed's id."""
    rules.check_service_id(service_id)
    check_feed_url(url, allow_local=ctx.allow_local_webhooks)
    with ctx.db.read() as conn:
        owned_address(conn, caller, address_id)
    try:
        bookings = await _fetched(ctx, url)
    except FeedError as failed:
        raise InvalidParameter("url", feed_host(url), str(failed)) from None
    return link_feed_unchecked(ctx, caller, service_id, address_id, url, bookings)


def link_feed_unchecked(
    ctx: ServiceContext,
    caller: Caller,
    service_id: str,
    address_id: int,
    url: str,
    bookings: list[Booking],
) -> int:
    """``link_feed`` with the bookings the feed was found to hold (the demo's own feed, which
    cannot be fetched before the server runs)."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        address = owned_address(conn, caller, address_id, for_update=True)
        values = {
            "account_id": caller.owner_account_id,
            "service_id": service_id,
            "address_id": address_id,
            "url_box": ctx.secrets.seal(url),
            "url_host": feed_host(url),
            "creation_date": now,
            "sync_date": now,
            "sync_error": None,
        }
        existing = store.feed_of_address(conn, address_id)
        if existing is None:
            feed_id = store.insert_feed(conn, values)
        else:
            feed_id = existing.feed_id
            store.update_feed(conn, feed_id, values)
        address_store.update_address(
            conn, address_id, {"service_id": service_id, "update_date": now}
        )
        changed = reservations.record_bookings(
            ctx, conn, address, bookings, service_id=service_id, complete=True
        )
        reservations.reconcile_soon(ctx, conn, changed)
        jobs.schedule(conn, JOB, str(feed_id), now + timedelta(seconds=ctx.feed_sync_interval))
    reservations.wake_runner(ctx)
    return feed_id


async def sync(ctx: ServiceContext, caller: Caller, service_id: str) -> None:
    """Fetches every feed of the service the account linked now; a failure is recorded on the
    service, not answered."""
    rules.check_service_id(service_id)
    with ctx.db.read() as conn:
        feeds = store.list_feeds(conn, caller.owner_account_id, service_id)
    if not feeds:
        raise InvalidParameter("serviceId", service_id, "The service is not linked.")
    for feed in feeds:
        await sync_feed(ctx, feed.feed_id)


def unlink(ctx: ServiceContext, caller: Caller, service_id: str) -> None:
    """The service's feeds are no longer fetched; the reservations they brought, and the
    access those issued, stay as they are."""
    rules.check_service_id(service_id)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        for feed in store.list_feeds(conn, caller.owner_account_id, service_id):
            store.delete_feed(conn, feed.feed_id)
            jobs.cancel(conn, JOB, str(feed.feed_id))
            address_store.update_address(
                conn, feed.address_id, {"service_id": None, "update_date": now}
            )


async def sync_feed(ctx: ServiceContext, feed_id: int) -> None:
    """One fetch of one feed, and the next one scheduled (the durable job's work)."""
    with ctx.db.read() as conn:
        feed = store.get_feed(conn, feed_id)
    if feed is None:
        return  # unlinked meanwhile
    url = ctx.secrets.open(feed.url_box)
    error = None
    bookings: list[Booking] = []
    try:
        bookings = await _fetched(ctx, url)
    except FeedError as failed:
        error = str(failed)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        if store.get_feed(conn, feed_id) is None:
            return
        store.update_feed(conn, feed_id, {"sync_date": now, "sync_error": error})
        if error is None:
            address = address_store.get_address(conn, None, feed.address_id, for_update=True)
            assert address is not None
            changed = reservations.record_bookings(
                ctx, conn, address, bookings, service_id=feed.service_id, complete=True
            )
            reservations.reconcile_soon(ctx, conn, changed)
        jobs.schedule(conn, JOB, str(feed_id), now + timedelta(seconds=ctx.feed_sync_interval))
    reservations.wake_runner(ctx)


async def _fetched(ctx: ServiceContext, url: str) -> list[Booking]:
    data = await fetch_feed(url, allow_local=ctx.allow_local_webhooks)
    # Parsing a large calendar takes a while: off the event loop.
    return await to_thread.run_sync(parse_feed, data)
