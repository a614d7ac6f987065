"""Booking feeds: what the rental platforms' iCal exports hold, read into bookings, and
nukiweb's own feed read back as it was written."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nukiweb.domain.bookings import (
    MAX_GUESTS,
    MAX_NAME_LENGTH,
    MAX_REFERENCE_LENGTH,
    Booking,
    FeedError,
    parse_feed,
    render_feed,
)


def feed(*lines: str) -> bytes:
    """An iCal document of these content lines, CRLF-terminated as RFC 5545 has them."""
    return "".join(line + "\r\n" for line in lines).encode()


def calendar(*events: str) -> bytes:
    """A calendar of events written as VEVENT bodies, one content line a line."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN"]
    for event in events:
        lines += ["BEGIN:VEVENT", *event.strip().splitlines(), "END:VEVENT"]
    return feed(*lines, "END:VCALENDAR")


# As Airbnb exports a listing's calendar: all-day events, a reservation's SUMMARY "Reserved"
# and its code in the reservation URL, the host's blocks "Airbnb (Not available)".
AIRBNB = feed(
    "BEGIN:VCALENDAR",
    "PRODID;X-RICAL-TZSOURCE=TZINFO:-//Airbnb Inc//Hosting Calendar 0.8.8//EN",
    "CALSCALE:GREGORIAN",
    "VERSION:2.0",
    "BEGIN:VEVENT",
    "DTEND;VALUE=DATE:20270115",
    "DTSTART;VALUE=DATE:20270112",
    "UID:1418fb94e984-7a3fd5e0bc1c4b0e2c7e64bd4b3b2e5a@airbnb.com",
    "DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/HM",
    " 5ABCDE2FG\\nPhone Number (Last 4 Digits): 4321",
    "SUMMARY:Reserved",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "DTEND;VALUE=DATE:20270201",
    "DTSTART;VALUE=DATE:20270120",
    "UID:1418fb94e984-93b1d2c4f0a64e7a8d2b1c3e4f5a6b7c@airbnb.com",
    "SUMMARY:Airbnb (Not available)",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "DTEND;VALUE=DATE:20270305",
    "DTSTART;VALUE=DATE:20270301",
    "UID:1418fb94e984-0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f@airbnb.com",
    "DESCRIPTION:Reservation URL: https://www.airbnb.de/hosting/reservations/details/HMZZ",
    " 9Y8X7W6\\nPhone Number (Last 4 Digits): 0042",
    "SUMMARY:Reserved",
    "END:VEVENT",
    "END:VCALENDAR",
)


def test_an_airbnb_feed_holds_its_reservations_and_not_its_blocks() -> None:
    assert parse_feed(AIRBNB) == [
        Booking(
            uid="1418fb94e984-7a3fd5e0bc1c4b0e2c7e64bd4b3b2e5a@airbnb.com",
            name="Reserved",
            email=None,
            guests=1,
            reference="HM5ABCDE2FG",
            start_day=date(2027, 1, 12),
            end_day=date(2027, 1, 15),
            canceled=False,
        ),
        Booking(
            uid="1418fb94e984-0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f@airbnb.com",
            name="Reserved",
            email=None,
            guests=1,
            reference="HMZZ9Y8X7W6",
            start_day=date(2027, 3, 1),
            end_day=date(2027, 3, 5),
            canceled=False,
        ),
    ]


# As a channel manager (BookingSync-like) exports bookings: the guest's name as SUMMARY,
# check-in and check-out as date-times in the rental's zone, details in the DESCRIPTION, a
# canceled booking kept with STATUS:CANCELLED, a closed period.
BOOKINGSYNC = feed(
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//BookingSync//Rentals Calendar//EN",
    "X-WR-CALNAME:Sea View Apartment",
    "X-WR-TIMEZONE:Europe/Lisbon",
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Lisbon",
    "BEGIN:STANDARD",
    "DTSTART:19701025T020000",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:19700329T010000",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
    "BEGIN:VEVENT",
    "UID:booking-48213@bookingsync.com",
    "DTSTAMP:20261201T101500Z",
    "DTSTART;TZID=Europe/Lisbon:20270614T160000",
    "DTEND;TZID=Europe/Lisbon:20270621T100000",
    "SUMMARY:  Maria   Gonçalves ",
    "DESCRIPTION:Booking code: BS-48213\\nNumber of guests: 3\\nEmail: maria.goncalves@exampl",
    " e.pt\\nPhone: +351 912 345 678\\nSource: Booking.com",
    "STATUS:CONFIRMED",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:booking-48377@bookingsync.com",
    "DTSTAMP:20261201T101500Z",
    "DTSTART;TZID=Europe/Lisbon:20270701T150000",
    "DTEND;TZID=Europe/Lisbon:20270704T110000",
    "SUMMARY:Jan Novák",
    "ATTENDEE;CN=Jan Novák;ROLE=REQ-PARTICIPANT:MAILTO:jan.novak@example.cz",
    "DESCRIPTION:Guests: 2\\nReference: BS-48377",
    "STATUS:CANCELLED",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:unavailable-9921@bookingsync.com",
    "DTSTAMP:20261201T101500Z",
    "DTSTART;VALUE=DATE:20270801",
    "DTEND;VALUE=DATE:20270810",
    "SUMMARY:CLOSED - Owner stay",
    "END:VEVENT",
    "END:VCALENDAR",
)


def test_a_channel_managers_feed_holds_names_emails_guests_and_references() -> None:
    maria, jan = parse_feed(BOOKINGSYNC)
    assert maria == Booking(
        uid="booking-48213@bookingsync.com",
        name="Maria Gonçalves",
        email="maria.goncalves@example.pt",
        guests=3,
        reference="BS-48213",
        start_day=date(2027, 6, 14),
        end_day=date(2027, 6, 21),
        canceled=False,
    )
    assert jan == Booking(
        uid="booking-48377@bookingsync.com",
        name="Jan Novák",
        email="jan.novak@example.cz",
        guests=2,
        reference="BS-48377",
        start_day=date(2027, 7, 1),
        end_day=date(2027, 7, 4),
        canceled=True,
    )


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("DTSTART;VALUE=DATE:20270301", "DTEND;VALUE=DATE:20270304", (1, 4)),
        ("DTSTART:20270301", "DTEND:20270304", (1, 4)),  # DATE without VALUE=DATE
        ("DTSTART:20270301T150000", "DTEND:20270304T110000", (1, 4)),  # floating
        # UTC: the days in UTC, though the listing may be elsewhere.
        ("DTSTART:20270301T230000Z", "DTEND:20270304T003000Z", (1, 4)),
        # In its own zone: 23:30 in Tokyo is still the 1st there (14:30 UTC).
        (
            "DTSTART;TZID=Asia/Tokyo:20270301T233000",
            "DTEND;TZID=Asia/Tokyo:20270304T010000",
            (1, 4),
        ),
        # A zone the feed names but nobody knows: the day as written.
        ("DTSTART;TZID=Mars/Olympus:20270301T233000", "DTEND:20270304T010000", (1, 4)),
        # Mixed: an all-day start and a timed end.
        ("DTSTART;VALUE=DATE:20270301", "DTEND:20270304T100000Z", (1, 4)),
    ],
)
def test_days_are_the_dates_as_written(start: str, end: str, days: tuple[int, int]) -> None:
    (booking,) = parse_feed(calendar(f"UID:a\n{start}\n{end}\nSUMMARY:Ann"))
    assert (booking.start_day, booking.end_day) == (date(2027, 3, days[0]), date(2027, 3, days[1]))


@pytest.mark.parametrize(
    ("lines", "end_day"),
    [
        ("DTSTART;VALUE=DATE:20270301\nDURATION:P3D", date(2027, 3, 4)),
        ("DTSTART;VALUE=DATE:20270301\nDURATION:P1W", date(2027, 3, 8)),
        ("DTSTART:20270301T150000\nDURATION:P2DT20H", date(2027, 3, 4)),
        ("DTSTART;VALUE=DATE:20270301", date(2027, 3, 2)),  # neither: one day
        ("DTSTART:20270301T150000Z", date(2027, 3, 2)),
    ],
)
def test_without_dtend_the_duration_or_one_day(lines: str, end_day: date) -> None:
    (booking,) = parse_feed(calendar(f"UID:a\n{lines}"))
    assert (booking.start_day, booking.end_day) == (date(2027, 3, 1), end_day)


@pytest.mark.parametrize(
    "lines",
    [
        "DTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270301",  # ends as it starts
        "DTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270228",  # ends before
        "DTSTART:20270301T100000\nDTEND:20270301T180000",  # a day-use slot
        "DTSTART;VALUE=DATE:20270301\nDURATION:PT5H",
        "DTSTART;VALUE=DATE:20270301\nDURATION:-P2D",
        "DTSTART;VALUE=DATE:20270301\nDTEND:soon",  # an end that cannot be read
        "DTSTART;VALUE=DATE:20270301\nDURATION:long",
        "DTEND;VALUE=DATE:20270301",  # no start
        "DTSTART:tomorrow\nDTEND;VALUE=DATE:20270301",
        "DTSTART;VALUE=DATE:99991231",  # one day after it is past the calendar
    ],
)
def test_events_without_days_are_not_bookings(lines: str) -> None:
    assert parse_feed(calendar(f"UID:a\nSUMMARY:Ann\n{lines}")) == []


@pytest.mark.parametrize(
    "summary",
    [
        "Airbnb (Not available)",
        "Not available",
        "NOT AVAILABLE",
        "Blocked",
        "blocked by owner",
        "CLOSED - Not available",
        "Closed",
    ],
)
def test_blocks_are_not_bookings(summary: str) -> None:
    event = f"UID:a\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303\nSUMMARY:{summary}"
    assert parse_feed(calendar(event)) == []


@pytest.mark.parametrize("status", ["CANCELLED", "cancelled", "Cancelled"])
def test_a_cancelled_event_is_a_canceled_booking(status: str) -> None:
    event = f"UID:a\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303\nSTATUS:{status}"
    (booking,) = parse_feed(calendar(event))
    assert booking.canceled


@pytest.mark.parametrize("status", ["CONFIRMED", "TENTATIVE", "nonsense"])
def test_other_statuses_are_bookings(status: str) -> None:
    event = f"UID:a\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303\nSTATUS:{status}"
    (booking,) = parse_feed(calendar(event))
    assert not booking.canceled


DAYS = "DTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303"


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        ("SUMMARY:Ann Lee", "Ann Lee"),
        ("SUMMARY:   ", "Guest"),
        ("", "Guest"),
        ("SUMMARY:Ann\\nLee   Jr.", "Ann Lee Jr."),  # one line
        ("SUMMARY:" + "x" * 150, "x" * MAX_NAME_LENGTH),
        ("SUMMARY:Reserved - Ann Lee", "Reserved - Ann Lee"),  # as Vrbo writes it
    ],
)
def test_the_name_is_the_summary(lines: str, name: str) -> None:
    (booking,) = parse_feed(calendar(f"UID:a\n{DAYS}\n{lines}"))
    assert booking.name == name


@pytest.mark.parametrize(
    ("lines", "email"),
    [
        ("ATTENDEE;CN=Ann:mailto:ann@example.com", "ann@example.com"),
        ("ATTENDEE:MAILTO:ann@example.com", "ann@example.com"),
        ("ATTENDEE:tel:+4312345\nATTENDEE:mailto:ann@example.com", "ann@example.com"),
        ("ATTENDEE:mailto:not-an-address", None),
        ("DESCRIPTION:Phone: 123\\nEmail: ann@example.com", "ann@example.com"),
        ("DESCRIPTION:E-mail:ann@example.com (main)", "ann@example.com"),
        ("ATTENDEE:mailto:a@example.com\nDESCRIPTION:Email: b@example.com", "a@example.com"),
        ("ATTENDEE:mailto:bad\nDESCRIPTION:Email: b@example.com", "b@example.com"),
        ("DESCRIPTION:Email: (hidden)", None),
        ("DESCRIPTION:Write to ann@example.com", None),  # not an Email: line
        ("", None),
    ],
)
def test_the_email_is_an_attendee_or_an_email_line(lines: str, email: str | None) -> None:
    (booking,) = parse_feed(calendar(f"UID:a\n{DAYS}\n{lines}"))
    assert booking.email == email


@pytest.mark.parametrize(
    ("lines", "guests"),
    [
        ("DESCRIPTION:Guests: 4", 4),
        ("DESCRIPTION:Phone: 1\\nNumber of guests: 5", 5),
        ("DESCRIPTION:Number of Guests 6", 6),
        ("X-NUKI-GUESTS:7", 7),
        ("X-NUKI-GUESTS:7\nDESCRIPTION:Guests: 4", 7),
        ("X-NUKI-GUESTS:many\nDESCRIPTION:Guests: 4", 4),
        ("DESCRIPTION:Guests: 0", 1),
        ("DESCRIPTION:Guests: 100000", 1),
        ("DESCRIPTION:Guests: two", 1),
        ("", 1),
    ],
)
def test_guests_come_from_the_description_or_x_nuki_guests(lines: str, guests: int) -> None:
    (booking,) = parse_feed(calendar(f"UID:a\n{DAYS}\n{lines}"))
    assert booking.guests == guests


@pytest.mark.parametrize(
    ("lines", "reference"),
    [
        (
            (
                "DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/"
                "details/HMABC123\\nPhone Number (Last 4 Digits): 1234"
            ),
            "HMABC123",
        ),
        ("DESCRIPTION:Reference: 4711-A", "4711-A"),
        ("DESCRIPTION:Guests: 2\\nBooking code:  BX 99 ", "BX 99"),
        ("DESCRIPTION:Reference: " + "r" * 150, "r" * MAX_REFERENCE_LENGTH),
        ("DESCRIPTION:Reference:   ", None),
        ("DESCRIPTION:See https://example.com/booking/77", None),
        ("", None),
    ],
)
def test_the_reference_is_airbnbs_code_or_a_reference_line(
    lines: str, reference: str | None
) -> None:
    (booking,) = parse_feed(calendar(f"UID:a\n{DAYS}\n{lines}"))
    assert booking.reference == reference


def test_events_without_a_uid_are_not_bookings() -> None:
    assert parse_feed(calendar(DAYS, f"UID:   \n{DAYS}", f"UID:{'u' * 256}\n{DAYS}")) == []


def test_of_events_with_one_uid_the_last_wins() -> None:
    first = "UID:a\nSUMMARY:Ann\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303"
    other = "UID:b\nSUMMARY:Bob\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303"
    moved = "UID:a\nSUMMARY:Ann Lee\nDTSTART;VALUE=DATE:20270310\nDTEND;VALUE=DATE:20270312"
    bookings = parse_feed(calendar(first, other, moved))
    assert [(b.uid, b.name, b.start_day) for b in bookings] == [
        ("a", "Ann Lee", date(2027, 3, 10)),
        ("b", "Bob", date(2027, 3, 1)),
    ]
    blocked = "UID:a\nSUMMARY:Blocked\nDTSTART;VALUE=DATE:20270310\nDTEND;VALUE=DATE:20270312"
    assert [b.uid for b in parse_feed(calendar(first, other, blocked))] == ["b"]


def test_a_recurring_event_is_read_as_its_first_occurrence() -> None:
    weekly = (
        "UID:r\nSUMMARY:Cleaning crew\nRRULE:FREQ=WEEKLY;COUNT=10\n"
        "DTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270302"
    )
    later = (
        "UID:r\nSUMMARY:Cleaning crew\nRECURRENCE-ID;VALUE=DATE:20270308\n"
        "DTSTART;VALUE=DATE:20270309\nDTEND;VALUE=DATE:20270310"
    )
    ((uid, start, end),) = [
        (b.uid, b.start_day, b.end_day) for b in parse_feed(calendar(weekly, later))
    ]
    assert (uid, start, end) == ("r", date(2027, 3, 1), date(2027, 3, 2))
    first_moved = (
        "UID:r\nSUMMARY:Cleaning crew\nRECURRENCE-ID;VALUE=DATE:20270301\n"
        "DTSTART;VALUE=DATE:20270303\nDTEND;VALUE=DATE:20270304"
    )
    (booking,) = parse_feed(calendar(first_moved, weekly, later))
    assert (booking.start_day, booking.end_day) == (date(2027, 3, 3), date(2027, 3, 4))
    (booking,) = parse_feed(calendar(later, first_moved))  # occurrences only: the earliest
    assert booking.start_day == date(2027, 3, 3)


def test_an_empty_calendar_has_no_bookings() -> None:
    assert parse_feed(calendar()) == []
    assert parse_feed(b"\xef\xbb\xbf" + calendar()) == []  # with a byte order mark


def test_several_calendars_in_one_feed_are_read_together() -> None:
    one = calendar(f"UID:a\n{DAYS}")
    two = calendar(f"UID:b\n{DAYS}")
    assert [b.uid for b in parse_feed(one + two)] == ["a", "b"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n",
        b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Log in</body></html>",
        json.dumps({"error": "not found", "status": 404}).encode(),
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20270301\r\nEND:VEVENT\r\n",
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann Lee\r\nEND:VCARD\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",  # cut off
        b"hello: world\r\n",
    ],
)
def test_what_is_not_an_ical_calendar_is_a_feed_error(data: bytes) -> None:
    with pytest.raises(FeedError) as raised:
        parse_feed(data)
    assert "not an iCal calendar" in raised.value.message


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_any_bytes_are_bookings_or_a_feed_error(data: bytes) -> None:
    with contextlib.suppress(FeedError):
        parse_feed(data)


event_lines = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "UID",
                "DTSTART",
                "DTEND",
                "DURATION",
                "SUMMARY",
                "DESCRIPTION",
                "ATTENDEE",
                "STATUS",
                "RRULE",
                "RECURRENCE-ID",
                "X-NUKI-GUESTS",
            ]
        ),
        st.sampled_from(["", ";VALUE=DATE", ";VALUE=DATE-TIME", ";TZID=Europe/Vienna", ";TZID=X"]),
        st.text(alphabet="0123456789TZPDWHMS-+:/@.ae \\;,", max_size=20),
    ).map(lambda parts: f"{parts[0]}{parts[1]}:{parts[2]}"),
    max_size=12,
)


@settings(max_examples=300)
@given(st.lists(event_lines, max_size=4))
def test_any_events_give_bookings_that_keep_the_rules(events: list[list[str]]) -> None:
    for booking in parse_feed(calendar(*("\n".join(lines) for lines in events))):
        assert booking.uid
        assert booking.start_day < booking.end_day
        assert 0 < len(booking.name) <= MAX_NAME_LENGTH
        assert booking.reference is None or 0 < len(booking.reference) <= MAX_REFERENCE_LENGTH
        assert 1 <= booking.guests <= MAX_GUESTS


def one_line(max_size: int) -> st.SearchStrategy[str]:
    """Text as a name or reference is kept: on one line, no control characters, stripped."""
    return st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=max_size)


def kept(text: str) -> bool:
    return text == " ".join(text.split()) and bool(text)


names = (
    one_line(MAX_NAME_LENGTH)
    .filter(kept)
    .filter(
        lambda name: (
            not any(word in name.lower() for word in ("not available", "blocked", "closed"))
        )
    )
)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def bookings(draw: st.DrawFn) -> Booking:
    start = draw(days)
    return Booking(
        uid=draw(one_line(255).filter(kept)),
        name=draw(names),
        email=draw(st.none() | st.emails().filter(lambda e: len(e) <= 254)),
        guests=draw(st.integers(1, 1000)),
        reference=draw(st.none() | one_line(MAX_REFERENCE_LENGTH).filter(kept)),
        start_day=start,
        end_day=draw(
            st.dates(min_value=start, max_value=date(2101, 1, 1)).filter(lambda d: d > start)
        ),
        canceled=draw(st.booleans()),
    )


@settings(max_examples=150)
@given(st.lists(bookings(), max_size=5, unique_by=lambda b: b.uid), st.text(max_size=50))
def test_a_rendered_feed_reads_back_as_its_bookings(written: list[Booking], name: str) -> None:
    assert parse_feed(render_feed(written, name)) == written


def test_a_rendered_feed_is_a_calendar_of_all_day_events() -> None:
    booking = Booking(
        uid="r1@nukiweb",
        name="Ann Lee",
        email="ann@example.com",
        guests=2,
        reference="HMX1",
        start_day=date(2027, 3, 1),
        end_day=date(2027, 3, 4),
        canceled=True,
    )
    written = render_feed([booking], "Flat 3", stamp=datetime(2027, 2, 1, 9, tzinfo=UTC))
    lines = written.decode().split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    for line in (
        "X-WR-CALNAME:Flat 3",
        "DTSTART;VALUE=DATE:20270301",
        "DTEND;VALUE=DATE:20270304",
        "DTSTAMP:20270201T090000Z",
        "STATUS:CANCELLED",
        "ATTENDEE:mailto:ann@example.com",
        "X-NUKI-GUESTS:2",
        "DESCRIPTION:Guests: 2\\nReference: HMX1",
    ):
        assert line in lines
    assert parse_feed(written) == [booking]
    assert render_feed([booking], "Flat 3") == render_feed([booking], "Flat 3")  # stable


def test_text_with_backslashes_reads_back_as_written() -> None:
    # icalendar would write a backslash and an "N" as a line break.
    booking = Booking(
        uid="a\\Nb;c,d",
        name="\\N \\n \\\\ ; ,",
        email=None,
        guests=1,
        reference="R\\N1",
        start_day=date(2027, 3, 1),
        end_day=date(2027, 3, 2),
        canceled=False,
    )
    assert parse_feed(render_feed([booking], "a\\Nb")) == [booking]
