"""Short rental's rules: access windows in the address's time zone (daylight saving
included), when automation issues and revokes, keypad codes, and the checks of an address."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain import short_rental as rules
from nukiweb.domain.authorizations import check_keypad_code
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.short_rental import (
    Address,
    Automation,
    Reservation,
    ReservationState,
)

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def address(
    time_zone: str = "Europe/Vienna", check_in: int = 15 * 60, check_out: int = 11 * 60
) -> Address:
    return Address(
        address_id=1,
        account_id=1,
        name="Flat",
        smartlock_ids=(1,),
        time_zone=time_zone,
        check_in_time=check_in,
        check_out_time=check_out,
        settings=None,
        service_id=None,
        creation_date=NOW,
        update_date=NOW,
    )


def reservation(
    start: date = date(2026, 3, 27),
    end: date = date(2026, 3, 30),
    *,
    state: ReservationState = ReservationState.ACCEPTED,
    automation: Automation = Automation.AUTOMATIC,
    check_in: int | None = None,
    check_out: int | None = None,
) -> Reservation:
    return Reservation(
        id="r1",
        account_id=1,
        address_id=1,
        uid="uid-1",
        service_id=None,
        name="Guest",
        email=None,
        guests=2,
        reference=None,
        state=state,
        start_day=start,
        end_day=end,
        check_in_time=check_in,
        check_out_time=check_out,
        automation=automation,
        access_error=None,
        update_date=NOW,
    )


def test_the_window_is_local_to_the_address_across_a_daylight_saving_change() -> None:
    # Vienna moves from +01:00 to +02:00 on 29 March 2026: check-in at 15:00 local before the
    # change is 14:00 UTC, check-out at 11:00 local after it is 09:00 UTC.
    window = rules.access_window(reservation(), address())
    assert window.starts == datetime(2026, 3, 27, 14, 0, tzinfo=UTC)
    assert window.ends == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_a_wall_time_skipped_by_the_change_falls_after_it() -> None:
    # 02:30 does not exist in Vienna on 29 March 2026; taken with the offset before the
    # change, it is 01:30 UTC, which is 03:30 on the clocks.
    starts = rules.local_instant(date(2026, 3, 29), 2 * 60 + 30, "Europe/Vienna")
    assert starts == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_repeated_wall_time_is_its_first_occurrence() -> None:
    # 02:30 happens twice in Vienna on 25 October 2026: first at +02:00.
    starts = rules.local_instant(date(2026, 10, 25), 2 * 60 + 30, "Europe/Vienna")
    assert starts == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_custom_access_times_replace_the_addresses() -> None:
    window = rules.access_window(
        reservation(check_in=8 * 60, check_out=20 * 60), address("America/New_York")
    )
    assert window.starts == datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert window.ends == datetime(2026, 3, 31, 0, 0, tzinfo=UTC)  # 20:00 EDT on the 30th


def test_access_times_are_minutes_of_the_day_or_none() -> None:
    assert rules.check_access_times(600, None) == (600, None)
    assert rules.check_access_times(None, 0) == (None, 0)
    with pytest.raises(InvalidParameter, match="checkInTime"):
        rules.check_access_times(1440, None)
    with pytest.raises(InvalidParameter, match="checkOutTime"):
        rules.check_access_times(None, -1)


@pytest.mark.parametrize(
    ("now", "issued", "next_check"),
    [
        # More than a day before check-in (14:00 UTC on the 27th): not yet, look again then.
        (datetime(2026, 3, 25, 0, 0, tzinfo=UTC), False, datetime(2026, 3, 26, 14, 0, tzinfo=UTC)),
        # Within a day of check-in, and during the stay: issued, look again at check-out.
        (datetime(2026, 3, 26, 14, 0, tzinfo=UTC), True, datetime(2026, 3, 30, 9, 0, tzinfo=UTC)),
        (datetime(2026, 3, 29, 0, 0, tzinfo=UTC), True, datetime(2026, 3, 30, 9, 0, tzinfo=UTC)),
        # From check-out on: revoked, nothing more to do.
        (datetime(2026, 3, 30, 9, 0, tzinfo=UTC), False, None),
    ],
)
def test_automation_issues_a_day_ahead_and_revokes_at_check_out(
    now: datetime, issued: bool, next_check: datetime | None
) -> None:
    booked = reservation()
    plan = rules.plan_access(booked, rules.access_window(booked, address()), now)
    assert (plan.issued, plan.next_check) == (issued, next_check)


def test_by_hand_and_cancellation_override_the_timetable() -> None:
    early = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)
    for automation, state, issued in [
        (Automation.ISSUED_BY_HAND, ReservationState.ACCEPTED, True),
        (Automation.REVOKED_BY_HAND, ReservationState.ACCEPTED, False),
        (Automation.ISSUED_BY_HAND, ReservationState.CANCELED, False),
    ]:
        booked = reservation(automation=automation, state=state)
        assert (
            rules.plan_access(booked, rules.access_window(booked, address()), early).issued
            is issued
        )


@given(st.sets(st.integers(min_value=111111, max_value=999999), max_size=300))
def test_new_keypad_codes_follow_the_keypad_rules_and_avoid_taken_ones(taken: set[int]) -> None:
    code = rules.new_keypad_code(taken)
    assert check_keypad_code(code) == code
    assert code not in taken


def test_retries_back_off_to_an_hour() -> None:
    delays = [rules.retry_delay(attempts) for attempts in range(12)]
    assert delays[0] == timedelta(seconds=30)
    assert delays == sorted(delays)
    assert delays[-1] == timedelta(hours=1)


@pytest.mark.parametrize("time_zone", ["Europe/Vienna", "UTC", "America/Argentina/Buenos_Aires"])
def test_iana_time_zones_are_accepted(time_zone: str) -> None:
    assert rules.check_time_zone(time_zone) == time_zone


@pytest.mark.parametrize(
    "time_zone", ["", "CEST+2", "Mars/Olympus", "../../etc/passwd", 5, None, "x" * 65]
)
def test_anything_else_is_not_a_time_zone(time_zone: object) -> None:
    with pytest.raises(InvalidParameter, match="timeZone"):
        rules.check_time_zone(time_zone)


@pytest.mark.parametrize("minutes", [-1, 1440, 2.5, True, "600", None])
def test_times_of_day_are_minutes_from_0_to_1439(minutes: object) -> None:
    with pytest.raises(InvalidParameter, match="checkInTime"):
        rules.check_minutes("checkInTime", minutes)


def test_settings_are_an_object_of_objects() -> None:
    assert rules.check_settings({"wifi": {"ssid": "x"}}) == {"wifi": {"ssid": "x"}}
    assert rules.check_settings(None) is None
    for bad in [[1], "x", {"wifi": "plain"}]:
        with pytest.raises(InvalidParameter, match="settings"):
            rules.check_settings(bad)


def test_smartlock_ids_are_distinct_integers() -> None:
    assert rules.check_smartlock_ids([3, 1, 3]) == (3, 1)
    for bad in ["1", [1, "2"], [True], list(range(101))]:
        with pytest.raises(InvalidParameter, match="smartlockIds"):
            rules.check_smartlock_ids(bad)


def test_authorization_names_fit_the_device() -> None:
    long_name = reservation()
    assert rules.authorization_name(long_name) == "Guest"
