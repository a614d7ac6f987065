"""The demo account that ``nukiweb serve --demo`` creates (once) and hands a fresh token, and
the example partner companies it starts with."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from nukiweb.domain.bookings import Booking, render_feed
from nukiweb.domain.errors import NotFound
from nukiweb.domain.identity import acting_for
from nukiweb.services import (
    accounts,
    addresses,
    api_keys,
    booking_services,
    companies,
    intercoms,
    simulator,
    smartlocks,
    subscriptions,
)
from nukiweb.services.context import ServiceContext
from nukiweb.store import api_keys as key_store
from nukiweb.store import smartlocks as device_store

DEMO_EMAIL = "demo@nukiweb.local"
DEMO_PASSWORD = "nukiweb-demo"  # noqa: S105 - the demo's published password
# One device of each type, in type order (0 … 4).
DEMO_DEVICE_NAMES = ("Front door", "Garden box", "Building entrance", "Office door", "Back door")
DEMO_TOKEN_DESCRIPTION = "nukiweb demo"  # noqa: S105 - a label
DEMO_TIME_ZONE = "Europe/Vienna"
DEMO_FEED_PATH = "/simulator/feeds/demo.ics"


def seed_demo(ctx: ServiceContext) -> tuple[str, str, str]:
    """Returns the demo account's email, password and a new all-scopes API token; the token of
    the previous demo start is revoked, so they do not pile up. The account gets one simulated
    device of each type the first time; the store gets the example companies while it has no
    companies (a list the operator imported stays)."""
    try:
        account = accounts.find_account_by_email(ctx, DEMO_EMAIL)
    except NotFound:
        account = accounts.create_account(ctx, DEMO_EMAIL, DEMO_PASSWORD, "Demo")
    with ctx.db.transaction() as conn:
        for key in key_store.list_api_keys(conn, account.account_id):
            stale = [
                token.id
                for token in key_store.list_api_tokens(conn, key.api_key_id)
                if token.description == DEMO_TOKEN_DESCRIPTION
            ]
            key_store.delete_api_tokens(conn, stale)
    _token, value = api_keys.issue_token_for_account(
        ctx, account.account_id, DEMO_TOKEN_DESCRIPTION
    )
    with ctx.db.read() as conn:
        has_devices = bool(device_store.list_devices(conn, account.account_id))
    if not has_devices:
        devices = [
            smartlocks.add_device(ctx, account.account_id, device_type, name)
            for device_type, name in enumerate(DEMO_DEVICE_NAMES)
        ]
        _seed_short_rental(
            ctx, account.account_id, [devices[0].smartlock_id, devices[4].smartlock_id]
        )
    companies.import_companies(ctx, companies.example_companies(), only_if_empty=True)
    # The example intercom catalog while the catalog has no brands (an imported one stays).
    intercoms.import_example(ctx, only_if_empty=True)
    subscriptions.import_plans(ctx, subscriptions.example_plans(), only_if_empty=True)
    return DEMO_EMAIL, DEMO_PASSWORD, value


def demo_bookings(today: date) -> list[Booking]:
    """The demo feed's bookings, relative to ``today`` at the demo address: a guest arriving
    today, and one next week."""
    return [
        Booking(
            uid="demo-stay-1@nukiweb",
            name="Ada Lovelace",
            email="ada@example.com",
            guests=2,
            reference="HMDEMO0001",
            start_day=today,
            end_day=today + timedelta(days=3),
            canceled=False,
        ),
        Booking(
            uid="demo-stay-2@nukiweb",
            name="Grace Hopper",
            email=None,
            guests=1,
            reference="HMDEMO0002",
            start_day=today + timedelta(days=7),
            end_day=today + timedelta(days=10),
            canceled=False,
        ),
    ]


def demo_feed(ctx: ServiceContext) -> bytes:
    """The iCal feed the demo address is linked to, as a rental platform would export it."""
    today = ctx.clock.now().astimezone(ZoneInfo(DEMO_TIME_ZONE)).date()
    return render_feed(demo_bookings(today), "nukiweb demo listing")


def _seed_short_rental(ctx: ServiceContext, account_id: int, smartlock_ids: list[int]) -> None:
    """An address on two devices with keypads, linked to the demo feed that nukiweb serves
    itself (``GET /simulator/feeds/demo.ics``): its bookings are recorded now, and the guest
    arriving today gets a code as soon as the server runs; the feed is fetched from then on."""
    caller = acting_for(account_id, "nukiweb demo")
    for smartlock_id in smartlock_ids:
        simulator.pair_keypad(ctx, caller, smartlock_id, paired=True)
    address = addresses.create_address(
        ctx, caller, "Holiday flat", smartlock_ids, time_zone=DEMO_TIME_ZONE
    )
    booking_services.link_feed_unchecked(
        ctx,
        caller,
        "airbnb",
        address.address_id,
        f"{ctx.public_url}{DEMO_FEED_PATH}",
        demo_bookings(ctx.clock.now().astimezone(ZoneInfo(DEMO_TIME_ZONE)).date()),
    )
