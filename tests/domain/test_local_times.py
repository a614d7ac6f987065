"""Time windows entered and shown in a browser's time zone: dates through the zone's rules, the
daily window through the browser's offset, week days moving with an opening time that crosses
midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nukiweb.domain.authorizations import TimeWindow, allows
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.local_times import (
    DailyWindow,
    check_offset,
    clock_text,
    daily_window_at,
    daily_window_to_utc,
    local_datetime_text,
    parse_clock,
    parse_local_datetime,
)

VIENNA = ZoneInfo("Europe/Vienna")
MON, TUE, WED, SAT, SUN = 64, 32, 16, 2, 1


def test_a_local_date_is_read_with_the_zones_daylight_saving() -> None:
    winter = parse_local_datetime("from", "2026-01-15T08:00", VIENNA)
    summer = parse_local_datetime("from", "2026-07-15T08:00:00", VIENNA)
    assert winter == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert summer == datetime(2026, 7, 15, 6, 0, tzinfo=UTC)
    assert local_datetime_text(summer, VIENNA) == "2026-07-15T08:00"
    assert local_datetime_text(summer, UTC) == "2026-07-15T06:00"
    assert parse_local_datetime("from", " ", VIENNA) is None
    assert local_datetime_text(None, VIENNA) == ""


@pytest.mark.parametrize("text", ["2026-01-15", "15.01.2026 08:00", "2026-13-01T08:00", "x" * 60])
def test_a_malformed_date_is_refused_by_name(text: str) -> None:
    with pytest.raises(InvalidParameter, match="'allowedFromDate'"):
        parse_local_datetime("allowedFromDate", text, VIENNA)


def test_clock_values() -> None:
    assert parse_clock("t", "08:30") == 510
    assert parse_clock("t", "23:59:00") == 1439
    assert parse_clock("t", "") is None
    assert clock_text(510) == "08:30"
    assert clock_text(None) == ""
    for bad in ("24:00", "8:30", "08:60", "noon"):
        with pytest.raises(InvalidParameter):
            parse_clock("t", bad)


def test_offsets_beyond_any_zone_are_refused() -> None:
    assert check_offset(timedelta(hours=-12)) == timedelta(hours=-12)
    with pytest.raises(InvalidParameter, match="tz_offset"):
        check_offset(timedelta(hours=15))
    with pytest.raises(InvalidParameter):
        check_offset(timedelta(seconds=30))


def test_a_vienna_morning_is_an_earlier_utc_morning_on_the_same_days() -> None:
    entered = DailyWindow(MON | WED, 8 * 60, 17 * 60)
    stored = daily_window_to_utc(entered, timedelta(hours=1))
    assert stored == DailyWindow(MON | WED, 7 * 60, 16 * 60)
    assert daily_window_at(stored, timedelta(hours=1)) == entered


def test_an_opening_before_utc_midnight_moves_the_days_back() -> None:
    """00:30 on a Vienna Monday is 23:30 on the UTC Sunday; Sunday wraps to Saturday."""
    stored = daily_window_to_utc(DailyWindow(MON | SUN, 30, 120), timedelta(hours=1))
    assert stored == DailyWindow(SUN | SAT, 23 * 60 + 30, 60)


def test_an_opening_after_utc_midnight_moves_the_days_on() -> None:
    """22:00 on a New York Sunday (UTC-5) is 03:00 on the UTC Monday."""
    stored = daily_window_to_utc(DailyWindow(SUN | TUE, 22 * 60, 23 * 60), timedelta(hours=-5))
    assert stored == DailyWindow(MON | WED, 3 * 60, 4 * 60)


def test_week_days_alone_are_whole_local_days() -> None:
    stored = daily_window_to_utc(DailyWindow(MON), timedelta(hours=1))
    assert stored == DailyWindow(SUN, 23 * 60, 22 * 60 + 59)
    assert daily_window_to_utc(DailyWindow(MON), timedelta(0)) == DailyWindow(MON)
    assert daily_window_to_utc(DailyWindow(127), timedelta(hours=1)) == DailyWindow(127)
    assert daily_window_to_utc(DailyWindow(), timedelta(hours=1)) == DailyWindow()
    equal_times = DailyWindow(MON, 480, 480)  # restrict nothing
    assert daily_window_to_utc(equal_times, timedelta(hours=1)) == stored


def _local_window(window: DailyWindow) -> TimeWindow:
    return TimeWindow(
        allowed_week_days=window.week_days,
        allowed_from_time=window.from_time,
        allowed_until_time=window.until_time,
    )


minutes = st.integers(0, 1439)
START, END = datetime(2026, 1, 1), datetime(2027, 1, 1)  # noqa: DTZ001 - hypothesis's bounds
START, END = datetime(2026, 1, 1), datetime(2027, 1, 1)  # noqa: DTZ001 - hypothesis's bounds


@given(
    days=st.integers(0, 127) | st.none(),
    start=minutes | st.none(),
    end=minutes,
    offset=st.integers(-12 * 60, 14 * 60).map(lambda m: timedelta(minutes=m)),
    at=st.datetimes(START, END, timezones=st.just(UTC)),
)
@example(  # equal times restrict nothing: the days are whole local days
    days=8, start=1439, end=1439, offset=timedelta(minutes=1), at=datetime(2026, 1, 1, tzinfo=UTC)
)
def test_the_stored_window_admits_exactly_when_the_local_one_does(
    days: int | None, start: int | None, end: int, offset: timedelta, at: datetime
) -> None:
    """The devices evaluate the stored window in UTC; the person meant their wall clock."""
    entered = DailyWindow(days, start, None if start is None else end)
    stored = daily_window_to_utc(entered, offset)
    wall_clock = (at + offset).replace(tzinfo=UTC)  # the local time read as if it were UTC
    assert allows(_local_window(stored), at) == allows(_local_window(entered), wall_clock)
    if start != end and (start is not None or days in (None, 0, 127) or not offset):
        assert daily_window_at(stored, offset) == entered
