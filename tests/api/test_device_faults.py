"""Hardware failing the way hardware fails, provoked through the simulator control API: a bridge
going offline, a blocked motor, a busy or flat device; and what else happens to devices on their
own: the battery draining, the door opening, the button, a turn by hand, the doorbell, night
mode."""

from __future__ import annotations

from typing import Any

import pytest

from tests.devices import (
    LOCK_TYPES,
    MOTOR_TIME,
    RTO_TIMEOUT,
    STRIKE_DURATION,
    UNLATCH_HOLD,
    act,
    act_and_settle,
    add_device,
    advance,
    device,
    logs,
    set_bridge_online,
    simulate,
    state,
)
from tests.support import AccountFixture

# --- bridge offline ---------------------------------------------------------------------------


@pytest.mark.parametrize("device_type", [0, 1, 2, 3, 4])
def test_offline_bridge_action_answers_204_changes_nothing_and_leaves_an_error(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    assert device(api, smartlock_id)["serverState"] == 0
    set_bridge_online(api, online=False)
    before = device(api, smartlock_id)
    assert before["serverState"] == 4

    act(api, smartlock_id, 1)
    advance(api, RTO_TIMEOUT)
    after = device(api, smartlock_id)
    assert "operationId" not in after  # nothing hangs
    assert "offline" in after["error"]
    assert after["state"] == before["state"]
    assert logs(api, smartlock_id) == []

    set_bridge_online(api, online=True)
    online = device(api, smartlock_id)
    assert online["serverState"] == 0
    act(api, smartlock_id, 1)
    assert "error" not in device(api, smartlock_id)
    advance(api, MOTOR_TIME)
    assert device(api, smartlock_id)["state"]["lastAction"] == 1
    assert [entry["action"] for entry in logs(api, smartlock_id)] == [1]


def test_offline_bridge_applies_to_all_its_devices_and_to_new_ones(
    account: AccountFixture,
) -> None:
    api = account.api
    first = add_device(account, 0)
    set_bridge_online(api, online=False)
    second = add_device(account, 2)
    assert [d["serverState"] for d in api.get("/smartlock").json()] == [4, 4]
    for kind in ("lock", "unlock"):
        assert api.post(f"/smartlock/{second}/action/{kind}").status_code == 204
    assert "offline" in device(api, second)["error"]
    set_bridge_online(api, online=True)
    assert {device(api, d)["serverState"] for d in (first, second)} == {0}


def test_offline_bridge_refuses_configuration_and_sync_with_an_error(
    account: AccountFixture,
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    before = device(api, smartlock_id)
    set_bridge_online(api, online=False)
    base = f"/smartlock/{smartlock_id}"
    for path, body in [
        (f"{base}/config", {"ledBrightness": 1}),
        (f"{base}/advanced/config", {"lngTimeout": 5}),
        (f"{base}/admin/pin", {"adminPin": 1234}),
        (f"{base}/sync", None),
    ]:
        assert api.post(path, json=body).status_code == 204, path
        shown = device(api, smartlock_id)
        assert "offline" in shown["error"], path
    shown = device(api, smartlock_id)
    assert shown["config"] == before["config"]
    assert shown["advancedConfig"] == before["advancedConfig"]

    # The web config is Nuki Web's own: it changes whether the device is reachable or not.
    web = {"batteryWarningPerMailEnabled": True}
    assert api.post(f"{base}/web/config", json=web).status_code == 204
    assert device(api, smartlock_id)["webConfig"]["batteryWarningPerMailEnabled"] is True

    set_bridge_online(api, online=True)
    assert api.post(f"{base}/sync").status_code == 204
    assert "error" not in device(api, smartlock_id)
    assert api.post(f"{base}/config", json={"ledBrightness": 1}).status_code == 204
    assert device(api, smartlock_id)["config"]["ledBrightness"] == 1


def test_another_accounts_bridge_is_404(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    add_device(account, 0)
    bridge = account.api.get("/simulator/bridges").json()[0]
    assert bridge["online"] is True
    assert other_account.api.get("/simulator/bridges").json() == []
    path = f"/simulator/bridges/{bridge['bridgeId']}/online"
    assert other_account.api.post(path, json={"online": False}).status_code == 404
    assert account.api.get("/simulator/bridges").json()[0]["online"] is True


# --- motor blocked ----------------------------------------------------------------------------


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_motor_blocked_ends_in_state_254_and_the_next_action_works(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "fault", fault="motor_blocked")
    act(api, smartlock_id, 1)
    advance(api, 0)
    assert state(api, smartlock_id)["state"] == 2  # the motor starts
    advance(api, MOTOR_TIME)
    blocked = device(api, smartlock_id)
    assert blocked["state"]["state"] == 254
    assert blocked["error"]
    assert "operationId" not in blocked
    entry = logs(api, smartlock_id)[0]
    assert (entry["action"], entry["trigger"], entry["state"]) == (1, 4, 1)

    # The fault was for one action: the next one works, and clears the error.
    act(api, smartlock_id, 1)
    advance(api, MOTOR_TIME)
    recovered = device(api, smartlock_id)
    assert recovered["state"]["state"] == 3
    assert "error" not in recovered
    assert [entry["state"] for entry in logs(api, smartlock_id)] == [0, 1]


@pytest.mark.parametrize("device_type", [1, 2])
def test_motor_blocked_needs_a_motor(account: AccountFixture, device_type: int) -> None:
    smartlock_id = add_device(account, device_type)
    response = account.api.post(
        f"/simulator/smartlocks/{smartlock_id}/fault", json={"fault": "motor_blocked"}
    )
    assert response.status_code == 400
    assert "'fault'" in response.json()["detailMessage"]


# --- busy -------------------------------------------------------------------------------------


def test_a_write_while_an_operation_is_in_flight_is_423(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    act(api, smartlock_id, 3)
    response = api.post(f"/smartlock/{smartlock_id}/action", json={"action": 2})
    assert response.status_code == 423
    advance(api, MOTOR_TIME + UNLATCH_HOLD)
    assert [entry["action"] for entry in logs(api, smartlock_id)] == [3]


@pytest.mark.parametrize(
    ("device_type", "first", "busy_for", "second"),
    [(0, 3, UNLATCH_HOLD, 1), (3, 3, UNLATCH_HOLD, 2), (2, 3, STRIKE_DURATION, 1)],
)
def test_a_device_still_moving_answers_busy(
    account: AccountFixture, device_type: int, first: int, busy_for: float, second: int
) -> None:
    """Once the operation is done the device may still be busy (holding the latch, the door
    open): an action then is accepted and logged as busy (completion state 4)."""
    api = account.api
    smartlock_id = add_device(account, device_type)
    act(api, smartlock_id, first)
    advance(api, MOTOR_TIME if device_type != 2 else 0)
    held = state(api, smartlock_id)["state"]
    assert held == 5  # unlatched / open
    act(api, smartlock_id, second)
    advance(api, 0)
    shown = device(api, smartlock_id)
    assert shown["state"]["state"] == held
    assert "busy" in shown["error"]
    entry = logs(api, smartlock_id)[0]
    assert (entry["action"], entry["state"]) == (second, 4)
    advance(api, busy_for)
    assert state(api, smartlock_id)["state"] in (1, 3)  # back to where the first action left it


# --- battery ----------------------------------------------------------------------------------


@pytest.mark.parametrize("device_type", [0, 2, 3, 4])
def test_battery_charge_and_critical(account: AccountFixture, device_type: int) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    shown = state(api, smartlock_id)
    assert (shown["batteryCharge"], shown["batteryCritical"]) == (100, False)
    simulate(api, smartlock_id, "battery", charge=21)
    assert state(api, smartlock_id)["batteryCritical"] is False
    simulate(api, smartlock_id, "battery", charge=15)
    shown = state(api, smartlock_id)
    assert (shown["batteryCharge"], shown["batteryCritical"]) == (15, True)
    simulate(api, smartlock_id, "battery", charge=80)
    assert state(api, smartlock_id)["batteryCritical"] is False


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_a_flat_battery_cannot_move_the_motor(account: AccountFixture, device_type: int) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "battery", charge=0)
    act(api, smartlock_id, 1)
    advance(api, MOTOR_TIME)
    shown = device(api, smartlock_id)
    assert shown["state"]["state"] == 1  # still locked
    assert shown["state"]["batteryCritical"] is True
    assert shown["error"]
    assert "operationId" not in shown
    entry = logs(api, smartlock_id)[0]
    assert (entry["action"], entry["state"]) == (1, 5)  # low motor voltage

    simulate(api, smartlock_id, "battery", charge=100)
    act(api, smartlock_id, 1)
    advance(api, MOTOR_TIME)
    assert state(api, smartlock_id)["state"] == 3


@pytest.mark.parametrize(
    ("device_type", "action", "charge", "after"),
    [
        (0, 1, 50.05, 49),  # a motor movement takes 0.1 %
        (4, 3, 50.1, 49),  # an unlatch 0.15 %
        (3, 2, 50.05, 50),  # locking a locked lock moves nothing
        (2, 1, 50.01, 49),  # an opener action 0.02 %
        (0, 1, 20.05, 19),  # and goes critical at 20 %
    ],
)
def test_each_action_drains_the_battery(
    account: AccountFixture, device_type: int, action: int, charge: float, after: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "battery", charge=charge)
    assert state(api, smartlock_id)["batteryCharge"] == int(charge)
    act(api, smartlock_id, action)
    advance(api, MOTOR_TIME + UNLATCH_HOLD)
    shown = state(api, smartlock_id)
    assert shown["batteryCharge"] == after
    assert shown["batteryCritical"] is (after <= 20)


def test_the_box_has_no_battery(account: AccountFixture) -> None:
    box = add_device(account, 1)
    response = account.api.post(f"/simulator/smartlocks/{box}/battery", json={"charge": 10})
    assert response.status_code == 400
    assert "'charge'" in response.json()["detailMessage"]


@pytest.mark.parametrize("charge", [-1, 101, "full"])
def test_battery_charge_out_of_range_is_400(account: AccountFixture, charge: Any) -> None:
    smartlock_id = add_device(account, 0)
    response = account.api.post(
        f"/simulator/smartlocks/{smartlock_id}/battery", json={"charge": charge}
    )
    assert response.status_code == 400
    assert state(account.api, smartlock_id)["batteryCharge"] == 100


# --- what happens at the device ---------------------------------------------------------------


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_door_sensor_reports_the_door_and_logs_it(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    assert state(api, smartlock_id)["doorState"] == 0  # no sensor reading yet
    simulate(api, smartlock_id, "door", open=True)
    assert state(api, smartlock_id)["doorState"] == 3
    simulate(api, smartlock_id, "door", open=False)
    assert state(api, smartlock_id)["doorState"] == 2
    entries = logs(api, smartlock_id)
    assert [entry["action"] for entry in entries] == [241, 240]
    name = device(api, smartlock_id)["name"]
    for entry in entries:
        assert (entry["trigger"], entry["state"], entry["name"]) == (0, 0, name)


@pytest.mark.parametrize("device_type", [1, 2])
def test_devices_without_a_door_sensor(account: AccountFixture, device_type: int) -> None:
    smartlock_id = add_device(account, device_type)
    response = account.api.post(f"/simulator/smartlocks/{smartlock_id}/door", json={"open": True})
    assert response.status_code == 400
    assert logs(account.api, smartlock_id) == []


@pytest.mark.parametrize(
    ("device_type", "presses", "action", "moving", "final", "seconds"),
    [
        (0, 1, 1, 2, 3, MOTOR_TIME),  # intelligent: a locked lock unlocks
        (4, 2, 4, 2, 6, MOTOR_TIME),  # double press: lock 'n' go
        (3, 1, 1, 2, 3, MOTOR_TIME),
        (2, 1, 1, 3, 3, 0),  # an opener's single press toggles ring to open
        (2, 2, 6, 1, 1, 0),  # its double press toggles continuous mode
    ],
)
def test_pressing_the_button(
    account: AccountFixture,
    device_type: int,
    presses: int,
    action: int,
    moving: int,
    final: int,
    seconds: float,
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "button", presses=presses)
    advance(api, 0)
    assert state(api, smartlock_id)["state"] == moving
    advance(api, seconds)
    shown = state(api, smartlock_id)
    assert shown["state"] == final
    assert shown["trigger"] == 2  # button
    entry = logs(api, smartlock_id)[0]
    assert (entry["action"], entry["trigger"], entry["state"]) == (action, 2, 0)
    assert entry["name"] == device(api, smartlock_id)["name"]


def test_pressing_a_box_button_unlocks_it(account: AccountFixture) -> None:
    api = account.api
    box = add_device(account, 1)
    simulate(api, box, "button", presses=1)
    advance(api, 0)
    entry = logs(api, box)[0]
    assert (entry["action"], entry["trigger"]) == (1, 2)


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_turning_the_lock_by_hand_is_a_manual_action(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    simulate(api, smartlock_id, "turn", action=1)
    advance(api, 0)
    assert state(api, smartlock_id)["state"] == 2
    advance(api, MOTOR_TIME)
    shown = state(api, smartlock_id)
    assert (shown["state"], shown["trigger"], shown["lastAction"]) == (3, 1, 1)
    entry = logs(api, smartlock_id)[0]
    assert (entry["action"], entry["trigger"], entry["state"]) == (1, 1, 0)


@pytest.mark.parametrize("device_type", [1, 2])
def test_only_a_lock_turns_by_hand(account: AccountFixture, device_type: int) -> None:
    smartlock_id = add_device(account, device_type)
    response = account.api.post(f"/simulator/smartlocks/{smartlock_id}/turn", json={"action": 1})
    assert response.status_code == 400


def test_ringing_an_opener_without_ring_to_open_only_logs_the_ring(
    account: AccountFixture,
) -> None:
    api = account.api
    opener = add_device(account, 2)
    simulate(api, opener, "ring")
    advance(api, STRIKE_DURATION)
    assert state(api, opener)["state"] == 1
    entry = logs(api, opener)[0]
    assert (entry["action"], entry["trigger"], entry["state"], entry["deviceType"]) == (
        224,
        0,
        0,
        2,
    )
    assert len(logs(api, opener)) == 1


def test_ringing_with_ring_to_open_active_opens_the_door(account: AccountFixture) -> None:
    api = account.api
    opener = add_device(account, 2)
    act_and_settle(api, opener, 1)
    simulate(api, opener, "ring")
    advance(api, 0)
    assert state(api, opener)["state"] == 5  # open
    advance(api, STRIKE_DURATION)
    # openerAdvancedConfig.disableRtoAfterRing (true by default): the ring used it up.
    shown = state(api, opener)
    assert (shown["state"], shown["ringToOpenTimer"]) == (1, 0)
    assert [entry["action"] for entry in logs(api, opener)][:2] == [3, 224]
    assert logs(api, opener)[0]["trigger"] == 0


def test_ring_to_open_stays_after_a_ring_when_configured_so(account: AccountFixture) -> None:
    api = account.api
    opener = add_device(account, 2)
    settings = {"disableRtoAfterRing": False}
    assert api.post(f"/smartlock/{opener}/advanced/openerconfig", json=settings).status_code == 204
    act_and_settle(api, opener, 1, 60)
    simulate(api, opener, "ring")
    advance(api, STRIKE_DURATION)
    shown = state(api, opener)
    assert shown["state"] == 3
    assert shown["ringToOpenTimer"] == int(RTO_TIMEOUT) - 60 - int(STRIKE_DURATION)
    advance(api, RTO_TIMEOUT)
    assert state(api, opener)["state"] == 1


def test_ringing_in_continuous_mode_opens_every_time(account: AccountFixture) -> None:
    api = account.api
    opener = add_device(account, 2)
    act_and_settle(api, opener, 6)
    for _ in range(2):
        simulate(api, opener, "ring")
        advance(api, 0)
        assert state(api, opener)["state"] == 5
        advance(api, STRIKE_DURATION)
        assert (state(api, opener)["state"], state(api, opener)["mode"]) == (1, 3)
    assert [entry["action"] for entry in logs(api, opener)] == [3, 224, 3, 224, 6]


@pytest.mark.parametrize("device_type", [0, 1, 3, 4])
def test_only_an_opener_rings(account: AccountFixture, device_type: int) -> None:
    smartlock_id = add_device(account, device_type)
    response = account.api.post(f"/simulator/smartlocks/{smartlock_id}/ring")
    assert response.status_code == 400


@pytest.mark.parametrize("device_type", [0, 2, 3, 4])
def test_night_mode_shows_and_does_not_stop_web_actions(
    account: AccountFixture, device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    assert state(api, smartlock_id)["nightMode"] is False
    simulate(api, smartlock_id, "night-mode", enabled=True)
    assert state(api, smartlock_id)["nightMode"] is True
    act(api, smartlock_id, 1)
    advance(api, MOTOR_TIME)
    assert logs(api, smartlock_id)[0]["state"] == 0
    simulate(api, smartlock_id, "night-mode", enabled=False)
    assert state(api, smartlock_id)["nightMode"] is False


def test_firmware_update_shows_and_is_logged(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    simulate(api, smartlock_id, "firmware", version="4.5.1")
    assert device(api, smartlock_id)["firmwareVersion"] == 0x040501
    entry = logs(api, smartlock_id)[0]
    assert (entry["action"], entry["trigger"], entry["state"]) == (243, 0, 0)
    for version in ["4.5.256", "four", "4"]:
        response = api.post(
            f"/simulator/smartlocks/{smartlock_id}/firmware", json={"version": version}
        )
        assert response.status_code == 400, version


def test_the_simulator_answers_only_for_the_accounts_own_devices(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    smartlock_id = add_device(account, 2)
    before = device(account.api, smartlock_id)
    for what, body in [
        ("fault", {"fault": "motor_blocked"}),
        ("battery", {"charge": 5}),
        ("door", {"open": True}),
        ("button", {"presses": 1}),
        ("turn", {"action": 1}),
        ("ring", None),
        ("firmware", {"version": "1.0.0"}),
        ("night-mode", {"enabled": True}),
    ]:
        path = f"/simulator/smartlocks/{smartlock_id}/{what}"
        assert other_account.api.post(path, json=body).status_code == 404, what
    advance(account.api, STRIKE_DURATION)
    assert device(account.api, smartlock_id) == before
    assert logs(account.api, smartlock_id) == []


@pytest.mark.parametrize(
    ("device_type", "block"),
    [(0, "advanced/config"), (4, "advanced/config"), (3, "advanced/smartdoorconfig")],
)
def test_auto_lock_locks_an_unlocked_lock_after_its_timeout(
    account: AccountFixture, device_type: int, block: str
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    settings = {"autoLock": True, "autoLockTimeout": 30}
    assert api.post(f"/smartlock/{smartlock_id}/{block}", json=settings).status_code == 204
    act(api, smartlock_id, 1)
    advance(api, MOTOR_TIME + 29)
    assert state(api, smartlock_id)["state"] == 3
    advance(api, 1)
    assert state(api, smartlock_id)["state"] == 4
    advance(api, MOTOR_TIME)
    shown = state(api, smartlock_id)
    assert (shown["state"], shown["trigger"], shown["lastAction"]) == (1, 6, 2)
    entry = logs(api, smartlock_id)[0]
    assert (entry["action"], entry["trigger"], entry["state"]) == (2, 6, 0)
    assert entry["name"] == device(api, smartlock_id)["name"]

    # Locked by someone before the timeout: auto lock has nothing left to do.
    act(api, smartlock_id, 1)
    advance(api, MOTOR_TIME + 10)
    act(api, smartlock_id, 2)
    advance(api, MOTOR_TIME + 30)
    assert [(e["action"], e["trigger"]) for e in logs(api, smartlock_id)][:2] == [(2, 4), (1, 4)]
