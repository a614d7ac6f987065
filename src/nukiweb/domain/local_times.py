"""Authorization time windows entered and shown in a person's own time zone.

nukiweb keeps a window as the API carries it and the devices evaluate it (``authorizations.
allows``): ``allowedFromDate``/``allowedUntilDate`` are instants, and ``allowedWeekDays`` with
``allowedFromTime``/``allowedUntilTime`` are days and minutes of the day in UTC. A browser shows
and takes them in its own zone: dates through the zone's rules (daylight saving included), the
daily window through one fixed offset (the browser's at the time, ``offset`` below: local time
minus UTC), the same one the page's script used to show it.

Moving a daily window to another offset moves its opening time, and when that crosses midnight
its week days move with it: a window the devices evaluate opens on the day its opening time
falls on, and its part after midnight belongs to that day (``authorizations._window_day``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

from nukiweb.domain.authorizations import EVERY_DAY, MINUTES_PER_DAY
from nukiweb.domain.errors import InvalidParameter

MAX_OFFSET: Final = timedelta(hours=14)  # the furthest any zone is from UTC (UTC+14, UTC-12)
LAST_MINUTE: Final = MINUTES_PER_DAY - 1
_LOCAL_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})")
_SUNDAY, _MONDAY = 1, 64  # allowedWeekDays: 64 Monday ... 1 Sunday


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """``allowedWeekDays``, ``allowedFromTime`` and ``allowedUntilTime`` in one zone."""

    week_days: int | None = None
    from_time: int | None = None
    until_time: int | None = None


def check_offset(offset: timedelta) -> timedelta:
    """A browser's offset from UTC, whole minutes within the zones there are."""
    if abs(offset) > MAX_OFFSET or offset % timedelta(minutes=1):
        raise InvalidParameter("tz_offset", int(-offset.total_seconds() // 60))
    return offset


def parse_local_datetime(parameter: str, text: str, zone: tzinfo) -> datetime | None:
    """A ``datetime-local`` value (``2026-03-01T08:00``) read in ``zone``, as a UTC instant;
    empty: ``None``."""
    text = text.strip()
    if not text:
        return None
    refused = InvalidParameter(parameter, text[:40], "Expected a date and time.")
    if not _LOCAL_DATETIME.fullmatch(text):
        raise refused
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise refused from None
    return local.replace(tzinfo=zone).astimezone(UTC)


def local_datetime_text(moment: datetime | None, zone: tzinfo) -> str:
    """An instant as a ``datetime-local`` value in ``zone``; ``None``: empty."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def parse_clock(parameter: str, text: str) -> int | None:
    """A ``time`` value (``08:30``) as minutes from midnight; empty: ``None``."""
    text = text.strip()[:8]
    if not text:
        return None
    found = _CLOCK.fullmatch(text[:5]) if len(text) in (5, 8) else None
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:  # noqa: PLR2004 - clock
        raise InvalidParameter(parameter, text, "Expected a time like 08:30.")
    return int(found[1]) * 60 + int(found[2])


def clock_text(minutes: int | None) -> str:
    """Minutes from midnight as a ``time`` value; ``None``: empty."""
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def daily_window_to_utc(window: DailyWindow, offset: timedelta) -> DailyWindow:
    """A daily window entered at ``offset`` as the devices evaluate it, in UTC.

    Week days without times (or with equal ones, which restrict nothing) mean whole local
    days: they become the window 00:00 to 23:59 local, which in UTC crosses midnight (the week
    days alone would name UTC days).
    """
    if window.from_time is not None and window.from_time == window.until_time:
        window = DailyWindow(window.week_days)  # equal times restrict nothing: whole days
    if window.from_time is None and window.until_time is None and _restricts_days(window):
        window = DailyWindow(window.week_days, 0, LAST_MINUTE) if offset else window
    return _shifted(window, -_minutes(check_offset(offset)))


def daily_window_at(window: DailyWindow, offset: timedelta) -> DailyWindow:
    """A daily window the devices evaluate in UTC as seen at ``offset``; week days without
    times stay UTC days."""
    return _shifted(window, _minutes(check_offset(offset)))


def _restricts_days(window: DailyWindow) -> bool:
    return window.week_days not in (None, 0, EVERY_DAY)


def _minutes(offset: timedelta) -> int:
    return int(offset.total_seconds()) // 60


def _shifted(window: DailyWindow, minutes: int) -> DailyWindow:
    """The window with its clock ``minutes`` later; the days follow the opening time."""
    start, end = window.from_time, window.until_time
    if start is None or end is None or start == end or minutes == 0:
        return window
    carried, start = divmod(start + minutes, MINUTES_PER_DAY)
    return DailyWindow(
        _rotated(window.week_days, carried), start, (end + minutes) % MINUTES_PER_DAY
    )


def _rotated(week_days: int | None, days: int) -> int | None:
    """The week days ``days`` later (negative: earlier): Monday's bit becomes Tuesday's."""
    if week_days is None:
        return None
    for _ in range(days % 7):
        # One day later: each bit moves down one place, Sunday's (1) wraps to Monday's (64).
        week_days = (week_days >> 1) | (_MONDAY if week_days & _SUNDAY else 0)
    return week_days
