"""Every action of every device type through ``POST /smartlock/{id}/action``: accepted at once,
in flight with an ``operationId``, through its transitional states to its final one as simulated
time passes, and logged. Then the simple actions ``/action/lock`` and ``/action/unlock`` per
device kind and firmware."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import update

from nukiweb.store.schema import bridges
from tests.devices import (
    LNG_TIMEOUT,
    LOCK_TYPES,
    LOG_DEVICE_TYPE,
    MOTOR_TIME,
    RTO_TIMEOUT,
    STRIKE_DURATION,
    UNLATCH_HOLD,
    account_name,
    act,
    act_and_settle,
    add_device,
    advance,
    bridge_id,
    device,
    logs,
    simulate,
    state,
)
from tests.support import AccountFixture, ApiClient


@dataclass(frozen=True)
class Case:
    """An action, what to run before it, and the device's state as time passes: the first
    step's seconds are 0, so it shows the state right after the device took the command."""

    action: int
    timeline: tuple[tuple[float, dict[str, Any]], ...]
    option: int | None = None
    setup: tuple[tuple[int, float], ...] = ()  # (action, seconds to let pass after it)
    shown_last_action: int | None = None  # Smartlock.State.lastAction when it differs
    in_flight_after_start: bool = True  # whether the operation still runs after "advance 0"
    extra: dict[str, Any] = field(default_factory=dict)


def _states(*timeline: tuple[float, int]) -> tuple[tuple[float, dict[str, Any]], ...]:
    return tuple((seconds, {"state": value}) for seconds, value in timeline)


LOCK_CASES = {
    "unlock": Case(1, _states((0, 2), (MOTOR_TIME, 3))),
    "lock": Case(2, _states((0, 4), (MOTOR_TIME, 1)), setup=((1, MOTOR_TIME),)),
    "lock-full-lock": Case(
        2, _states((0, 4), (MOTOR_TIME, 4), (MOTOR_TIME, 1)), option=4, setup=((1, MOTOR_TIME),)
    ),
    "lock-force-when-locked": Case(2, _states((0, 4), (MOTOR_TIME, 1)), option=2),
    "unlatch": Case(3, _states((0, 7), (MOTOR_TIME, 5), (UNLATCH_HOLD, 3))),
    "lock-n-go": Case(4, _states((0, 2), (MOTOR_TIME, 6), (LNG_TIMEOUT, 4), (MOTOR_TIME, 1))),
    "lock-n-go-with-unlatch": Case(
        5,
        _states((0, 7), (MOTOR_TIME, 5), (UNLATCH_HOLD, 6), (LNG_TIMEOUT, 4), (MOTOR_TIME, 1)),
    ),
}
OPENER_CASES = {
    "activate-ring-to-open": Case(
        1,
        (
            (0, {"state": 3, "mode": 2, "ringToOpenTimer": int(RTO_TIMEOUT)}),
            (RTO_TIMEOUT, {"state": 1, "mode": 2, "ringToOpenTimer": 0}),
        ),
        in_flight_after_start=False,
    ),
    "deactivate-ring-to-open": Case(
        2,
        ((0, {"state": 1, "ringToOpenTimer": 0}), (RTO_TIMEOUT, {"state": 1})),
        setup=((1, 0),),
        in_flight_after_start=False,
    ),
    "open": Case(
        3,
        ((0, {"state": 5}), (STRIKE_DURATION, {"state": 1, "mode": 2})),
        in_flight_after_start=False,
    ),
    "activate-continuous-mode": Case(
        6, ((0, {"mode": 3, "state": 1}),), shown_last_action=1, in_flight_after_start=False
    ),
    "deactivate-continuous-mode": Case(
        7,
        ((0, {"mode": 2, "state": 1}),),
        setup=((6, 0),),
        shown_last_action=2,
        in_flight_after_start=False,
    ),
}
BOX_CASES = {
    "unlock": Case(1, ((0, {"state": 255, "mode": 2}),), in_flight_after_start=False),
}
CASES = [
    pytest.param(device_type, case, id=f"type{device_type}-{name}")
    for device_type, cases in [
        *((lock_type, LOCK_CASES) for lock_type in LOCK_TYPES),
        (1, BOX_CASES),
        (2, OPENER_CASES),
    ]
    for name, case in cases.items()
]


def _check_log_entry(
    account: AccountFixture, smartlock_id: int, device_type: int, action: int
) -> dict[str, Any]:
    newest = logs(account.api, smartlock_id)[0]
    assert newest["smartlockId"] == smartlock_id
    assert newest["action"] == action
    assert newest["trigger"] == 4  # web
    assert newest["state"] == 0  # success
    assert newest["name"] == account_name(account.api)
    assert newest["deviceType"] == LOG_DEVICE_TYPE[device_type]
    assert newest["autoUnlock"] is False
    return newest


@pytest.mark.parametrize(("device_type", "case"), CASES)
def test_action_moves_the_device_and_is_logged(
    account: AccountFixture, device_type: int, case: Case
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    for action, seconds in case.setup:
        act_and_settle(api, smartlock_id, action, seconds)
    before = device(api, smartlock_id)
    assert "operationId" not in before
    entries_before = len(logs(api, smartlock_id))

    act(api, smartlock_id, case.action, case.option)
    # Accepted, not yet done: the device carries the operation, nothing has moved.
    queued = device(api, smartlock_id)
    assert queued["operationId"]
    assert queued["state"]["operationId"] == queued["operationId"]
    assert queued["state"]["state"] == before["state"]["state"]
    assert len(logs(api, smartlock_id)) == entries_before

    for index, (seconds, expected) in enumerate(case.timeline):
        advance(api, seconds)
        shown = device(api, smartlock_id)
        assert {key: shown["state"][key] for key in expected} == expected, (index, shown)
        if index == 0:
            assert ("operationId" in shown) is case.in_flight_after_start
    done = device(api, smartlock_id)
    assert "operationId" not in done
    assert "operationId" not in done["state"]
    assert "error" not in done
    assert done["state"]["lastAction"] == (case.shown_last_action or case.action)
    # The device records the cause it saw: a command relayed by its bridge is "system" (0);
    # the box, which has no bridge, records "web" (4).
    assert done["state"]["trigger"] == (4 if device_type == 1 else 0)

    entries = logs(api, smartlock_id)
    assert len(entries) == entries_before + 1  # one entry per action, also for lock 'n' go
    _check_log_entry(account, smartlock_id, device_type, case.action)


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_lock_when_locked_completes_at_once_without_moving(
    account: AccountFixture, device_type: int
) -> None:
    smartlock_id = add_device(account, device_type)
    act(account.api, smartlock_id, 2)
    advance(account.api, 0)
    shown = device(account.api, smartlock_id)
    assert shown["state"]["state"] == 1
    assert shown["state"]["batteryCharge"] == 100  # the motor did not run
    assert "operationId" not in shown
    _check_log_entry(account, smartlock_id, device_type, 2)


@pytest.mark.parametrize(
    ("device_type", "block"), [(0, "advanced/config"), (3, "advanced/smartdoorconfig")]
)
def test_unlatch_hold_and_lock_n_go_timeout_come_from_the_advanced_config(
    account: AccountFixture, device_type: int, block: str
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    settings = {"unlatchDuration": 10, "lngTimeout": 5}
    assert api.post(f"/smartlock/{smartlock_id}/{block}", json=settings).status_code == 204

    act(api, smartlock_id, 5)  # lock 'n' go with unlatch
    advance(api, MOTOR_TIME)
    assert state(api, smartlock_id)["state"] == 5  # unlatched, held 10 s
    advance(api, UNLATCH_HOLD)
    assert state(api, smartlock_id)["state"] == 5
    advance(api, 10 - UNLATCH_HOLD)
    assert state(api, smartlock_id)["state"] == 6  # unlocked (lock 'n' go), relocks after 5 s
    advance(api, 5)
    assert state(api, smartlock_id)["state"] == 4
    advance(api, MOTOR_TIME)
    assert state(api, smartlock_id)["state"] == 1


def test_opener_timings_come_from_its_advanced_config(account: AccountFixture) -> None:
    api = account.api
    opener = add_device(account, 2)
    settings = {"electricStrikeDelay": 1000, "electricStrikeDuration": 2000, "rtoTimeout": 1}
    response = api.post(f"/smartlock/{opener}/advanced/openerconfig", json=settings)
    assert response.status_code == 204

    act(api, opener, 3)
    advance(api, 0)
    assert state(api, opener)["state"] == 7  # opening, for the strike delay
    advance(api, 1)
    assert state(api, opener)["state"] == 5  # open, for the strike duration
    advance(api, 2)
    assert state(api, opener)["state"] == 1

    act(api, opener, 1)
    advance(api, 0)
    assert state(api, opener)["ringToOpenTimer"] == 60
    assert "ringToOpenEnd" in state(api, opener)
    advance(api, 59)
    assert state(api, opener) | {"ringToOpenTimer": 1} == state(api, opener)
    assert state(api, opener)["state"] == 3
    advance(api, 1)
    shown = state(api, opener)
    assert (shown["state"], shown["ringToOpenTimer"]) == (1, 0)
    assert "ringToOpenEnd" not in shown


def test_continuous_mode_keeps_ring_to_open_running(account: AccountFixture) -> None:
    api = account.api
    opener = add_device(account, 2)
    act_and_settle(api, opener, 1, 60)
    act_and_settle(api, opener, 6)
    shown = state(api, opener)
    assert (shown["state"], shown["mode"]) == (3, 3)
    assert shown["ringToOpenTimer"] == int(RTO_TIMEOUT) - 60
    act_and_settle(api, opener, 7)
    assert (state(api, opener)["state"], state(api, opener)["mode"]) == (3, 2)
    advance(api, RTO_TIMEOUT - 60)
    assert state(api, opener)["state"] == 1


# --- refused actions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "action"),
    [
        *((lock_type, action) for lock_type in LOCK_TYPES for action in (0, 6, 7)),
        *((1, action) for action in (0, 2, 3, 4, 5, 6, 7)),
        *((2, action) for action in (0, 4, 5)),
    ],
)
def test_an_action_the_type_lacks_is_400_naming_action(
    account: AccountFixture, device_type: int, action: int
) -> None:
    smartlock_id = add_device(account, device_type)
    response = account.api.post(f"/smartlock/{smartlock_id}/action", json={"action": action})
    assert response.status_code == 400
    assert "'action'" in response.json()["detailMessage"]
    assert "operationId" not in device(account.api, smartlock_id)


@pytest.mark.parametrize("body", [{"action": 8}, {"option": 1}, {}])
def test_a_malformed_action_is_400_naming_action(
    account: AccountFixture, body: dict[str, int]
) -> None:
    smartlock_id = add_device(account, 4)
    response = account.api.post(f"/smartlock/{smartlock_id}/action", json=body)
    assert response.status_code == 400
    assert "'action'" in response.json()["detailMessage"]


@pytest.mark.parametrize("option", [1, 3, 8, -1])
def test_a_bad_option_is_400_naming_option(account: AccountFixture, option: int) -> None:
    smartlock_id = add_device(account, 0)
    response = account.api.post(
        f"/smartlock/{smartlock_id}/action", json={"action": 1, "option": option}
    )
    assert response.status_code == 400
    assert "'option'" in response.json()["detailMessage"]
    assert "operationId" not in device(account.api, smartlock_id)


def _writes(smartlock_id: int) -> list[tuple[str, str, Any]]:
    base = f"/smartlock/{smartlock_id}"
    return [
        ("POST", f"{base}/action", {"action": 2}),
        ("POST", f"{base}/action/lock", None),
        ("POST", f"{base}/action/unlock", None),
        ("POST", f"{base}/config", {"ledBrightness": 1}),
        ("POST", f"{base}/advanced/config", {"lngTimeout": 5}),
        ("POST", f"{base}/web/config", {"batteryWarningPerMailEnabled": True}),
        ("POST", "/bulk-web-config", {"webConfigRequests": [_bulk_item(smartlock_id)]}),
        ("POST", f"{base}/admin/pin", {"adminPin": 1234}),
        ("POST", f"{base}/sync", None),
        ("POST", base, {"name": "Renamed"}),
        ("DELETE", base, None),
    ]


def _bulk_item(smartlock_id: int) -> dict[str, Any]:
    return {"smartlockId": smartlock_id, "webConfig": {"batteryWarningPerMailEnabled": True}}


def test_every_write_is_423_while_an_operation_is_in_flight(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    act(api, smartlock_id, 1)
    in_flight = device(api, smartlock_id)
    for method, path, body in _writes(smartlock_id):
        response = api.request(method, path, json=body)
        assert response.status_code == 423, (method, path, response.text)
        assert "busy" in response.json()["detailMessage"]
    advance(api, 0)
    during = device(api, smartlock_id)
    assert during["operationId"] == in_flight["operationId"]  # the first operation still runs
    assert during["name"] == in_flight["name"]
    assert during["config"] == in_flight["config"]

    advance(api, MOTOR_TIME)
    assert "operationId" not in device(api, smartlock_id)
    for method, path, body in _writes(smartlock_id)[3:-1]:  # configuration writes, then rename
        response = api.request(method, path, json=body)
        assert response.status_code == 204, (method, path, response.text)
    assert device(api, smartlock_id)["name"] == "Renamed"
    assert [entry["action"] for entry in logs(api, smartlock_id)] == [1]  # only the first ran


def test_reads_answer_while_an_operation_is_in_flight(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    act(api, smartlock_id, 3)
    assert api.get(f"/smartlock/{smartlock_id}").status_code == 200
    assert api.get("/smartlock").status_code == 200
    assert api.get(f"/smartlock/{smartlock_id}/log").status_code == 200
    advance(api, MOTOR_TIME)


# --- simple actions (doc §6.1) ----------------------------------------------------------------


def _simple(api: ApiClient, smartlock_id: int, kind: str) -> Any:
    return api.post(f"/smartlock/{smartlock_id}/action/{kind}")


def _logged_actions(api: ApiClient, smartlock_id: int) -> list[int]:
    return [entry["action"] for entry in reversed(logs(api, smartlock_id))]


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_simple_unlock_of_a_lock_with_a_knob_unlatches(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    assert _simple(api, smartlock_id, "unlock").status_code == 204
    advance(api, 0)
    assert state(api, smartlock_id)["state"] == 7  # unlatching
    advance(api, MOTOR_TIME + UNLATCH_HOLD)
    assert state(api, smartlock_id)["state"] == 3
    assert _simple(api, smartlock_id, "lock").status_code == 204
    advance(api, 0)
    assert state(api, smartlock_id)["state"] == 4
    advance(api, MOTOR_TIME)
    assert state(api, smartlock_id)["state"] == 1
    assert _logged_actions(api, smartlock_id) == [3, 2]
    _check_log_entry(account, smartlock_id, device_type, 2)


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_simple_unlock_of_a_lock_with_a_handle_unlocks(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "handle", handle=True)
    assert _simple(api, smartlock_id, "unlock").status_code == 204
    advance(api, 0)
    assert state(api, smartlock_id)["state"] == 2  # unlocking
    advance(api, MOTOR_TIME)
    assert state(api, smartlock_id)["state"] == 3
    _check_log_entry(account, smartlock_id, device_type, 1)
    simulate(api, smartlock_id, "handle", handle=False)
    assert _simple(api, smartlock_id, "unlock").status_code == 204
    advance(api, MOTOR_TIME + 60)
    assert _logged_actions(api, smartlock_id) == [1, 3]  # then a knob: unlatch


def test_simple_lock_of_an_opener_deactivates_ring_to_open_and_continuous_mode(
    account: AccountFixture,
) -> None:
    api = account.api
    opener = add_device(account, 2)
    act_and_settle(api, opener, 1)
    act_and_settle(api, opener, 6)
    assert (state(api, opener)["state"], state(api, opener)["mode"]) == (3, 3)
    assert _simple(api, opener, "lock").status_code == 204
    assert "operationId" in device(api, opener)
    advance(api, 0)
    shown = device(api, opener)
    assert (shown["state"]["state"], shown["state"]["mode"]) == (1, 2)
    assert shown["state"]["ringToOpenTimer"] == 0
    assert "operationId" not in shown
    assert _logged_actions(api, opener) == [1, 6, 2, 7]
    _check_log_entry(account, opener, 2, 7)


def test_simple_unlock_of_an_opener_opens(account: AccountFixture) -> None:
    api = account.api
    opener = add_device(account, 2)
    assert _simple(api, opener, "unlock").status_code == 204
    advance(api, 0)
    assert state(api, opener)["state"] == 5
    advance(api, STRIKE_DURATION)
    assert state(api, opener)["state"] == 1
    _check_log_entry(account, opener, 2, 3)


def test_a_box_cannot_be_locked_but_unlocks(account: AccountFixture) -> None:
    api = account.api
    box = add_device(account, 1)
    response = _simple(api, box, "lock")
    assert response.status_code == 405
    assert "Box" in response.json()["detailMessage"]
    assert "operationId" not in device(api, box)
    assert _simple(api, box, "unlock").status_code == 204
    advance(api, 0)
    assert state(api, box)["lastAction"] == 1
    _check_log_entry(account, box, 1, 1)
    assert _logged_actions(api, box) == [1]


@pytest.mark.parametrize(
    ("device_type", "too_old", "minimum", "enough"),
    [
        (0, "2.4.2", "2.4.3", "2.4.3"),  # Smart Lock 2.0
        (0, "1.7.9", "1.8.0", "1.8.0"),  # Smart Lock 1.0
        (2, "1.2.9", "1.3.0", "1.3.0"),  # Opener
    ],
)
def test_simple_actions_need_the_device_firmware_minimum(
    account: AccountFixture, device_type: int, too_old: str, minimum: str, enough: str
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "firmware", version=too_old)
    for kind in ("lock", "unlock"):
        response = _simple(api, smartlock_id, kind)
        assert response.status_code == 405, kind
        message = response.json()["detailMessage"]
        assert minimum in message
        assert too_old in message
    assert "operationId" not in device(api, smartlock_id)
    # Ordinary actions do not need it.
    act_and_settle(api, smartlock_id, 1, MOTOR_TIME)

    simulate(api, smartlock_id, "firmware", version=enough)
    assert _simple(api, smartlock_id, "unlock").status_code == 204
    advance(api, MOTOR_TIME + UNLATCH_HOLD + STRIKE_DURATION)


@pytest.mark.parametrize("device_type", [1, 3, 4])
def test_devices_without_a_documented_minimum_accept_any_firmware(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "firmware", version="0.1.0")
    assert device(api, smartlock_id)["firmwareVersion"] == 0x000100
    assert _simple(api, smartlock_id, "unlock").status_code == 204
    advance(api, MOTOR_TIME + UNLATCH_HOLD)


def test_simple_actions_need_the_bridge_firmware_minimum(account: AccountFixture) -> None:
    # The simulator control API has no call for the bridge's firmware: it is set in the store.
    api = account.api
    smartlock_id = add_device(account, 4)
    with api.server.ctx.db.transaction() as conn:
        conn.execute(
            update(bridges)
            .where(bridges.c.bridge_id == bridge_id(api))
            .values(firmware_version="2.4.9")
        )
    response = _simple(api, smartlock_id, "unlock")
    assert response.status_code == 405
    assert "2.5.0" in response.json()["detailMessage"]
    act_and_settle(api, smartlock_id, 1, MOTOR_TIME)  # an ordinary action still works
