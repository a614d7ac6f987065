"""Locks on an MQTT broker, through the Web API: a real server connected to a real Mosquitto,
and locks whose every message the test writes (tests/mqtt.py), on SQLite and PostgreSQL.
Every topic of the reference page is covered here or in tests/domain/test_mqtt_api.py."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from nukiweb.bridges.broker import BrokerSettings
from nukiweb.bridges.mqtt import NOT_ADMINISTERED, NOT_SENT
from nukiweb.domain.devices import CompletionState, LogTrigger, ServerState
from nukiweb.domain.errors import Conflict, InvalidParameter
from nukiweb.services import mqtt_locks
from nukiweb.store import broker_locks
from tests.api.test_webhook_delivery import advanced_action, central, decentral
from tests.contract.validation import ContractValidator
from tests.devices import account_name, advance, device, logs, state
from tests.mqtt import Broker, ScriptedLock
from tests.support import AccountFixture, RunningServer, make_account, running_server
from tests.webhooks import Received, receiver, wait_until

COMMAND_TIMEOUT = 30.0  # simulated seconds: the server's clock is the tests' manual one
SMARTLOCK4 = 4


@pytest.fixture(scope="module")
def broker_url(broker: Broker) -> str:
    return f"{broker.url}/m-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def mqtt_server(
    database_url: str, broker_url: str, server: RunningServer
) -> Iterator[RunningServer]:
    """A server with a broker, on the store of the session's server: with its secret key, since
    either one's delivery worker may deliver the other's webhooks, and from its time, since
    either one's job worker may run the other's command deadlines."""
    settings = BrokerSettings.from_url(broker_url)
    with running_server(
        database_url,
        broker=settings,
        command_timeout=COMMAND_TIMEOUT,
        secrets=server.ctx.secrets,
        start=server.ctx.clock.now(),
    ) as brokered:
        yield brokered


@pytest.fixture
def owner(mqtt_server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(mqtt_server, contract)
    yield made
    made.api.close()


@pytest.fixture
def lock(broker_url: str) -> Iterator[ScriptedLock]:
    scripted = ScriptedLock(broker_url, secrets.randbits(31) + 1)
    yield scripted
    scripted.close()


def claim(server: RunningServer, account: AccountFixture, lock: ScriptedLock) -> int:
    """The lock, once the server has seen it connected, claimed by the account."""
    wait_until(lambda: seen(server, lock.nuki_id, "connected", "true"))
    claimed = mqtt_locks.claim(
        server.ctx, account.account_id, SMARTLOCK4, f"{lock.nuki_id:X}", None
    )
    return claimed.smartlock_id


def seen(server: RunningServer, nuki_id: int, name: str, payload: str) -> bool:
    with server.ctx.db.read() as conn:
        found = broker_locks.get(conn, nuki_id)
    return found is not None and found.topic_values.get(name) == payload


def released(account: AccountFixture, smartlock_id: int) -> dict[str, Any]:
    return wait_until(lambda: (d := device(account.api, smartlock_id))["state"].get(
        "operationId") is None and d)  # fmt: skip


FULL_STATE = {
    "deviceType": 4,
    "name": "Front door",
    "firmware": "4.2.1",
    "mode": 2,
    "state": 3,
    "batteryCritical": False,
    "batteryChargeState": 77,
    "batteryCharging": True,
    "keypadBatteryCritical": True,
    "doorsensorState": 3,
    "doorsensorBatteryCritical": True,
    "ringactionTimestamp": "2026-12-02T06:49:00+00:00",
    "serverConnected": False,
    "timestamp": "2026-12-02T06:49:00+00:00",
}


def test_a_lock_seen_on_the_broker_waits_unclaimed_and_shows_its_state_once_claimed(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    lock.report(**FULL_STATE)
    wait_until(lambda: seen(mqtt_server, lock.nuki_id, "timestamp", FULL_STATE["timestamp"]))
    assert lock.nuki_id in [found.nuki_id for found in mqtt_locks.unclaimed(mqtt_server.ctx)]
    assert owner.api.get("/smartlock").json() == []  # nobody's until claimed

    smartlock_id = claim(mqtt_server, owner, lock)

    assert smartlock_id == (SMARTLOCK4 << 32) | lock.nuki_id
    assert lock.nuki_id not in [found.nuki_id for found in mqtt_locks.unclaimed(mqtt_server.ctx)]
    shown = device(owner.api, smartlock_id)
    assert shown["name"] == "Front door"
    assert shown["serverState"] == ServerState.OK
    assert shown["firmwareVersion"] == (4 << 16) | (2 << 8) | 1
    assert shown["state"] | {} == shown["state"] | {
        "mode": 2,
        "state": 3,
        "batteryCritical": False,
        "batteryCharge": 77,
        "batteryCharging": True,
        "keypadBatteryCritical": True,
        "doorState": 3,
        "doorsensorBatteryCritical": True,
    }


def test_state_topics_change_what_the_api_shows_and_send_device_status_events(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1, doorsensorState=2, batteryCritical=True, batteryChargeState=40)
    wait_until(lambda: state(owner.api, smartlock_id)["batteryCharge"] == 40)  # published last
    shown = state(owner.api, smartlock_id)
    assert (shown["state"], shown["doorState"], shown["batteryCritical"]) == (1, 2, True)
    lock.report(name="Back door", firmware="4.3.0")
    wait_until(lambda: device(owner.api, smartlock_id)["firmwareVersion"] == (4 << 16) | (3 << 8))
    assert device(owner.api, smartlock_id)["name"] == "Back door"  # published before
    # Unreadable values, and values Smartlock.State cannot show, change nothing.
    lock.report(state="open", batteryChargeState="", doorsensorState=2, mode=9)
    lock.report(state=99999999999999999999, doorsensorState=-1)
    lock.report(name="x" * 100_000)  # nothing a lock says is that long: not even kept
    lock.report(batteryChargeState=39)
    wait_until(lambda: state(owner.api, smartlock_id)["batteryCharge"] == 39)
    shown = state(owner.api, smartlock_id)
    assert (shown["state"], shown["mode"], shown["doorState"]) == (1, 2, 2)
    assert not seen(mqtt_server, lock.nuki_id, "name", "x" * 100_000)
    assert device(owner.api, smartlock_id)["name"] == "Back door"


def test_an_action_goes_to_the_lock_and_ends_with_its_answer_logged_as_mqtt(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1)

    response = owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 1})
    assert response.status_code == 204, response.text

    assert lock.command() == ("lockAction", "1")
    assert state(owner.api, smartlock_id).get("operationId") is not None
    busy = owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 2})
    assert busy.status_code == 423
    lock.publish("lockActionEvent", "1,172,0,0,0")
    lock.report(state=2)
    lock.report(state=3)
    lock.publish("commandResponse", "0")

    shown = released(owner, smartlock_id)
    assert shown["state"]["state"] == 3
    assert "error" not in shown or not shown.get("error")
    entries = wait_until(lambda: logs(owner.api, smartlock_id))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["action"], entry["trigger"], entry["state"]) == (1, LogTrigger.MQTT, 0)
    assert entry["name"] == account_name(owner.api)


def test_simple_actions_use_the_lock_and_unlock_topics_and_full_lock_its_own_action(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1)
    for path, expected in (
        ("action/unlock", ("unlock", "true")),
        ("action/lock", ("lock", "true")),
    ):
        assert owner.api.post(f"/smartlock/{smartlock_id}/{path}").status_code == 204
        assert lock.command() == expected
        lock.publish("commandResponse", "0")
        released(owner, smartlock_id)
    full_lock = owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 2, "option": 4})
    assert full_lock.status_code == 204
    assert lock.command() == ("lockAction", "6")


def test_a_refused_command_fails_the_operation_with_the_lock_s_error(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1)
    owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 1})
    lock.command()
    lock.publish("commandResponse", str(0x45))

    shown = released(owner, smartlock_id)
    assert "busy" in shown["error"]
    entry = wait_until(lambda: logs(owner.api, smartlock_id))[0]
    assert entry["state"] == CompletionState.BUSY
    assert "busy" in entry["error"]


def test_a_command_the_lock_never_answers_fails_at_its_deadline(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1)
    owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 2})
    lock.command()
    advance(owner.api, COMMAND_TIMEOUT - 1)
    assert state(owner.api, smartlock_id).get("operationId") is not None
    advance(owner.api, 2)
    shown = device(owner.api, smartlock_id)
    assert shown["state"].get("operationId") is None
    assert shown["error"] == mqtt_locks.UNANSWERED
    # A late answer changes nothing.
    lock.publish("commandResponse", "0")
    assert (
        owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 1}).status_code == 204
    )


def test_events_become_log_entries_named_after_the_authorization_that_acted(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.publish("lockActionEvent", "4,2,0,0,0")  # lock 'n' go by the button
    lock.publish("lockActionEvent", "90,2,0,0,2")  # button pressed twice, no action
    lock.publish("lockActionEvent", "1,171,0,0,0")  # HomeKit / Matter
    lock.publish("lockActionEvent", "3,0,1,4321,1")  # a keypad code, authId 1: the Web auth
    lock.publish("lockActionEvent", "2,0,1,0,1")  # auto-unlock... of a lock action: flagged
    lock.publish("lockActionEvent", "not,a,csv")  # ignored
    entries = wait_until(lambda: len(found := logs(owner.api, smartlock_id)) == 5 and found)
    by_action = {entry["action"]: entry for entry in entries}
    assert by_action[4]["trigger"] == LogTrigger.BUTTON
    assert by_action[4]["name"] == "Button"
    assert by_action[90]["trigger"] == LogTrigger.BUTTON
    assert by_action[1]["trigger"] == LogTrigger.HOMEKIT_MATTER
    assert by_action[3]["source"] == 1
    assert by_action[3]["autoUnlock"] is False
    assert by_action[2]["autoUnlock"] is True
    assert state(owner.api, smartlock_id)["lastAction"] == 2  # the last event's action


def test_the_last_will_takes_the_lock_offline_and_actions_fail_as_for_an_offline_bridge(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1)
    wait_until(lambda: device(owner.api, smartlock_id)["serverState"] == ServerState.OK)
    lock.kill()
    wait_until(lambda: device(owner.api, smartlock_id)["serverState"] == ServerState.OFFLINE)
    response = owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 1})
    assert response.status_code == 204
    assert "offline" in device(owner.api, smartlock_id)["error"]
    back = ScriptedLock(lock.settings.redacted(), lock.nuki_id)  # powered on again
    wait_until(lambda: device(owner.api, smartlock_id)["serverState"] == ServerState.OK)
    back.close()


def test_what_the_mqtt_api_cannot_do_is_refused_naming_the_limitation(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1)
    config = owner.api.post(f"/smartlock/{smartlock_id}/advanced/config", json={"lngTimeout": 10})
    assert config.status_code == 400
    assert "MQTT" in config.json()["detailMessage"]
    created = owner.api.put(
        f"/smartlock/{smartlock_id}/auth",
        json={"name": "Guest", "type": 13, "code": 245613, "remoteAllowed": False},
    )
    assert created.status_code == 204, created.text
    auths = wait_until(
        lambda: [a for a in owner.api.get(f"/smartlock/{smartlock_id}/auth").json()
                 if a["name"] == "Guest" and a.get("error")]
    )  # fmt: skip
    assert auths[0]["error"] == NOT_ADMINISTERED


def test_a_claim_of_a_claimed_lock_is_refused(
    mqtt_server: RunningServer,
    owner: AccountFixture,
    lock: ScriptedLock,
    contract: ContractValidator,
) -> None:
    claim(mqtt_server, owner, lock)
    other = make_account(mqtt_server, contract)
    with pytest.raises(Conflict, match="belongs to an account"):
        claim(mqtt_server, other, lock)
    assert other.api.get("/smartlock").json() == []
    other.api.close()


def test_the_server_reconnects_when_the_broker_comes_back(
    mqtt_server: RunningServer,
    owner: AccountFixture,
    broker: Broker,
    broker_url: str,
) -> None:
    lock = ScriptedLock(broker_url, secrets.randbits(31) + 1)
    smartlock_id = claim(mqtt_server, owner, lock)
    lock.report(state=1)
    wait_until(lambda: device(owner.api, smartlock_id)["serverState"] == ServerState.OK)
    broker.stop()
    wait_until(lambda: not mqtt_server.ctx.broker or not mqtt_server.ctx.broker.connected.is_set())
    response = owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 2})
    assert response.status_code == 204
    assert device(owner.api, smartlock_id)["error"] == NOT_SENT
    broker.start()
    assert mqtt_server.ctx.broker is not None
    wait_until(mqtt_server.ctx.broker.connected.is_set, timeout=60)
    lock.kill()
    lock = ScriptedLock(broker_url, lock.nuki_id)  # the lock reconnects too, with its state
    lock.report(state=3)
    wait_until(lambda: state(owner.api, smartlock_id)["state"] == 3)
    owner.api.post(f"/smartlock/{smartlock_id}/action", json={"action": 2})
    assert lock.command() == ("lockAction", "2")
    lock.publish("commandResponse", "0")
    released(owner, smartlock_id)
    lock.close()


def test_what_a_lock_reports_reaches_webhooks_as_a_simulated_device_s_would(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    with receiver() as hook:
        decentral(owner, hook.url, ["DEVICE_STATUS", "DEVICE_LOGS"])
        _api_key, _secret = central(owner, hook.url, ["DEVICE_LOGS"])
        lock.report(state=1, doorsensorState=2)
        lock.publish("lockActionEvent", "4,2,0,0,0")
        request_id = advanced_action(
            owner.api, f"/smartlock/{smartlock_id}/action/advanced", {"action": 1}
        )
        assert lock.command() == ("lockAction", "1")
        lock.publish("commandResponse", str(0x42))

        def features(found: list[Received]) -> dict[str, list[dict[str, Any]]]:
            grouped: dict[str, list[dict[str, Any]]] = {}
            for received in found:
                body = received.json
                grouped.setdefault(body.get("feature") or body.get("type", ""), []).append(body)
            return grouped

        def logged(grouped: dict[str, list[dict[str, Any]]]) -> set[tuple[int, int]]:
            entries = [body["smartlockLog"] for body in grouped.get("DEVICE_LOGS", [])]
            return {(entry["action"], entry["trigger"]) for entry in entries}

        def closed_and_locked(grouped: dict[str, list[dict[str, Any]]]) -> bool:
            statuses = [body["state"] for body in grouped.get("DEVICE_STATUS", [])]
            return any(status["state"] == 1 and status["doorState"] == 2 for status in statuses)

        # Each log entry reaches the receiver twice: through the decentral and the central
        # webhook.
        got = wait_until(
            lambda: (
                (g := features(hook.received)).get("SmartlockAction")
                and logged(g) >= {(4, 2), (1, 172)}
                and closed_and_locked(g)
                and g
            ),
            timeout=60,  # the delivery worker's poll, on a loaded machine
        )
    result = got["SmartlockAction"][0]
    assert result == {
        "type": "SmartlockAction",
        "requestId": request_id,
        "smartlockId": smartlock_id,
        "success": False,
        "errorCode": "42",
    }


def test_the_simulator_leaves_a_real_lock_alone(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    door = owner.api.post(f"/simulator/smartlocks/{smartlock_id}/door", json={"open": True})
    assert door.status_code == 400
    assert "not a simulated device" in door.json()["detailMessage"]
    (bridge,) = owner.api.get("/simulator/bridges").json()
    offline = owner.api.post(
        f"/simulator/bridges/{bridge['bridgeId']}/online", json={"online": False}
    )
    assert offline.status_code == 400
    assert device(owner.api, smartlock_id)["serverState"] == ServerState.OK


def test_a_deleted_lock_waits_on_the_broker_to_be_claimed_again(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    assert owner.api.delete(f"/smartlock/{smartlock_id}").status_code == 204
    assert lock.nuki_id in [found.nuki_id for found in mqtt_locks.unclaimed(mqtt_server.ctx)]
    assert owner.api.get("/simulator/bridges").json() == []  # its bridge went with it
    assert claim(mqtt_server, owner, lock) == smartlock_id
    assert device(owner.api, smartlock_id)["serverState"] == ServerState.OK


def test_a_lock_is_claimed_as_the_type_it_says_it_is(
    mqtt_server: RunningServer, owner: AccountFixture, lock: ScriptedLock
) -> None:
    lock.report(deviceType=3)
    wait_until(lambda: seen(mqtt_server, lock.nuki_id, "deviceType", "3"))
    with pytest.raises(InvalidParameter, match="of type 3"):
        claim(mqtt_server, owner, lock)
    smart_door = mqtt_locks.claim(
        mqtt_server.ctx, owner.account_id, 3, f"{lock.nuki_id:X}", "Smart Door"
    )
    assert smart_door.smartlock_id == (3 << 32) | lock.nuki_id
    assert device(owner.api, smart_door.smartlock_id)["smartDoor"] is True
