"""Devices' documents are kept rendered per revision (api/smartlock_views.py): after every kind
of write that changes a device, ``GET /smartlock`` and ``GET /smartlock/{id}`` show the change,
whoever wrote it, and a state that depends on the time is shown as it is now."""

from __future__ import annotations

from typing import Any

from nukiweb.runtime import build_context
from nukiweb.services import smartlocks
from nukiweb.store.database import Database
from tests.devices import MOTOR_TIME, act, add_device, advance, device, simulate
from tests.support import AccountFixture

UNLOCK, UNLOCKED = 1, 3  # SmartlockAction.action, Smartlock.State.state


def listed(account: AccountFixture, smartlock_id: int) -> dict[str, Any] | None:
    response = account.api.get("/smartlock")
    assert response.status_code == 200, response.text
    found = [shown for shown in response.json() if shown["smartlockId"] == smartlock_id]
    return found[0] if found else None


def shown_both_ways(account: AccountFixture, smartlock_id: int) -> dict[str, Any]:
    """The device as the list shows it, which must be what its own GET shows; each read
    twice, the second from what the first kept."""
    first = listed(account, smartlock_id)
    assert first is not None
    assert listed(account, smartlock_id) == first
    assert device(account.api, smartlock_id) == first
    assert device(account.api, smartlock_id) == first
    return first


def test_an_update_through_the_api_is_shown(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 4)
    assert shown_both_ways(account, smartlock_id)["name"] == "Device 4"
    response = account.api.post(f"/smartlock/{smartlock_id}", json={"name": "Shed"})
    assert response.status_code == 204
    assert shown_both_ways(account, smartlock_id)["name"] == "Shed"
    response = account.api.post(f"/smartlock/{smartlock_id}", json={"favorite": True})
    assert response.status_code == 204
    assert shown_both_ways(account, smartlock_id)["favorite"] is True


def test_config_updates_are_shown(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 0)
    shown_both_ways(account, smartlock_id)
    api = account.api
    assert api.post(f"/smartlock/{smartlock_id}/config", json={"name": "Gate"}).status_code == 204
    shown = shown_both_ways(account, smartlock_id)
    assert (shown["name"], shown["config"]["name"]) == ("Gate", "Gate")
    body = {"lngTimeout": 5}
    assert api.post(f"/smartlock/{smartlock_id}/advanced/config", json=body).status_code == 204
    assert shown_both_ways(account, smartlock_id)["advancedConfig"]["lngTimeout"] == 5
    body = {"batteryWarningPerMailEnabled": False}
    assert api.post(f"/smartlock/{smartlock_id}/web/config", json=body).status_code == 204
    assert not shown_both_ways(account, smartlock_id)["webConfig"]["batteryWarningPerMailEnabled"]
    bulk = {
        "webConfigRequests": [
            {"smartlockId": smartlock_id, "webConfig": {"batteryWarningPerMailEnabled": True}}
        ]
    }
    assert api.post("/bulk-web-config", json=bulk).status_code == 204
    assert shown_both_ways(account, smartlock_id)["webConfig"]["batteryWarningPerMailEnabled"]


def test_an_action_is_shown_while_it_runs_and_when_it_completes(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 4)
    assert shown_both_ways(account, smartlock_id)["state"]["state"] != UNLOCKED
    act(account.api, smartlock_id, UNLOCK)
    running = shown_both_ways(account, smartlock_id)
    assert "operationId" in running
    advance(account.api, MOTOR_TIME)
    done = shown_both_ways(account, smartlock_id)
    assert done["state"]["state"] == UNLOCKED
    assert "operationId" not in done


def test_simulator_control_is_shown(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 0)
    shown_both_ways(account, smartlock_id)
    simulate(account.api, smartlock_id, "battery", charge=10)
    assert shown_both_ways(account, smartlock_id)["state"]["batteryCharge"] == 10
    simulate(account.api, smartlock_id, "door", open=True)
    assert shown_both_ways(account, smartlock_id)["state"]["doorState"] == 3


def test_a_deleted_device_is_gone(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 2)
    shown_both_ways(account, smartlock_id)
    assert account.api.delete(f"/smartlock/{smartlock_id}").status_code == 204
    assert listed(account, smartlock_id) is None
    assert account.api.get(f"/smartlock/{smartlock_id}").status_code == 404


def test_a_device_made_again_is_shown_as_it_is_now(account: AccountFixture) -> None:
    """The same smartlockId again (same type and nukiId): nothing of the former is shown."""
    smartlock_id = add_device(account, 4, nukiId="00C0FFEE", name="Before")
    shown_both_ways(account, smartlock_id)
    assert account.api.delete(f"/smartlock/{smartlock_id}").status_code == 204
    assert add_device(account, 4, nukiId="00C0FFEE", name="After") == smartlock_id
    assert shown_both_ways(account, smartlock_id)["name"] == "After"


def test_ring_to_open_time_left_is_shown_as_it_is_now(account: AccountFixture) -> None:
    opener = add_device(account, 2)
    act(account.api, opener, 1)  # activate ring to open
    advance(account.api, 0)
    assert shown_both_ways(account, opener)["state"]["ringToOpenTimer"] > 0
    before = shown_both_ways(account, opener)["state"]["ringToOpenTimer"]
    advance(account.api, 10)
    assert shown_both_ways(account, opener)["state"]["ringToOpenTimer"] == before - 10


def test_a_write_by_another_process_is_shown(account: AccountFixture) -> None:
    """Another process writing to the same store (here: services on an engine of their own, as
    ``nukiweb admin`` or a second server would): the next GET shows its write."""
    smartlock_id = add_device(account, 0)
    shown_both_ways(account, smartlock_id)
    other = Database(account.api.server.ctx.db.url)
    try:
        ctx = build_context(other)
        caller = account.api.server.ctx.tokens.authenticate(f"Bearer {account.token}")
        smartlocks.update_device(ctx, caller, smartlock_id, {"name": "Elsewhere"})
    finally:
        other.dispose()
    assert shown_both_ways(account, smartlock_id)["name"] == "Elsewhere"
