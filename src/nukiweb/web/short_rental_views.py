"""What the Short rental pages show, and how they read their forms: addresses with their devices
and linked feed, and reservations with their stay in the address's time zone and the access
issued, in words.

The forms send times as ``HH:MM`` (``<input type="time">``) and devices as checked ids; they are
turned into what the services take (minutes after midnight, ids), and the services judge them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from starlette.datastructures import FormData

from nukiweb.domain.device_words import utc_text
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.short_rental import (
    DEFAULT_CHECK_IN_TIME,
    DEFAULT_CHECK_OUT_TIME,
    DEFAULT_TIME_ZONE,
    Address,
    Automation,
    ReservationState,
)
from nukiweb.services.addresses import Unit
from nukiweb.services.booking_services import Service
from nukiweb.services.reservations import ShownReservation
from nukiweb.web.pages import form_text

_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9](\.[0-9]+)?)?")
_NUMBER = re.compile(r"[0-9]{1,19}")
# Longer than any the services accept, so that they refuse a long one rather than the page
# cutting it short.
_FIELD_LENGTH = 1000


@cache
def time_zones() -> list[str]:
    """The IANA time zones, for the time zone field's suggestions."""
    return sorted(available_timezones())


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes_of(parameter: str, text: str) -> int | None:
    """A time of day entered as ``HH:MM`` in minutes after midnight; ``None`` when empty."""
    if not text:
        return None
    found = _CLOCK.fullmatch(text)
    if found is None:
        raise InvalidParameter(parameter, text, "Expected a time of day like 15:00.")
    return int(found.group(1)) * 60 + int(found.group(2))


@dataclass(frozen=True, slots=True)
class AddressForm:
    """The address form as entered, shown again as entered when it is refused."""

    name: str = ""
    smartlock_ids: frozenset[str] = frozenset()
    time_zone: str = DEFAULT_TIME_ZONE
    check_in: str = clock_text(DEFAULT_CHECK_IN_TIME)
    check_out: str = clock_text(DEFAULT_CHECK_OUT_TIME)

    @classmethod
    def of(cls, address: Address) -> AddressForm:
        return cls(
            name=address.name,
            smartlock_ids=frozenset(str(smartlock_id) for smartlock_id in address.smartlock_ids),
            time_zone=address.time_zone,
            check_in=clock_text(address.check_in_time),
            check_out=clock_text(address.check_out_time),
        )

    @classmethod
    def posted(cls, form: FormData) -> AddressForm:
        return cls(
            name=form_text(form, "name", _FIELD_LENGTH),
            smartlock_ids=frozenset(
                value.strip()[:40]
                for value in form.getlist("smartlock_ids")
                if isinstance(value, str)
            ),
            time_zone=form_text(form, "time_zone", _FIELD_LENGTH),
            check_in=form_text(form, "check_in", 40),
            check_out=form_text(form, "check_out", 40),
        )

    def device_ids(self) -> list[int]:
        """The checked devices' ids (whether they are the account's is the service's call)."""
        for text in self.smartlock_ids:
            if not _NUMBER.fullmatch(text):
                raise InvalidParameter("smartlockIds", text, "Smartlock ids are integers.")
        return sorted(int(text) for text in self.smartlock_ids)

    def check_in_time(self) -> int | None:
        return minutes_of("checkInTime", self.check_in)

    def check_out_time(self) -> int | None:
        return minutes_of("checkOutTime", self.check_out)

    def changes(self) -> dict[str, object]:
        """The address's new values, as ``addresses.update_address`` takes them (an empty field
        changes nothing; no device checked leaves the address without devices)."""
        return {
            "name": self.name,
            "smartlockIds": self.device_ids(),
            "timeZone": self.time_zone or None,
            "checkInTime": self.check_in_time(),
            "checkOutTime": self.check_out_time(),
        }


# --- addresses -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedShown:
    """The booking feed linked to an address."""

    service_id: str
    service_name: str
    host: str
    synced: str | None
    sync_error: str | None
    other_addresses: int
    """How many other addresses the service feeds: unlinking it stops theirs too."""


@dataclass(frozen=True, slots=True)
class AddressShown:
    address: Address
    devices: list[str]
    check_in: str
    check_out: str
    feed: FeedShown | None


def feeds_by_address(services: Iterable[Service]) -> dict[int, FeedShown]:
    found: dict[int, FeedShown] = {}
    for service in services:
        for feed in service.feeds:
            found[feed.address_id] = FeedShown(
                service_id=service.id,
                service_name=service.name,
                host=feed.host,
                synced=None if feed.sync_date is None else utc_text(feed.sync_date),
                sync_error=feed.sync_error,
                other_addresses=len(service.feeds) - 1,
            )
    return found


def describe_address(
    address: Address, device_names: Mapping[int, str], feeds: Mapping[int, FeedShown]
) -> AddressShown:
    return AddressShown(
        address=address,
        devices=sorted(
            device_names.get(smartlock_id, str(smartlock_id))
            for smartlock_id in address.smartlock_ids
        ),
        check_in=clock_text(address.check_in_time),
        check_out=clock_text(address.check_out_time),
        feed=feeds.get(address.address_id),
    )


# --- reservations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReservationShown:
    id: str
    name: str
    email: str | None
    guests: int
    check_in: str
    check_out: str
    state: str
    access: list[str]
    access_error: str | None
    stay_over: bool
    custom_check_in: str
    custom_check_out: str


def describe_reservation(
    shown: ShownReservation, address: Address, now: datetime
) -> ReservationShown:
    reservation = shown.reservation
    zone = ZoneInfo(address.time_zone)
    return ReservationShown(
        id=reservation.id,
        name=reservation.name,
        email=reservation.email,
        guests=reservation.guests,
        check_in=shown.window.starts.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        check_out=shown.window.ends.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        state=str(reservation.state),
        access=access_words(shown),
        access_error=reservation.access_error,
        stay_over=reservation.state is ReservationState.CANCELED or shown.window.ends <= now,
        custom_check_in=""
        if reservation.check_in_time is None
        else clock_text(reservation.check_in_time),
        custom_check_out=""
        if reservation.check_out_time is None
        else clock_text(reservation.check_out_time),
    )


def access_words(shown: ShownReservation) -> list[str]:
    """What the guest holds, and what is under way; "none" when nothing is."""
    words = []
    if shown.keypad_issued:
        words.append("keypad code issued")
    if shown.guests_issued:
        words.append("app invite issued")
    if shown.issuing:
        words.append("issuing…")
    if shown.revoking:
        words.append("revoking…")
    if not words and shown.reservation.automation is Automation.REVOKED_BY_HAND:
        words.append("revoked by hand")
    return words or ["none"]


@dataclass(frozen=True, slots=True)
class UnitShown:
    id: str
    name: str
    address_token_id: str
    redeemed: str
    leaving: bool


def describe_unit(unit: Unit) -> UnitShown:
    if unit.redeem_date is None:
        redeemed = "no"
    else:
        result = f" ({unit.redeem_result})" if unit.redeem_result else ""
        redeemed = f"{utc_text(unit.redeem_date)}{result}"
    return UnitShown(
        id=unit.id,
        name=unit.name,
        address_token_id=unit.address_token_id,
        redeemed=redeemed,
        leaving=unit.operation_id is not None,
    )
