"""Bookings as rental platforms export them: iCal feeds read into ``Booking`` and written back.

Every major rental platform (Airbnb, BookingSync, Booking.com, Vrbo, ...) exports a listing's
calendar as an iCal feed (RFC 5545), one VEVENT a booking or a blocked period. What they put in
it differs; the rules below read what they have in common.

- A booking is a VEVENT with a UID (at most ``MAX_UID_LENGTH`` characters, as the store keeps
  it) and a DTSTART. Its days are the dates of DTSTART and DTEND as written: all-day values
  (DATE, the usual: DTEND is the departure day) as they are, date-times (DATE-TIME) in their own
  zone, since that is the listing's. Without DTEND, DURATION says how long it is, else one day.
  An event whose end day is not after its start day (a day-use slot, a broken event) is not a
  booking.
- Blocks are not bookings: Airbnb writes "Airbnb (Not available)", others "Blocked" or
  "Closed" as the SUMMARY of the periods a host closed.
- ``STATUS:CANCELLED`` is a canceled booking (feeds that drop canceled events instead say so by
  the event's absence: the caller compares).
- The guest's name is the SUMMARY (Airbnb writes only "Reserved"; nukiweb keeps that rather than
  invent a name), the email the first ``mailto:`` ATTENDEE or an "Email:" line of the
  DESCRIPTION, the number of guests nukiweb's own ``X-NUKI-GUESTS`` or a "Guests:" / "Number of
  guests:" line, the reference Airbnb's reservation code (from the "Reservation URL" it puts in
  the DESCRIPTION) or a "Reference:" / "Booking code:" line.
- A recurring event (RRULE) is no booking a platform exports; its first occurrence is read as
  one, and the occurrences it overrides (RECURRENCE-ID) are passed, but one that overrides that
  first occurrence.
- Of events with one UID, the last one wins: if it is not a booking, the UID has none.

A feed that icalendar cannot read, or that is not a VCALENDAR, is a ``FeedError``.
``render_feed`` writes bookings so that ``parse_feed`` reads them back as they were; nukiweb's
demo serves its own feed with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

import icalendar
from icalendar.prop import vCalAddress, vDDDTypes, vText

from nukiweb.domain.accounts import check_email
from nukiweb.domain.errors import InvalidParameter

MAX_NAME_LENGTH: Final = 100  # reservations.name
MAX_REFERENCE_LENGTH: Final = 100  # reservations.reference
MAX_UID_LENGTH: Final = 255  # reservations.uid
MAX_GUESTS: Final = 1000  # a larger count is a typo or a joke: the default is read instead
DEFAULT_NAME: Final = "Guest"
GUESTS_PROPERTY: Final = "X-NUKI-GUESTS"
PRODUCT_ID: Final = "-//nukiweb//Booking feed//EN"

_BLOCKED = re.compile(r"not available|blocked|closed", re.IGNORECASE)
_EMAIL_LINE = re.compile(r"^\s*e-?mail\s*:\s*(\S+)", re.IGNORECASE)
_GUESTS_LINE = re.compile(r"^\s*(?:number of guests|guests)\s*:?\s*(\d{1,6})\b", re.IGNORECASE)
_REFERENCE_LINE = re.compile(r"^\s*(?:reference|booking code)\s*:\s*(.+)$", re.IGNORECASE)
_AIRBNB_RESERVATION = re.compile(
    r"airbnb\.[a-z.]+/hosting/reservations/details/([A-Za-z0-9]+)", re.IGNORECASE
)
_MAILTO = "mailto:"


class FeedError(Exception):
    """A booking feed that cannot be had or read; ``message`` says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Booking:
    uid: str
    name: str
    email: str | None
    guests: int
    reference: str | None
    start_day: date  # the arrival day
    end_day: date  # the departure day, after start_day
    canceled: bool


def parse_feed(data: bytes) -> list[Booking]:
    """The bookings of an iCal feed, in the order of their UIDs' first events."""
    calendars = _calendars(data)
    events: dict[str, list[Any]] = {}
    for calendar in calendars:
        for event in calendar.walk("VEVENT"):
            uid = _text(event.get("UID"))
            if uid and len(uid) <= MAX_UID_LENGTH:
                events.setdefault(uid, []).append(event)
    bookings = (_booking(uid, _first_occurrence(same)) for uid, same in events.items())
    return [booking for booking in bookings if booking is not None]


def render_feed(bookings: Iterable[Booking], name: str, *, stamp: datetime | None = None) -> bytes:
    """An iCal calendar named ``name`` with one all-day VEVENT a booking, which ``parse_feed``
    reads back as the same bookings (given names that are not block words). ``stamp`` is when
    it was made (DTSTAMP); without it, each event's start day, so that the same bookings always
    give the same bytes."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODUCT_ID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("X-WR-CALNAME", _Text(name))
    for booking in bookings:
        event = icalendar.Event()
        event.add("UID", _Text(booking.uid))
        event.add("DTSTAMP", stamp or datetime.combine(booking.start_day, time(), UTC))
        event.add("DTSTART", booking.start_day)
        event.add("DTEND", booking.end_day)
        event.add("SUMMARY", _Text(booking.name))
        event.add("STATUS", "CANCELLED" if booking.canceled else "CONFIRMED")
        event.add("TRANSP", "OPAQUE")
        if booking.email is not None:
            event.add("ATTENDEE", vCalAddress(_MAILTO + booking.email))
        event.add(GUESTS_PROPERTY, str(booking.guests))
        lines = [f"Guests: {booking.guests}"]
        if booking.reference is not None:
            lines.append(f"Reference: {booking.reference}")
        event.add("DESCRIPTION", _Text("\n".join(lines)))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


class _Text(vText):
    """A TEXT value escaped as RFC 5545 says. icalendar's own escaping takes a backslash and
    an "N" in the text for a line break (``\\N``, the escape of one): a guest called "\\N"
    would come back as "Guest"."""

    def to_ical(self) -> bytes:
        escaped = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n").encode()


def _calendars(data: bytes) -> list[Any]:
    try:
        components = icalendar.Calendar.from_ical(data, multiple=True)
    # icalendar reads text it was not made for (HTML, JSON, binary) with any of these.
    except (ValueError, IndexError, KeyError, TypeError, UnicodeError, RecursionError):
        components = []
    if not components or any(c.name != "VCALENDAR" for c in components):
        raise FeedError(
            "The feed is not an iCal calendar (BEGIN:VCALENDAR ... END:VCALENDAR): check "
            "that its URL is the listing's calendar export (iCal) link."
        )
    return list(components)


def _first_occurrence(events: list[Any]) -> Any:
    """Of the events of one UID, the one that stands for it: the last one without a
    RECURRENCE-ID (or the last one that overrides its first occurrence), or, when all of them
    are occurrences of an event the feed does not hold, the earliest of those."""
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if not masters:
        return min(reversed(events), key=lambda e: _sort_key(_day(e.get("RECURRENCE-ID"))))
    master = masters[-1]
    start = _value(master.get("DTSTART"))
    overrides = [
        e for e in events if "RECURRENCE-ID" in e and _value(e.get("RECURRENCE-ID")) == start
    ]
    return overrides[-1] if start is not None and overrides else master


def _booking(uid: str, event: Any) -> Booking | None:
    days = _days(event)
    summary = _text(event.get("SUMMARY"))
    if days is None or _BLOCKED.search(summary):
        return None
    description = _text(event.get("DESCRIPTION")).splitlines()
    return Booking(
        uid=uid,
        name=_one_line(summary, MAX_NAME_LENGTH) or DEFAULT_NAME,
        email=_email(event.get("ATTENDEE"), description),
        guests=_guests(event.get(GUESTS_PROPERTY), description),
        reference=_reference(description),
        start_day=days[0],
        end_day=days[1],
        canceled=_text(event.get("STATUS")).upper() == "CANCELLED",
    )


def _days(event: Any) -> tuple[date, date] | None:
    """The arrival and departure days, or None if the event has none that can be read (an
    end that is there but unreadable is not guessed)."""
    start = _day(event.get("DTSTART"))
    if start is None:
        return None
    if "DTEND" in event:
        end = _day(event.get("DTEND"))
    elif "DURATION" in event:
        end = _end_after(_value(event.get("DTSTART")), _value(event.get("DURATION")))
    else:
        end = _end_after(start, timedelta(days=1))
    if end is None or end <= start:
        return None
    return start, end


def _end_after(start: Any, duration: Any) -> date | None:
    if not isinstance(duration, timedelta):
        return None
    try:
        return _as_day(start + duration)
    except OverflowError:
        return None


def _value(prop: Any) -> Any:
    """The value of a date, date-time or duration property, or None if it is not one."""
    return prop.dt if isinstance(prop, vDDDTypes) else None


def _day(prop: Any) -> date | None:
    return _as_day(_value(prop))


def _as_day(value: Any) -> date | None:
    # A datetime's date is the day as written: in its own zone, or floating.
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _sort_key(day: date | None) -> date:
    return date.max if day is None else day


def _text(prop: Any) -> str:
    """A text property's value (the first one, if it is given more than once), stripped; ""
    when there is none."""
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    return str(prop).strip() if isinstance(prop, str) else ""


def _one_line(text: str, limit: int) -> str:
    """``text`` on one line: whitespace runs as one space, no control characters, at most
    ``limit`` characters."""
    printable = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    return " ".join(printable.split())[:limit].rstrip()


def _email(attendees: Any, description: list[str]) -> str | None:
    addresses = attendees if isinstance(attendees, list) else [attendees]
    candidates = [
        str(a)[len(_MAILTO) :]
        for a in addresses
        if isinstance(a, str) and str(a)[: len(_MAILTO)].lower() == _MAILTO
    ]
    candidates += [m.group(1) for line in description if (m := _EMAIL_LINE.match(line))]
    for candidate in candidates:
        try:
            return check_email(candidate)
        except InvalidParameter:
            continue
    return None


def _guests(prop: Any, description: list[str]) -> int:
    candidates = [str(prop).strip()] if isinstance(prop, str | int) else []
    candidates += [m.group(1) for line in description if (m := _GUESTS_LINE.match(line))]
    for candidate in candidates:
        if candidate.isascii() and candidate.isdigit() and 1 <= int(candidate) <= MAX_GUESTS:
            return int(candidate)
    return 1


def _reference(description: list[str]) -> str | None:
    for line in description:
        if found := _AIRBNB_RESERVATION.search(line):
            return found.group(1)[:MAX_REFERENCE_LENGTH]
    for line in description:
        if found := _REFERENCE_LINE.match(line):
            reference = _one_line(found.group(1), MAX_REFERENCE_LENGTH)
            if reference:
                return reference
    return None
