"""Keypad codes and the rules of every authorization, over HTTP: what the service refuses (with
the vendor's 400 wording, 409 for a duplicate code or a full device), and what the simulated
device enforces when a code is typed or an app or fob authorization operates it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from nukiweb.domain.authorizations import MAX_AUTHORIZATIONS_PER_DEVICE, weekday_bit
from tests.api.test_authorizations import (
    auths,
    confirmed_auth,
    create_auth,
    create_user,
    get_auth,
    update_auth,
)
from tests.devices import MOTOR_TIME, add_device, advance, logs, simulate, state
from tests.support import AccountFixture, ApiClient

LOCKED, UNLOCKING, UNLOCKED = 1, 2, 3
REJECTED = 9  # SmartlockLog.state
KEYPAD = 255  # SmartlockLog.trigger
KEYPAD_CODE_SOURCE = 1  # SmartlockLog.source
WRONG_CODE = "Wrong entry code."


def now(api: ApiClient) -> datetime:
    """The simulated clock (other tests of the session move it: never assume a day)."""
    response = api.get("/simulator/clock")
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["now"]).astimezone(UTC)


def api_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_date(value: str) -> datetime:
    return datetime.fromisoformat(value)


def code_body(code: Any = 345678, **fields: Any) -> dict[str, Any]:
    return {"name": "Code", "remoteAllowed": False, "type": 13, "code": code} | fields


def put_code(api: ApiClient, smartlock_id: int, **fields: Any) -> tuple[int, str]:
    """``PUT /smartlock/{id}/auth`` of a keypad code: the status and any error message."""
    response = api.put(f"/smartlock/{smartlock_id}/auth", json=code_body(**fields))
    return response.status_code, response.json()["detailMessage"] if response.content else ""


def enter(api: ApiClient, smartlock_id: int, code: int) -> None:
    simulate(api, smartlock_id, "keypad/code", code=code)


def operate(api: ApiClient, auth: dict[str, Any], *, remote: bool) -> None:
    path = f"authorizations/{auth['id']}/operate"
    simulate(api, auth["smartlockId"], path, action=1, remote=remote)


def newest_log(api: ApiClient, smartlock_id: int) -> dict[str, Any]:
    return logs(api, smartlock_id)[0]


# --- what the service refuses ----------------------------------------------------------------


BAD_CODES = [
    23456,  # five digits
    2345678,  # seven digits
    234506,  # a zero
    203456,
    123456,  # starts with 12
    129999,
    -234567,
    "23456a",
    True,
]
GOOD_CODES = [345678, 999999, 111111, 213456, 312456, "456789"]


def test_keypad_code_rules(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    for code in BAD_CODES:
        status, message = put_code(account.api, lock, code=code)
        assert status == 400, code
        assert "'code'" in message
    assert auths(account.api, lock) == []
    for number, code in enumerate(GOOD_CODES):
        assert put_code(account.api, lock, code=code, name=f"Code {number}")[0] == 204, code
    assert [auth["code"] for auth in auths(account.api, lock)] == [int(c) for c in GOOD_CODES]


def test_a_missing_code_is_refused_with_the_vendors_words(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    body = code_body()
    del body["code"]
    response = account.api.put(f"/smartlock/{lock}/auth", json=body)
    assert response.status_code == 400
    assert response.json()["detailMessage"] == (
        "The supplied value 'null' for parameter 'code' is not valid."
    )
    assert auths(account.api, lock) == []


def test_a_keypad_code_needs_a_paired_keypad(account: AccountFixture) -> None:
    lock, opener = add_device(account, 4), add_device(account, 2)
    message = "The supplied value '13' for parameter 'type' is not valid."
    assert account.api.get(f"/smartlock/{opener}").json()["config"]["keypadPaired"] is False
    assert put_code(account.api, opener) == (400, message)
    simulate(account.api, lock, "keypad", paired=False)
    assert put_code(account.api, lock) == (400, message)
    response = account.api.put("/smartlock/auth", json=code_body(smartlockIds=[lock]))
    assert (response.status_code, response.json()["detailMessage"]) == (400, message)
    assert auths(account.api) == []

    simulate(account.api, opener, "keypad", paired=True)
    assert put_code(account.api, opener)[0] == 204
    assert [auth["type"] for auth in auths(account.api, opener)] == [13]


def test_a_code_is_unique_per_device(account: AccountFixture) -> None:
    first, second, third = add_device(account, 4), add_device(account, 4), add_device(account, 0)
    assert put_code(account.api, first, code=345678)[0] == 204
    # The same code on another device is fine.
    assert put_code(account.api, second, code=345678, name="Elsewhere")[0] == 204
    # On the same device it is not, even pending, and not on any device of a multi-lock request.
    assert put_code(account.api, first, code=345678, name="Again")[0] == 409
    response = account.api.put(
        "/smartlock/auth", json=code_body(smartlockIds=[third, first], name="Many")
    )
    assert response.status_code == 409
    assert auths(account.api, third) == []
    advance(account.api, 0)
    assert put_code(account.api, first, code=345678, name="Again")[0] == 409
    assert len(auths(account.api, first)) == 1

    # Changing a code to one the device holds is refused; keeping its own is not.
    other = confirmed_auth(account, first, "Other", type=13, code=456789)
    assert update_auth(account.api, other, code=345678) == 409
    assert update_auth(account.api, other, code=456789, name="Same code") == 204
    advance(account.api, 0)
    # A deleted authorization's code is free again once the device confirms.
    (original,) = [auth for auth in auths(account.api, first) if auth["code"] == 345678]
    assert account.api.delete(f"/smartlock/{first}/auth/{original['id']}").status_code == 204
    advance(account.api, 0)
    assert put_code(account.api, first, code=345678, name="Reused")[0] == 204


def test_code_updates_follow_the_same_rules(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    user = create_user(account)
    code = confirmed_auth(account, lock, "Code", type=13, code=345678)
    app = confirmed_auth(account, lock, "App", accountUserId=user)
    for bad in (123456, 34567, 345670):
        response = account.api.post(f"/smartlock/{lock}/auth/{code['id']}", json={"code": bad})
        assert response.status_code == 400
        assert "'code'" in response.json()["detailMessage"]
    response = account.api.post(f"/smartlock/{lock}/auth/{app['id']}", json={"code": 456789})
    assert response.status_code == 400
    assert "'code'" in response.json()["detailMessage"]
    # An app authorization keeps its account user; a keypad code needs none.
    assert update_auth(account.api, app, accountUserId=None) == 400
    assert get_auth(account.api, code) == code
    assert get_auth(account.api, app) == app


BAD_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"name": "x" * 33}, "name"),
    ({"name": " "}, "name"),
    ({"type": 1}, "type"),
    ({"type": 5}, "type"),
    ({"type": 0}, "accountUserId"),
    ({"type": 2}, "accountUserId"),
    ({"allowedWeekDays": 128}, "allowedWeekDays"),
    ({"allowedWeekDays": -1}, "allowedWeekDays"),
    ({"allowedFromTime": 1440, "allowedUntilTime": 60}, "allowedFromTime"),
    ({"allowedFromTime": 60, "allowedUntilTime": 1440}, "allowedUntilTime"),
    ({"allowedFromTime": -1, "allowedUntilTime": 60}, "allowedFromTime"),
    ({"allowedFromTime": 60}, "allowedUntilTime"),
    ({"allowedUntilTime": 60}, "allowedFromTime"),
    (
        {
            "allowedFromDate": "2026-02-01T00:00:00.000Z",
            "allowedUntilDate": "2026-01-01T00:00:00.000Z",
        },
        "allowedUntilDate",
    ),
    (
        {
            "allowedFromDate": "2026-02-01T00:00:00.000Z",
            "allowedUntilDate": "2026-02-01T00:00:00.000Z",
        },
        "allowedUntilDate",
    ),
    ({"allowedFromDate": "tomorrow"}, "allowedFromDate"),
]


def test_bad_values_are_400_naming_the_parameter(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    created = confirmed_auth(account, lock, "Code", type=13, code=456789)
    for fields, parameter in BAD_VALUES:
        response = account.api.put(f"/smartlock/{lock}/auth", json=code_body(**fields))
        assert response.status_code == 400, (fields, response.text)
        assert f"parameter '{parameter}'" in response.json()["detailMessage"], fields
        # An update is refused the same way.
        if parameter not in {"type", "accountUserId"}:
            response = account.api.post(f"/smartlock/{lock}/auth/{created['id']}", json=fields)
            assert response.status_code == 400, (fields, response.text)
            assert f"parameter '{parameter}'" in response.json()["detailMessage"], fields
    advance(account.api, 0)
    assert auths(account.api, lock) == [created]


def test_names_of_32_characters_and_app_and_fob_with_an_account_user(
    account: AccountFixture,
) -> None:
    lock = add_device(account, 4)
    user = create_user(account)
    assert put_code(account.api, lock, name="x" * 32)[0] == 204
    create_auth(account, lock, "App", accountUserId=user)
    create_auth(account, lock, "Fob", accountUserId=user, type=2)
    assert sorted(auth["type"] for auth in auths(account.api, lock)) == [0, 2, 13]
    response = account.api.put(
        f"/smartlock/{lock}/auth",
        json={"name": "Coded app", "remoteAllowed": False, "accountUserId": user, "code": 456789},
    )
    assert response.status_code == 400
    assert "'code'" in response.json()["detailMessage"]


def test_at_most_200_authorizations_per_device(account: AccountFixture) -> None:
    lock, other = add_device(account, 4), add_device(account, 4)
    user = create_user(account)
    app = {"remoteAllowed": False, "accountUserId": user}
    for number in range(MAX_AUTHORIZATIONS_PER_DEVICE):
        response = account.api.put(f"/smartlock/{lock}/auth", json=app | {"name": f"A{number}"})
        assert response.status_code == 204, response.text
    response = account.api.put(f"/smartlock/{lock}/auth", json=app | {"name": "One more"})
    assert response.status_code == 409
    # All or nothing: a multi-lock request that includes the full device makes none.
    response = account.api.put(
        "/smartlock/auth", json=app | {"name": "Many", "smartlockIds": [other, lock]}
    )
    assert response.status_code == 409
    assert auths(account.api, other) == []
    advance(account.api, 0)
    listed = auths(account.api, lock)
    assert len(listed) == MAX_AUTHORIZATIONS_PER_DEVICE
    assert len({auth["authId"] for auth in listed}) == MAX_AUTHORIZATIONS_PER_DEVICE
    # A slot freed (once the device confirms the delete) can be used again.
    assert account.api.delete(f"/smartlock/{lock}/auth/{listed[0]['id']}").status_code == 204
    assert put_code(account.api, lock)[0] == 409
    advance(account.api, 0)
    assert put_code(account.api, lock)[0] == 204


# --- what the simulated device enforces ------------------------------------------------------


def test_a_valid_code_unlocks_and_is_logged(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    code = confirmed_auth(account, lock, "Front door", type=13, code=345678)
    assert state(account.api, lock)["state"] == LOCKED
    assert (code["lockCount"], code.get("lastActiveDate")) == (0, None)
    used_at = now(account.api)

    enter(account.api, lock, 345678)
    advance(account.api, 0)
    assert state(account.api, lock)["state"] == UNLOCKING
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == UNLOCKED

    entry = newest_log(account.api, lock)
    assert (entry["name"], entry["authId"], entry["action"]) == ("Front door", code["id"], 1)
    assert (entry["trigger"], entry["source"], entry["state"]) == (KEYPAD, KEYPAD_CODE_SOURCE, 0)
    assert entry.get("error") is None
    used = get_auth(account.api, code)
    assert used["lockCount"] == 1
    # The simulated clock stood still meanwhile; the API shows milliseconds.
    assert abs(parse_date(used["lastActiveDate"]) - used_at) < timedelta(milliseconds=1)
    in_account_log = logs(account.api)[0]
    assert in_account_log["id"] == entry["id"]


def test_a_valid_code_opens_the_door_at_an_opener(account: AccountFixture) -> None:
    opener = add_device(account, 2)
    simulate(account.api, opener, "keypad", paired=True)
    confirmed_auth(account, opener, "Entrance", type=13, code=456789)
    enter(account.api, opener, 456789)
    advance(account.api, 0)
    assert state(account.api, opener)["state"] == 5  # open: the electric strike buzzes
    entry = newest_log(account.api, opener)
    assert (entry["action"], entry["trigger"], entry["name"]) == (3, KEYPAD, "Entrance")


def test_a_wrong_code_is_logged_and_moves_nothing(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    code = confirmed_auth(account, lock, "Front door", type=13, code=345678)
    before = len(logs(account.api, lock))
    enter(account.api, lock, 345679)
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == LOCKED
    entries = logs(account.api, lock)
    assert len(entries) == before + 1
    entry = entries[0]
    assert (entry["state"], entry["error"], entry["trigger"]) == (REJECTED, WRONG_CODE, KEYPAD)
    assert entry.get("authId") is None
    assert get_auth(account.api, code)["lockCount"] == 0


def test_a_code_counts_only_once_the_device_holds_it(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    code = create_auth(account, lock, "New code", type=13, code=345678)
    assert code["operationId"] is not None
    enter(account.api, lock, 345678)
    assert newest_log(account.api, lock)["error"] == WRONG_CODE
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == LOCKED

    advance(account.api, 0)  # the device confirms it
    enter(account.api, lock, 345678)
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == UNLOCKED
    assert newest_log(account.api, lock)["authId"] == code["id"]


def test_a_code_deleted_from_the_device_no_longer_opens(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    code = confirmed_auth(account, lock, "Old code", type=13, code=345678)
    assert account.api.delete(f"/smartlock/{lock}/auth/{code['id']}").status_code == 204
    advance(account.api, 0)
    enter(account.api, lock, 345678)
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == LOCKED
    assert newest_log(account.api, lock)["error"] == WRONG_CODE


def _assert_refused(api: ApiClient, lock: int, auth: dict[str, Any], reason: str) -> None:
    """The last use of ``auth`` was refused and logged with ``reason``; the lock did not move."""
    advance(api, MOTOR_TIME)
    assert state(api, lock)["state"] == LOCKED
    entry = newest_log(api, lock)
    assert (entry["state"], entry["authId"], entry["name"]) == (REJECTED, auth["id"], auth["name"])
    assert reason in entry["error"]
    assert get_auth(api, auth)["lockCount"] == 0


def _assert_opened(api: ApiClient, lock: int, auth: dict[str, Any]) -> None:
    advance(api, MOTOR_TIME)
    assert state(api, lock)["state"] == UNLOCKED
    entry = newest_log(api, lock)
    assert (entry["state"], entry["authId"]) == (0, auth["id"])
    assert get_auth(api, auth)["lockCount"] == 1


def test_a_code_outside_its_weekdays_is_refused_until_its_day_comes(
    account: AccountFixture,
) -> None:
    lock = add_device(account, 4)
    today = now(account.api)
    tomorrow = today.date() + timedelta(days=1)
    code = confirmed_auth(
        account, lock, "Tomorrow", type=13, code=345678, allowedWeekDays=weekday_bit(tomorrow)
    )
    enter(account.api, lock, 345678)
    _assert_refused(account.api, lock, code, "does not admit at this time")

    midnight = datetime.combine(tomorrow, datetime.min.time(), UTC)
    advance(account.api, (midnight - now(account.api)).total_seconds() + 60)
    enter(account.api, lock, 345678)
    _assert_opened(account.api, lock, code)


def test_monday_only_code_on_another_day_is_refused(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    monday = 64
    day = now(account.api).date()
    if weekday_bit(day) == monday:  # the session's clock may have reached a Monday
        advance(account.api, 24 * 3600)
    code = confirmed_auth(account, lock, "Mondays", type=13, code=345678, allowedWeekDays=monday)
    enter(account.api, lock, 345678)
    _assert_refused(account.api, lock, code, "does not admit at this time")


def test_a_code_outside_its_hours_is_refused_until_they_come(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    at = now(account.api)
    minute = at.hour * 60 + at.minute
    window = {"allowedFromTime": (minute + 60) % 1440, "allowedUntilTime": (minute + 120) % 1440}
    code = confirmed_auth(account, lock, "Later", type=13, code=345678, **window)
    enter(account.api, lock, 345678)
    _assert_refused(account.api, lock, code, "does not admit at this time")
    advance(account.api, 90 * 60)
    enter(account.api, lock, 345678)
    _assert_opened(account.api, lock, code)


def test_a_code_outside_its_dates_is_refused(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    at = now(account.api)
    later = {"allowedFromDate": api_date(at + timedelta(hours=1))}
    code = confirmed_auth(account, lock, "Later", type=13, code=345678, **later)
    expired = {"allowedUntilDate": api_date(at - timedelta(minutes=1))}
    old = confirmed_auth(account, lock, "Expired", type=13, code=456789, **expired)
    enter(account.api, lock, 456789)
    _assert_refused(account.api, lock, old, "does not admit at this time")
    enter(account.api, lock, 345678)
    _assert_refused(account.api, lock, code, "does not admit at this time")
    advance(account.api, 3600)
    enter(account.api, lock, 345678)
    _assert_opened(account.api, lock, code)


def test_a_disabled_authorization_is_refused(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    code = confirmed_auth(account, lock, "Code", type=13, code=345678)
    assert update_auth(account.api, code, enabled=False) == 204
    advance(account.api, 0)
    enter(account.api, lock, 345678)
    _assert_refused(account.api, lock, code, "disabled")
    assert update_auth(account.api, code, enabled=True) == 204
    advance(account.api, 0)
    enter(account.api, lock, 345678)
    _assert_opened(account.api, lock, code)


def test_an_app_authorization_opens_remotely_only_with_remote_allowed(
    account: AccountFixture,
) -> None:
    lock = add_device(account, 4)
    user = create_user(account)
    app = confirmed_auth(account, lock, "Phone", accountUserId=user, remoteAllowed=False)
    operate(account.api, app, remote=True)
    _assert_refused(account.api, lock, app, "remote")
    assert newest_log(account.api, lock)["accountUserId"] == user

    operate(account.api, app, remote=False)  # at the door, over bluetooth
    _assert_opened(account.api, lock, app)
    entry = newest_log(account.api, lock)
    assert (entry["name"], entry["accountUserId"]) == ("Phone", user)
    used = get_auth(account.api, app)
    assert used.get("lastActiveDate") is not None

    assert update_auth(account.api, app, remoteAllowed=True) == 204
    advance(account.api, 0)
    simulate(account.api, lock, "turn", action=2)  # locked again by hand
    advance(account.api, MOTOR_TIME)
    operate(account.api, app, remote=True)
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == UNLOCKED
    assert get_auth(account.api, app)["lockCount"] == 2


def test_a_fob_opens_at_the_door(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    user = create_user(account)
    fob = confirmed_auth(account, lock, "Fob", accountUserId=user, type=2)
    operate(account.api, fob, remote=False)
    _assert_opened(account.api, lock, fob)
    # Not before the device holds it, and never as a keypad code.
    pending = create_auth(account, lock, "New fob", accountUserId=user, type=2)
    path = f"/simulator/smartlocks/{lock}/authorizations/{pending['id']}/operate"
    assert account.api.post(path, json={"action": 1}).status_code == 409
