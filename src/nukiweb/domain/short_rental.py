"""Short rental: addresses, their reservations, and when a guest's access begins and ends.

A reservation names days (arrival, departure); an address says at what local time guests
check in and out, in its IANA time zone. Access runs from the check-in instant to the check-out
instant, computed in that zone for each day, so a daylight-saving change between booking and
stay moves nothing a guest sees on the clock. Automation issues access ``ISSUE_AHEAD`` before
check-in and revokes it at check-out or when the booking is cancelled.
"""

from __future__ import annotations

import secrets
from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nukiweb.domain.authorizations import KEYPAD_CODE_LENGTH, check_keypad_code
from nukiweb.domain.errors import InvalidParameter

MINUTES_PER_DAY = 24 * 60
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_CHECK_IN_TIME = 15 * 60  # 15:00, the platforms' usual default
DEFAULT_CHECK_OUT_TIME = 11 * 60  # 11:00
MAX_NAME_LENGTH = 100
MAX_SMARTLOCKS = 100
MAX_TIME_ZONE_LENGTH = 64  # the store's column
# How long before check-in a guest's access is issued: early enough for the guest to receive
# the code on the way, and for a device that is offline to come back before it is needed.
ISSUE_AHEAD = timedelta(days=1)
# Trying again a device that could not be reached: first after RETRY_FIRST, doubling.
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(hours=1)
# The name of the authorizations a reservation issues (a device stores 32 characters).
AUTHORIZATION_NAME_LENGTH = 32


class ReservationState(StrEnum):
    ACCEPTED = "accepted"
    CANCELED = "canceled"


class Automation(IntEnum):
    """``AddressReservation.automation``: who decides whether the guest has access."""

    AUTOMATIC = 0  # issued ahead of check-in, revoked at check-out or cancellation
    ISSUED_BY_HAND = 1  # issued now (``issue``), revoked at check-out or cancellation
    REVOKED_BY_HAND = 2  # revoked (``revoke``) and not issued again unless ``issue``


@dataclass(frozen=True, slots=True)
class Address:
    address_id: int
    account_id: int
    name: str
    smartlock_ids: tuple[int, ...]
    time_zone: str
    check_in_time: int
    check_out_time: int
    settings: dict[str, Any] | None
    service_id: str | None
    creation_date: datetime
    update_date: datetime


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    account_id: int
    address_id: int
    uid: str
    service_id: str | None
    name: str
    email: str | None
    guests: int
    reference: str | None
    state: ReservationState
    start_day: date
    end_day: date
    check_in_time: int | None
    check_out_time: int | None
    automation: Automation
    access_error: str | None
    update_date: datetime

    @property
    def has_custom_access_times(self) -> bool:
        return self.check_in_time is not None or self.check_out_time is not None


# --- checks ----------------------------------------------------------------------------------


def check_address_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME_LENGTH:
        raise InvalidParameter("name", name, f"A name has 1 to {MAX_NAME_LENGTH} characters.")
    return name.strip()


def check_smartlock_ids(smartlock_ids: object) -> tuple[int, ...]:
    """Distinct ids, in the order given; the caller checks they are the account's."""
    if not isinstance(smartlock_ids, list) or len(smartlock_ids) > MAX_SMARTLOCKS:
        raise InvalidParameter(
            "smartlockIds", smartlock_ids, f"A list of at most {MAX_SMARTLOCKS} smartlock ids."
        )
    for smartlock_id in smartlock_ids:
        if not isinstance(smartlock_id, int) or isinstance(smartlock_id, bool):
            raise InvalidParameter("smartlockIds", smartlock_ids, "Smartlock ids are integers.")
    return tuple(dict.fromkeys(smartlock_ids))


def check_time_zone(time_zone: object) -> str:
    """An IANA time zone name, e.g. ``Europe/Vienna``."""
    if not isinstance(time_zone, str) or not 0 < len(time_zone) <= MAX_TIME_ZONE_LENGTH:
        raise InvalidParameter("timeZone", time_zone, "An IANA time zone, e.g. Europe/Vienna.")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameter(
            "timeZone", time_zone, "An IANA time zone, e.g. Europe/Vienna."
        ) from None
    return time_zone


def check_minutes(parameter: str, minutes: object) -> int:
    """A time of day in minutes after midnight."""
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not 0 <= minutes < MINUTES_PER_DAY
    ):
        raise InvalidParameter(parameter, minutes, "Minutes after midnight, 0 to 1439.")
    return minutes


def check_settings(settings: object) -> dict[str, Any] | None:
    """An object whose values are objects (the spec's ``settings``), or none."""
    if settings is None:
        return None
    if not isinstance(settings, Mapping) or not all(
        isinstance(key, str) and isinstance(value, Mapping) for key, value in settings.items()
    ):
        raise InvalidParameter("settings", settings, "An object whose values are objects.")
    return dict(settings)


# --- access windows --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessWindow:
    """From check-in to check-out, as aware UTC instants."""

    starts: datetime
    ends: datetime


def local_instant(day: date, minutes: int, time_zone: str) -> datetime:
    """``day`` at ``minutes`` after midnight on the wall clocks of ``time_zone``, in UTC.

    A wall time skipped by a daylight-saving change (02:30 on the spring-forward night) is
    taken with the offset before the change, i.e. it falls an hour later on the clock — when
    the guest can arrive at the earliest; a repeated one (the autumn night) is its first
    occurrence."""
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), ZoneInfo(time_zone))
    return wall.astimezone(UTC)


def access_window(reservation: Reservation, address: Address) -> AccessWindow:
    check_in = reservation.check_in_time
    check_out = reservation.check_out_time
    return AccessWindow(
        starts=local_instant(
            reservation.start_day,
            address.check_in_time if check_in is None else check_in,
            address.time_zone,
        ),
        ends=local_instant(
            reservation.end_day,
            address.check_out_time if check_out is None else check_out,
            address.time_zone,
        ),
    )


def check_access_times(check_in: object, check_out: object) -> tuple[int | None, int | None]:
    """New custom access times (``None``: the address's). A stay spans at least a night
    (bookings end on a later day than they start), so any two times make a window."""
    return (
        None if check_in is None else check_minutes("checkInTime", check_in),
        None if check_out is None else check_minutes("checkOutTime", check_out),
    )


# --- automation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessPlan:
    """Whether the guest should hold access now, and when to look again (``None``: never)."""

    issued: bool
    next_check: datetime | None


def plan_access(reservation: Reservation, window: AccessWindow, now: datetime) -> AccessPlan:
    if (
        reservation.state is ReservationState.CANCELED
        or reservation.automation is Automation.REVOKED_BY_HAND
        or now >= window.ends
    ):
        return AccessPlan(issued=False, next_check=None)
    issue_at = window.starts - ISSUE_AHEAD
    if reservation.automation is Automation.ISSUED_BY_HAND or now >= issue_at:
        return AccessPlan(issued=True, next_check=window.ends)
    return AccessPlan(issued=False, next_check=issue_at)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before trying a device again after ``attempts`` failed tries: 30 s,
    doubling, at most an hour."""
    doubled: timedelta = RETRY_FIRST * 2 ** min(attempts, 10)
    return min(doubled, RETRY_LONGEST)


def new_keypad_code(taken: Container[int]) -> int:
    """A random code the keypad accepts (6 digits 1-9, not starting with 12) that is not in
    ``taken``: with 531,441 codes and at most a few hundred on a device, a few draws do."""
    while True:
        digits = "".join(secrets.choice("123456789") for _ in range(KEYPAD_CODE_LENGTH))
        if digits.startswith("12"):
            continue
        code = check_keypad_code(digits)
        if code not in taken:
            return code


def authorization_name(reservation: Reservation) -> str:
    """The name the reservation's authorizations carry on the devices."""
    return reservation.name.strip()[:AUTHORIZATION_NAME_LENGTH].strip() or "Guest"


# --- booking services ------------------------------------------------------------------------

# The vendor's service ids (``Address.serviceId``): nukiweb links each to a listing's iCal export
# feed, which both platforms offer, instead of the platform's partner API.
BOOKING_SERVICES: Mapping[str, str] = MappingProxyType(
    {"airbnb": "Airbnb", "bookingsync": "BookingSync"}
)


def check_service_id(service_id: object) -> str:
    if service_id not in BOOKING_SERVICES:
        raise InvalidParameter(
            "serviceId", service_id, f"One of: {', '.join(sorted(BOOKING_SERVICES))}."
        )
    assert isinstance(service_id, str)
    return service_id
