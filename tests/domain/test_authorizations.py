"""Authorizations and account users: keypad codes, time windows, creation, updates, access."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain.authorizations import (
    CREATABLE_TYPES,
    EVERY_DAY,
    LANGUAGES,
    MAX_AUTHORIZATIONS_PER_DEVICE,
    MAX_NAME_LENGTH,
    UNSET,
    AccessDecision,
    AccountUserFields,
    AuthorizationFields,
    AuthorizationRules,
    AuthorizationUpdate,
    AuthType,
    Refusal,
    TimeWindow,
    allows,
    check_account_user,
    check_creation,
    check_keypad_code,
    check_name,
    check_time_window,
    check_update,
    decide_access,
    weekday_bit,
)
from nukiweb.domain.errors import Conflict, InvalidParameter
from nukiweb.reference import vendor_spec_path

MONDAY = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday; the week runs to Sunday 7 June
WEEK = [MONDAY + timedelta(days=offset) for offset in range(7)]


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """An instant in the test week: day 0 is Monday, 6 is Sunday."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


# --- agreement with the vendor spec ----------------------------------------------------------


@cache
def schemas() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(vendor_spec_path().read_text())
    found: dict[str, Any] = spec["components"]["schemas"]
    return found


def described_codes(schema: str, field: str) -> set[int]:
    text = schemas()[schema]["properties"][field]["description"]
    return {int(number) for number in re.findall(r"(\d+) \.\.", text)}


def test_auth_types_are_the_specs() -> None:
    assert {int(t) for t in AuthType} == described_codes("SmartlockAuth", "type")


def test_creatable_types_are_the_specs() -> None:
    assert {int(t) for t in CREATABLE_TYPES} == described_codes("SmartlockAuthCreate", "type")
    assert described_codes("SmartlocksAuthCreate", "type") == {0, 2, 13}


def test_weekday_bits_are_the_specs() -> None:
    text = schemas()["SmartlockAuth"]["properties"]["allowedWeekDays"]["description"]
    named = {name: int(bit) for bit, name in re.findall(r"(\d+) \.\. (\w+)", text)}
    assert named == {day.strftime("%A").lower(): weekday_bit(day) for day in WEEK}
    assert sum(named.values()) == EVERY_DAY


@pytest.mark.parametrize("schema", ["AccountUserCreate", "AccountUserUpdate"])
def test_languages_are_the_specs(schema: str) -> None:
    assert set(schemas()[schema]["properties"]["language"]["enum"]) == LANGUAGES


@pytest.mark.parametrize(
    "schema",
    [
        "SmartlockAuth",
        "SmartlockAuthCreate",
        "SmartlocksAuthCreate",
        "SmartlockAuthUpdate",
        "SmartlockAuthMultiUpdate",
    ],
)
def test_name_limit_is_the_specs(schema: str) -> None:
    description = schemas()[schema]["properties"]["name"]["description"]
    assert f"max {MAX_NAME_LENGTH} chars" in description


def test_update_fields_are_the_specs() -> None:
    sent = dict.fromkeys(schemas()["SmartlockAuthMultiUpdate"]["properties"])
    # Every field of the request except the id that picks the authorization is understood.
    update = AuthorizationUpdate.from_spec(sent)
    assert all(value is None for value in vars_of(update).values())
    assert len(vars_of(update)) == len(sent) - 1


def vars_of(update: AuthorizationUpdate) -> dict[str, object]:
    return {name: getattr(update, name) for name in AuthorizationUpdate.__dataclass_fields__}


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Guest", "Guest"), ("  Guest 7  ", "Guest 7"), ("x" * 32, "x" * 32), ("Ä", "Ä")],
)
def test_names_accepted(name: str, expected: str) -> None:
    assert check_name(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "x" * 33, None])
def test_names_refused(name: str | None) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_name(name)
    assert refused.value.parameter == "name"


# --- keypad codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (111111, 111111),
        (999999, 999999),
        (654321, 654321),
        ("654321", 654321),
        (131313, 131313),
        (211111, 211111),  # "12" is refused only at the start
        (112345, 112345),
        (312345, 312345),
    ],
)
def test_keypad_codes_accepted(code: int | str, expected: int) -> None:
    assert check_keypad_code(code) == expected


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        (123456, "start with 12"),
        (129999, "start with 12"),
        (121212, "start with 12"),
        ("123999", "start with 12"),
        (101010, "never 0"),
        (111110, "never 0"),
        ("011111", "never 0"),
        (12345, "6 digits"),
        (98765, "6 digits"),
        (1111111, "6 digits"),
        (9876543, "6 digits"),
        (0, "6 digits"),
        (-12345, "is a number"),
        (-123456, "is a number"),
        ("65432a", "is a number"),
        (" 654321", "is a number"),
        ("", "is a number"),
        ("٦٥٤٣٢١", "is a number"),  # Arabic-Indic digits are not the keypad's
        (654321.0, "is a number"),
        (True, "is a number"),
    ],
)
def test_keypad_codes_refused_naming_the_rule(code: Any, rule: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_keypad_code(code)
    assert refused.value.parameter == "code"
    assert rule in refused.value.message
    assert (
        f"The supplied value '{code}' for parameter 'code' is not valid." in refused.value.message
    )


def test_missing_keypad_code_reads_like_the_vendor() -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_keypad_code(None)
    assert refused.value.message.startswith(
        "The supplied value 'null' for parameter 'code' is not valid."
    )


def is_valid_code(code: int) -> bool:
    """The rule, written independently: 6 digits, none 0, not 12 in front."""
    digits = [(code // 10**place) % 10 for place in range(6)]
    return 100_000 <= code <= 999_999 and all(digits) and code // 10_000 != 12


@given(st.lists(st.integers(1, 9), min_size=6, max_size=6).filter(lambda d: d[:2] != [1, 2]))
def test_every_valid_code_passes(digits: list[int]) -> None:
    code = int("".join(map(str, digits)))
    assert check_keypad_code(code) == code
    assert check_keypad_code(str(code)) == code


@given(st.lists(st.integers(1, 9), min_size=4, max_size=4))
def test_every_code_starting_12_is_refused(rest: list[int]) -> None:
    code = int("12" + "".join(map(str, rest)))
    with pytest.raises(InvalidParameter, match="start with 12"):
        check_keypad_code(code)


@given(st.integers(0, 9_999_999))
def test_every_other_number_is_refused(code: int) -> None:
    if is_valid_code(code):
        assert check_keypad_code(code) == code
    else:
        with pytest.raises(InvalidParameter):
            check_keypad_code(code)


def test_the_oracle_agrees_on_the_examples() -> None:
    assert is_valid_code(111111)
    assert not is_valid_code(123456)
    assert not is_valid_code(101010)
    assert sum(is_valid_code(code) for code in range(100_000, 1_000_000)) == 9**6 - 9**4


# --- creating --------------------------------------------------------------------------------


def create(
    auth_type: Any = AuthType.KEYPAD_CODE,
    *,
    code: Any = 654321,
    account_user_id: int | None = None,
    keypad_paired: bool = True,
    existing_codes: frozenset[int] = frozenset(),
    existing_count: int = 0,
) -> AuthType:
    return check_creation(
        auth_type,
        code=code,
        account_user_id=account_user_id,
        keypad_paired=keypad_paired,
        existing_codes=set(existing_codes),
        existing_count=existing_count,
    )


def test_keypad_code_created() -> None:
    assert create(13, code=654321) is AuthType.KEYPAD_CODE
    assert create(13, code="654321", account_user_id=7) is AuthType.KEYPAD_CODE


@pytest.mark.parametrize("auth_type", [AuthType.APP, AuthType.FOB])
def test_app_and_fob_created_for_an_account_user(auth_type: AuthType) -> None:
    assert create(auth_type, code=None, account_user_id=7) is auth_type
    assert create(auth_type, code=None, account_user_id=7, keypad_paired=False) is auth_type


def test_type_defaults_to_app() -> None:
    assert create(None, code=None, account_user_id=7) is AuthType.APP


@pytest.mark.parametrize("auth_type", [1, 3, 14, 15, 4, -1, 16, True, "0", 2.0])
def test_uncreatable_types_refused(auth_type: Any) -> None:
    with pytest.raises(InvalidParameter) as refused:
        create(auth_type, code=None, account_user_id=7)
    assert refused.value.parameter == "type"


def test_keypad_code_needs_a_paired_keypad_in_the_vendors_words() -> None:
    with pytest.raises(InvalidParameter) as refused:
        create(13, keypad_paired=False)
    assert refused.value.parameter == "type"
    assert refused.value.message == "The supplied value '13' for parameter 'type' is not valid."


def test_keypad_code_needs_a_code_in_the_vendors_words() -> None:
    with pytest.raises(InvalidParameter) as refused:
        create(13, code=None)
    assert refused.value.parameter == "code"
    assert refused.value.message.startswith(
        "The supplied value 'null' for parameter 'code' is not valid."
    )


@pytest.mark.parametrize("code", [123456, 101010, 12345, 1234567, "12xxxx"])
def test_keypad_code_rules_apply_on_creation(code: Any) -> None:
    with pytest.raises(InvalidParameter) as refused:
        create(13, code=code)
    assert refused.value.parameter == "code"


def test_duplicate_keypad_code_conflicts() -> None:
    with pytest.raises(Conflict):
        create(13, code=654321, existing_codes=frozenset({111111, 654321}))
    assert create(13, code=654321, existing_codes=frozenset({111111})) is AuthType.KEYPAD_CODE


@pytest.mark.parametrize("auth_type", [AuthType.APP, AuthType.FOB])
def test_app_and_fob_need_an_account_user(auth_type: AuthType) -> None:
    with pytest.raises(InvalidParameter) as refused:
        create(auth_type, code=None, account_user_id=None)
    assert refused.value.parameter == "accountUserId"


@pytest.mark.parametrize("auth_type", [AuthType.APP, AuthType.FOB])
def test_app_and_fob_carry_no_code(auth_type: AuthType) -> None:
    with pytest.raises(InvalidParameter) as refused:
        create(auth_type, code=654321, account_user_id=7)
    assert refused.value.parameter == "code"


@pytest.mark.parametrize(
    ("auth_type", "code", "account_user_id"),
    [(13, 654321, None), (0, None, 7), (2, None, 7)],
)
def test_a_full_device_conflicts(
    auth_type: int, code: int | None, account_user_id: int | None
) -> None:
    fits = MAX_AUTHORIZATIONS_PER_DEVICE - 1
    created = create(auth_type, code=code, account_user_id=account_user_id, existing_count=fits)
    assert created == auth_type
    with pytest.raises(Conflict) as refused:
        create(
            auth_type,
            code=code,
            account_user_id=account_user_id,
            existing_count=MAX_AUTHORIZATIONS_PER_DEVICE,
        )
    assert "200" in refused.value.message


def test_a_bad_request_is_refused_before_a_full_device() -> None:
    with pytest.raises(InvalidParameter):
        create(13, code=123456, existing_count=MAX_AUTHORIZATIONS_PER_DEVICE)


# --- time windows: checks --------------------------------------------------------------------


def test_full_window_accepted() -> None:
    window = check_time_window(
        allowed_from_date=MONDAY,
        allowed_until_date=MONDAY + timedelta(days=7),
        allowed_week_days=64 | 4,
        allowed_from_time=8 * 60,
        allowed_until_time=17 * 60,
    )
    assert window == TimeWindow(MONDAY, MONDAY + timedelta(days=7), 68, 480, 1020)
    assert check_time_window() == TimeWindow()


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"allowed_from_date": datetime(2026, 6, 1)}, "allowedFromDate"),  # noqa: DTZ001
        ({"allowed_until_date": datetime(2026, 6, 1)}, "allowedUntilDate"),  # noqa: DTZ001
        ({"allowed_from_date": "2026-06-01T00:00:00Z"}, "allowedFromDate"),
        ({"allowed_from_date": MONDAY, "allowed_until_date": MONDAY}, "allowedUntilDate"),
        (
            {"allowed_from_date": MONDAY, "allowed_until_date": MONDAY - timedelta(seconds=1)},
            "allowedUntilDate",
        ),
        ({"allowed_week_days": -1}, "allowedWeekDays"),
        ({"allowed_week_days": 128}, "allowedWeekDays"),
        ({"allowed_week_days": True}, "allowedWeekDays"),
        ({"allowed_week_days": "64"}, "allowedWeekDays"),
        ({"allowed_from_time": -1, "allowed_until_time": 60}, "allowedFromTime"),
        ({"allowed_from_time": 1440, "allowed_until_time": 60}, "allowedFromTime"),
        ({"allowed_from_time": 0, "allowed_until_time": 1440}, "allowedUntilTime"),
        ({"allowed_from_time": 0, "allowed_until_time": 8.5}, "allowedUntilTime"),
        ({"allowed_from_time": 480}, "allowedUntilTime"),
        ({"allowed_until_time": 1020}, "allowedFromTime"),
    ],
)
def test_window_refused_naming_the_parameter(fields: dict[str, Any], parameter: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_time_window(**fields)
    assert refused.value.parameter == parameter


@pytest.mark.parametrize("days", [0, 1, 64, 127])
def test_weekday_mask_edges_accepted(days: int) -> None:
    assert check_time_window(allowed_week_days=days).allowed_week_days == days


@pytest.mark.parametrize(("start", "end"), [(0, 0), (0, 1439), (1439, 0), (480, 480), (1320, 360)])
def test_time_edges_accepted(start: int, end: int) -> None:
    window = check_time_window(allowed_from_time=start, allowed_until_time=end)
    assert (window.allowed_from_time, window.allowed_until_time) == (start, end)


def test_dates_in_other_zones_compare_as_instants() -> None:
    vienna = timezone(timedelta(hours=2))
    # 01:00 in Vienna is 23:00 UTC the day before: after the from date, so accepted.
    window = check_time_window(
        allowed_from_date=datetime(2026, 6, 1, 22, tzinfo=UTC),
        allowed_until_date=datetime(2026, 6, 2, 1, tzinfo=vienna),
    )
    assert allows(window, datetime(2026, 6, 1, 22, 30, tzinfo=UTC))


# --- time windows: evaluation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "bit"), [(0, 64), (1, 32), (2, 16), (3, 8), (4, 4), (5, 2), (6, 1)]
)
def test_weekday_bits(day: int, bit: int) -> None:
    assert weekday_bit(WEEK[day].date()) == bit
    assert allows(TimeWindow(allowed_week_days=bit), at(day))
    assert not allows(TimeWindow(allowed_week_days=EVERY_DAY & ~bit), at(day))
    # The whole day, from its first second to its last.
    assert allows(TimeWindow(allowed_week_days=bit), at(day, 0, 0))
    assert allows(TimeWindow(allowed_week_days=bit), at(day, 23, 59, 59))
    assert not allows(TimeWindow(allowed_week_days=bit), at(day + 1, 0, 0))


@pytest.mark.parametrize("days", [None, 0, EVERY_DAY])
def test_no_weekday_restriction(days: int | None) -> None:
    assert all(allows(TimeWindow(allowed_week_days=days), at(day)) for day in range(7))


def test_weekdays_count_in_utc() -> None:
    # Monday 01:00 in Vienna is still Sunday in UTC.
    vienna = timezone(timedelta(hours=2))
    sunday_in_utc = datetime(2026, 6, 1, 1, tzinfo=vienna)
    assert allows(TimeWindow(allowed_week_days=1), sunday_in_utc)
    assert not allows(TimeWindow(allowed_week_days=64), sunday_in_utc)


def test_dates_admit_from_the_from_instant_until_the_until_instant() -> None:
    window = TimeWindow(allowed_from_date=at(0, 14), allowed_until_date=at(0, 18))
    assert not allows(window, at(0, 13, 59, 59))
    assert allows(window, at(0, 14))
    assert allows(window, at(0, 17, 59, 59))
    assert not allows(window, at(0, 18))
    assert allows(TimeWindow(allowed_from_date=at(0, 14)), at(6))
    assert allows(TimeWindow(allowed_until_date=at(0, 18)), at(-300))


@pytest.mark.parametrize(
    ("hour", "minute", "second", "admitted"),
    [
        (7, 59, 59, False),
        (8, 0, 0, True),
        (12, 0, 0, True),
        (17, 0, 0, True),
        (17, 0, 59, True),  # the until minute is admitted whole
        (17, 1, 0, False),
        (0, 0, 0, False),
    ],
)
def test_daytime_window(hour: int, minute: int, second: int, admitted: bool) -> None:
    window = TimeWindow(allowed_from_time=480, allowed_until_time=1020)
    assert allows(window, at(2, hour, minute, second)) is admitted


@pytest.mark.parametrize("minutes", [0, 480, 1439])
def test_equal_times_mean_no_daily_restriction(minutes: int) -> None:
    window = TimeWindow(allowed_from_time=minutes, allowed_until_time=minutes)
    assert all(allows(window, at(3, hour, 30)) for hour in range(24))


def test_midnight_edges() -> None:
    whole_day = TimeWindow(allowed_from_time=0, allowed_until_time=1439)
    assert allows(whole_day, at(0, 0, 0))
    assert allows(whole_day, at(0, 23, 59, 59))
    first_hour = TimeWindow(allowed_from_time=0, allowed_until_time=59)
    assert allows(first_hour, at(0, 0, 0))
    assert not allows(first_hour, at(0, 1, 0))
    last_minute = TimeWindow(allowed_from_time=1439, allowed_until_time=0)  # overnight, 2 min
    assert allows(last_minute, at(0, 23, 59))
    assert allows(last_minute, at(1, 0, 0, 59))
    assert not allows(last_minute, at(1, 0, 1))
    assert not allows(last_minute, at(1, 23, 58, 59))


@pytest.mark.parametrize(
    ("day", "hour", "minute", "admitted"),
    [
        (4, 21, 59, False),  # Friday before the window
        (4, 22, 0, True),  # Friday night
        (4, 23, 59, True),
        (5, 0, 0, True),  # Saturday morning belongs to Friday's window
        (5, 6, 0, True),
        (5, 6, 1, False),
        (5, 12, 0, False),
        (5, 22, 0, False),  # Saturday night: Saturday is not allowed
        (6, 5, 0, False),  # Sunday morning belongs to Saturday's window
        (3, 23, 0, True),  # Thursday night
        (4, 5, 0, True),  # Friday morning belongs to Thursday's window
        (3, 5, 0, False),  # Thursday morning belongs to Wednesday's window
    ],
)
def test_overnight_window(day: int, hour: int, minute: int, admitted: bool) -> None:
    thursday_and_friday_nights = TimeWindow(
        allowed_week_days=8 | 4, allowed_from_time=22 * 60, allowed_until_time=6 * 60
    )
    assert allows(thursday_and_friday_nights, at(day, hour, minute)) is admitted


def test_all_restrictions_together() -> None:
    window = TimeWindow(
        allowed_from_date=at(0),
        allowed_until_date=at(14, 0),
        allowed_week_days=64,
        allowed_from_time=480,
        allowed_until_time=1020,
    )
    assert allows(window, at(7, 9))  # the next Monday at 9:00
    assert not allows(window, at(0, 9))  # before the from date
    assert not allows(window, at(7, 18))  # after hours
    assert not allows(window, at(8, 9))  # a Tuesday
    assert not allows(window, at(14, 9))  # the until date has passed


def test_naive_instant_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        allows(TimeWindow(), datetime(2026, 6, 1))  # noqa: DTZ001


# --- access ----------------------------------------------------------------------------------

ADMITTED = AccessDecision(allowed=True)


def refusal(reason: Refusal) -> AccessDecision:
    return AccessDecision(allowed=False, reason=reason)


OFFICE_HOURS = TimeWindow(allowed_from_time=480, allowed_until_time=1020)


@pytest.mark.parametrize(
    ("enabled", "remote_allowed", "when", "remote", "expected"),
    [
        (True, True, at(0, 9), True, ADMITTED),
        (True, False, at(0, 9), False, ADMITTED),
        (True, False, at(0, 9), True, refusal(Refusal.REMOTE_NOT_ALLOWED)),
        (False, True, at(0, 9), False, refusal(Refusal.DISABLED)),
        (True, True, at(0, 20), False, refusal(Refusal.OUTSIDE_WINDOW)),
        (True, True, at(0, 20), True, refusal(Refusal.OUTSIDE_WINDOW)),
        # The first reason wins: disabled, then the window, then remote access.
        (False, False, at(0, 20), True, refusal(Refusal.DISABLED)),
        (True, False, at(0, 20), True, refusal(Refusal.OUTSIDE_WINDOW)),
    ],
)
def test_decide_access(
    enabled: bool, remote_allowed: bool, when: datetime, remote: bool, expected: AccessDecision
) -> None:
    rules = AuthorizationRules(enabled=enabled, remote_allowed=remote_allowed, window=OFFICE_HOURS)
    decision = decide_access(rules, when, remote=remote)
    assert decision == expected
    assert decision.reason is None or isinstance(decision.reason, str)


def test_no_window_admits_any_time() -> None:
    rules = AuthorizationRules(enabled=True, remote_allowed=True)
    assert all(decide_access(rules, at(day, 3), remote=True).allowed for day in range(7))


# --- updating --------------------------------------------------------------------------------

WINDOW = TimeWindow(
    allowed_from_date=at(0),
    allowed_until_date=at(7),
    allowed_week_days=64 | 32,
    allowed_from_time=480,
    allowed_until_time=1020,
)
KEYPAD = AuthorizationFields(
    name="Guest", enabled=True, remote_allowed=False, code=654321, window=WINDOW
)
APP = AuthorizationFields(name="Anna", enabled=True, remote_allowed=True, account_user_id=7)


def update(
    current: AuthorizationFields = KEYPAD,
    auth_type: AuthType = AuthType.KEYPAD_CODE,
    existing_codes: frozenset[int] = frozenset({654321, 111111}),
    **sent: Any,
) -> AuthorizationFields:
    return check_update(
        auth_type, current, AuthorizationUpdate(**sent), existing_codes=set(existing_codes)
    )


def test_nothing_sent_changes_nothing() -> None:
    assert update() == KEYPAD
    assert update(APP, AuthType.APP) == APP


def test_only_the_fields_sent_change() -> None:
    renamed = update(name=" Guest 2 ", code="654321")
    assert renamed == AuthorizationFields(
        name="Guest 2", enabled=True, remote_allowed=False, code=654321, window=WINDOW
    )
    assert update(enabled=False) == AuthorizationFields(
        "Guest", enabled=False, remote_allowed=False, code=654321, window=WINDOW
    )
    assert update(remote_allowed=True).remote_allowed is True
    assert update(APP, AuthType.APP, account_user_id=8).account_user_id == 8


def test_partial_update_keeps_the_window() -> None:
    # Unlike the vendor's reported bug (§1.1): a name and code keep every window field.
    assert update(name="Renamed", code=999999).window == WINDOW


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ({"allowed_until_date": None}, TimeWindow(at(0), None, 96, 480, 1020)),
        ({"allowed_until_date": at(3)}, TimeWindow(at(0), at(3), 96, 480, 1020)),
        ({"allowed_week_days": 1}, TimeWindow(at(0), at(7), 1, 480, 1020)),
        (
            {"allowed_from_time": None, "allowed_until_time": None},
            TimeWindow(at(0), at(7), 96, None, None),
        ),
        (
            {"allowed_from_time": 1320, "allowed_until_time": 360},
            TimeWindow(at(0), at(7), 96, 1320, 360),
        ),
        ({"allowed_until_time": 600}, TimeWindow(at(0), at(7), 96, 480, 600)),
    ],
)
def test_window_fields_sent_change_alone(sent: dict[str, Any], expected: TimeWindow) -> None:
    assert update(**sent).window == expected


@pytest.mark.parametrize(
    ("sent", "parameter"),
    [
        ({"allowed_from_date": at(8)}, "allowedUntilDate"),  # now after the stored until date
        ({"allowed_from_time": None}, "allowedFromTime"),  # the until time would stand alone
        ({"allowed_until_time": 1440}, "allowedUntilTime"),
        ({"allowed_week_days": 200}, "allowedWeekDays"),
        ({"name": None}, "name"),
        ({"name": "x" * 33}, "name"),
        ({"enabled": None}, "enabled"),
        ({"remote_allowed": None}, "remoteAllowed"),
        ({"code": None}, "code"),
        ({"code": 123456}, "code"),
        ({"code": 101010}, "code"),
        ({"code": 12345}, "code"),
    ],
)
def test_keypad_update_refused(sent: dict[str, Any], parameter: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        update(**sent)
    assert refused.value.parameter == parameter


def test_code_update_checks_uniqueness_but_not_against_itself() -> None:
    assert update(code=654321).code == 654321
    assert update(code=999999).code == 999999
    with pytest.raises(Conflict):
        update(code=111111)


@pytest.mark.parametrize("auth_type", [AuthType.APP, AuthType.FOB, AuthType.BRIDGE])
def test_code_on_other_types_refused(auth_type: AuthType) -> None:
    with pytest.raises(InvalidParameter) as refused:
        update(APP, auth_type, code=654321)
    assert refused.value.parameter == "code"
    assert update(APP, auth_type, code=None).code is None


def test_account_user_required_unless_keypad_code() -> None:
    with pytest.raises(InvalidParameter) as refused:
        update(APP, AuthType.APP, account_user_id=None)
    assert refused.value.parameter == "accountUserId"
    assert update(replace_user(KEYPAD, 7), account_user_id=None).account_user_id is None


def replace_user(fields: AuthorizationFields, account_user_id: int) -> AuthorizationFields:
    return AuthorizationFields(
        fields.name,
        fields.enabled,
        fields.remote_allowed,
        account_user_id,
        fields.code,
        fields.window,
    )


def test_update_from_the_spec_names() -> None:
    sent = {"id": "abc", "name": "Guest", "remoteAllowed": True, "allowedUntilDate": None}
    assert AuthorizationUpdate.from_spec(sent) == AuthorizationUpdate(
        name="Guest", remote_allowed=True, allowed_until_date=None
    )
    assert AuthorizationUpdate.from_spec({}).code is UNSET


# --- account users ---------------------------------------------------------------------------


def test_account_user_created() -> None:
    assert check_account_user(" anna@example.com ", " Anna ", "de") == AccountUserFields(
        "anna@example.com", "Anna", "de"
    )
    assert check_account_user("anna@example.com", "Anna", None).language is None


def test_account_user_partial_update() -> None:
    assert check_account_user(None, None, None, partial=True) == AccountUserFields(None, None, None)
    assert check_account_user(None, "Bea", None, partial=True) == AccountUserFields(
        None, "Bea", None
    )


@pytest.mark.parametrize(
    ("email", "name", "language", "parameter"),
    [
        (None, "Anna", "en", "email"),
        ("anna@example.com", None, "en", "name"),
        ("anna", "Anna", "en", "email"),
        ("anna@example", "Anna", "en", "email"),
        ("anna@example.com", "", "en", "name"),
        ("anna@example.com", "x" * 101, "en", "name"),
        ("anna@example.com", "Anna", "pt", "language"),
        ("anna@example.com", "Anna", "DE", "language"),
        ("anna@example.com", "Anna", "de-AT", "language"),
    ],
)
def test_account_user_refused(
    email: str | None, name: str | None, language: str | None, parameter: str
) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_account_user(email, name, language)
    assert refused.value.parameter == parameter


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_spec_language_accepted(language: str) -> None:
    assert check_account_user("a@example.com", "A", language).language == language
