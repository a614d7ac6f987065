"""The demo account that ``nukiweb serve --demo`` creates (once) and hands a fresh token, and
the example partner companies it starts with.

The account tells a story: two people with app authorizations (Anna Berger, Ben Okafor; Ben
also has a fob), keypad codes (a cleaner's, weekdays 08:00-18:00 UTC only, and the family's),
auto-lock on the back door, and the last few days of the doors' use in the activity log. That
history is not written as rows: it is played, through the same services the simulator control
API calls, on simulated hardware of its own whose manual clock starts days ago, so every entry
is what the devices and the authorizations' rules made of it (a cleaner at the door on a
weekend or in the evening is refused)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from nukiweb.bridges.simulated import SimulationSpeed
from nukiweb.domain.authorizations import AuthType
from nukiweb.domain.bookings import Booking, render_feed
from nukiweb.domain.devices import LockAction, OpenerAction
from nukiweb.domain.errors import NotFound
from nukiweb.domain.identity import Caller, acting_for
from nukiweb.domain.smartlocks import Device
from nukiweb.runtime import build_context
from nukiweb.services import (
    account_users,
    accounts,
    addresses,
    api_keys,
    authorizations,
    booking_services,
    companies,
    intercoms,
    simulator,
    smartlocks,
    subscriptions,
)
from nukiweb.services.authorizations import NewAuthorization
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
DEMO_USERS = (("Anna Berger", "anna.berger@example.com"), ("Ben Okafor", "ben.okafor@example.com"))
CLEANER_CODE = 246813  # Front door, weekdays 08:00-18:00 (UTC, as the device evaluates it)
FAMILY_CODE = 357924  # Back door, any time
MISTYPED_CODE = 999999  # a code no device holds
WEEKDAYS = 64 | 32 | 16 | 8 | 4  # allowedWeekDays: Monday to Friday
CLEANING_HOURS = (8 * 60, 18 * 60)  # allowedFromTime, allowedUntilTime: minutes of the day
HISTORY_DAYS = 4  # the story starts this many days before the first start


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
        past = _past_simulation(ctx)
        devices = [
            smartlocks.add_device(past, account.account_id, device_type, name)
            for device_type, name in enumerate(DEMO_DEVICE_NAMES)
        ]
        _play_history(past, acting_for(account.account_id, "nukiweb demo"), DemoDevices(*devices))
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


# --- the story of the last few days ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoDevices:
    """The demo's devices, one of each type in type order (``DEMO_DEVICE_NAMES``)."""

    front: Device
    garden_box: Device
    entrance: Device
    office: Device
    back: Device


def _past_simulation(ctx: ServiceContext) -> ServiceContext:
    """Simulated hardware of its own on the same store, moving as fast as the server's, whose
    manual clock starts ``HISTORY_DAYS`` days ago: the demo's past is played on it."""
    speed = SimulationSpeed() if ctx.simulation is None else ctx.simulation.bridges.speed
    return build_context(
        ctx.db,
        speed=speed,
        manual_clock=True,
        start=ctx.clock.now() - timedelta(days=HISTORY_DAYS),
        secrets=ctx.secrets,
        public_url=ctx.public_url,
        limits=ctx.limits,
    )


def _play_history(past: ServiceContext, caller: Caller, devices: DemoDevices) -> None:
    """The people, their authorizations, and three days of the doors' use, each step at its
    time of day on the past's clock; what is still moving at the end finishes."""
    assert past.simulation is not None
    assert past.simulation.manual is not None
    manual = past.simulation.manual
    anna, ben = (
        account_users.create_user(past, caller, email, name, "en", None).account_user_id
        for name, email in DEMO_USERS
    )

    def grant(device: Device, new: NewAuthorization) -> str:
        return authorizations.create(past, caller, [device.smartlock_id], new)[0].id

    def app(user: int, name: str, *, remote: bool) -> NewAuthorization:
        return NewAuthorization(name=name, remote_allowed=remote, account_user_id=user)

    anna_front = grant(devices.front, app(anna, "Anna Berger", remote=True))
    anna_entrance = grant(devices.entrance, app(anna, "Anna Berger", remote=True))
    anna_office = grant(devices.office, app(anna, "Anna Berger", remote=True))
    ben_front = grant(devices.front, app(ben, "Ben Okafor", remote=False))
    fob = NewAuthorization(
        "Ben's fob", remote_allowed=False, type=AuthType.FOB, account_user_id=ben
    )
    ben_fob = grant(devices.back, fob)
    cleaner = NewAuthorization(
        "Cleaner",
        remote_allowed=False,
        type=AuthType.KEYPAD_CODE,
        code=CLEANER_CODE,
        allowed_week_days=WEEKDAYS,
        allowed_from_time=CLEANING_HOURS[0],
        allowed_until_time=CLEANING_HOURS[1],
    )
    grant(devices.front, cleaner)
    family = NewAuthorization(
        "Family", remote_allowed=False, type=AuthType.KEYPAD_CODE, code=FAMILY_CODE
    )
    grant(devices.back, family)
    back = devices.back.smartlock_id
    smartlocks.update_config_block(past, caller, back, "advanced_config", {"autoLock": True})
    manual.advance(1)  # the devices confirm the authorizations

    front, office = devices.front.smartlock_id, devices.office.smartlock_id
    entrance, box = devices.entrance.smartlock_id, devices.garden_box.smartlock_id
    unlock, lock = int(LockAction.UNLOCK), int(LockAction.LOCK)
    opens = int(OpenerAction.ELECTRIC_STRIKE_ACTUATION)
    use = partial(simulator.operate_as, past, caller)
    code = partial(simulator.enter_code, past, caller)
    steps: list[tuple[int, str, Callable[[], None]]] = [
        (1, "07:40", partial(use, front, anna_front, unlock, remote=False)),
        (1, "07:42", partial(use, front, anna_front, lock, remote=False)),
        (1, "08:15", partial(simulator.ring, past, caller, entrance)),
        (1, "08:16", partial(use, entrance, anna_entrance, opens, remote=False)),
        (1, "09:05", partial(code, front, CLEANER_CODE)),
        (1, "11:30", partial(simulator.turn_by_hand, past, caller, front, lock)),
        (1, "18:30", partial(use, back, ben_fob, unlock, remote=False)),  # auto-locks
        (2, "08:30", partial(use, office, anna_office, unlock, remote=False)),
        (2, "12:00", partial(code, front, MISTYPED_CODE)),
        (2, "17:50", partial(use, office, anna_office, lock, remote=True)),
        (2, "19:40", partial(code, front, CLEANER_CODE)),  # outside the cleaner's hours
        (2, "20:15", partial(code, back, FAMILY_CODE)),  # auto-locks
        (3, "07:55", partial(use, front, ben_front, unlock, remote=False)),
        (3, "07:56", partial(simulator.turn_by_hand, past, caller, front, lock)),
        (3, "09:05", partial(code, front, CLEANER_CODE)),
        (3, "12:30", partial(use, front, anna_front, lock, remote=True)),
        (3, "17:00", partial(simulator.press_button, past, caller, box, 1)),
    ]
    first_day = past.clock.now().date()
    for day, at, step in steps:
        when = datetime.combine(first_day + timedelta(days=day), time.fromisoformat(at), UTC)
        manual.advance((when - past.clock.now()).total_seconds())
        step()
    manual.advance(3600)
