"""Webhook delivery over real HTTP: the session server's worker posts to a real receiver on a
loopback port. Decentral and central webhooks, Advanced API results, os-2 notifications;
signatures, order, event ids; retries (the backoff runs on the simulated clock), a receiver
that is down for a while, webhook logs, deactivation and reactivation.

The worker polls every 0.1 s of real time: every wait here is bounded polling."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from nukiweb.domain.webhooks import (
    DEACTIVATE_AFTER_FAILURES,
    FIRST_RETRY_SECONDS,
    MAX_RETRY_SECONDS,
    Feature,
)
from nukiweb.services import events
from nukiweb.store.schema import webhook_events, webhook_subscribers
from nukiweb.store.webhooks import central_subscriber
from nukiweb.webhooks.delivery import EVENTS_PER_TURN, RECORD_EVERY
from tests.devices import add_device, advance, set_bridge_online, simulate
from tests.support import AccountFixture, ApiClient, unique_email
from tests.webhooks import Received, Receiver, receiver, wait_until

ALL_FEATURES = [
    "DEVICE_STATUS",
    "DEVICE_MASTERDATA",
    "DEVICE_CONFIG",
    "DEVICE_LOGS",
    "DEVICE_AUTHS",
    "ACCOUNT_USER",
]
MOTOR = 1.5  # the test server's motor time
APPLICATION = {
    "name": "Rentals Ltd",
    "country": "AT",
    "description": "Short-term rentals",
    "type": "SHORT_RENTAL",
    "url": "https://rentals.example.com",
    "email": "ops@rentals.example.com",
    "restricted": False,
}


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as made:
        yield made


def decentral(account: AccountFixture, url: str, features: list[str]) -> dict[str, Any]:
    body = {"webhookUrl": url, "webhookFeatures": features}
    response = account.api.put("/api/decentralWebhook", json=body)
    assert response.status_code == 200, response.text
    webhook: dict[str, Any] = response.json()
    return webhook


def key_id(api: ApiClient) -> int:
    """The API key of the account's token (its only one)."""
    keys = api.get("/api/key").json()
    assert len(keys) == 1, keys
    return int(keys[0]["apiKeyId"])


def central(account: AccountFixture, url: str, features: list[str]) -> tuple[int, str]:
    """An advanced API key with its central webhook: its id and client secret."""
    api_key = key_id(account.api)
    body = APPLICATION | {"webhookUrl": url, "webhookFeatures": features}
    response = account.api.put(f"/api/key/{api_key}/advanced", json=body)
    assert response.status_code == 204, response.text
    secret: str = account.api.get(f"/api/key/{api_key}/advanced").json()["secret"]
    return api_key, secret


def webhook_logs(api: ApiClient, api_key: int, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/api/key/{api_key}/webhook/logs", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def lock(api: ApiClient, smartlock_id: int, action: int = 2) -> None:
    """An action through the Web API, carried out to the end (simulated time moves)."""
    response = api.post(f"/smartlock/{smartlock_id}/action", json={"action": action})
    assert response.status_code == 204, response.text
    advance(api, MOTOR)


def advanced_action(api: ApiClient, path: str, body: dict[str, Any] | None = None) -> str:
    response = api.post(path, json=body) if body is not None else api.post(path)
    assert response.status_code == 200, response.text
    request_id: str = response.json()["requestId"]
    return request_id


def create_user(api: ApiClient, name: str) -> int:
    body = {"email": unique_email("guest"), "name": name, "language": "en"}
    response = api.put("/account/user", json=body)
    assert response.status_code == 200, response.text
    user_id: int = response.json()["accountUserId"]
    return user_id


def states(received: list[Received], smartlock_id: int) -> list[int]:
    return [
        r.json["state"]["state"]
        for r in received
        if r.json.get("feature") == "DEVICE_STATUS" and r.json["smartlockId"] == smartlock_id
    ]


def advance_until(
    api: ApiClient, seconds: float, condition: Callable[[], Any], timeout: float = 10.0
) -> Any:
    """Lets ``seconds`` of simulated time pass until ``condition`` holds: the worker may not
    yet have scheduled its retry when the clock first moves, so it moves again."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        advance(api, seconds)
        time.sleep(0.05)


def backoff_ceiling(failures: int) -> float:
    return min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, failures - 1))


# --- each feature ------------------------------------------------------------------------


def test_each_feature_arrives_signed_after_its_change(
    account: AccountFixture, hook: Receiver
) -> None:
    webhook = decentral(account, hook.url, ALL_FEATURES)
    api = account.api

    smartlock_id = add_device(account, 4, name="Front door")
    masterdata = hook.wait_for_count(1, feature="DEVICE_MASTERDATA")[0].json
    assert masterdata["smartlockId"] == smartlock_id
    assert masterdata["deleted"] is False
    assert masterdata["accountId"] == account.account_id
    assert (masterdata["type"], masterdata["name"]) == (4, "Front door")
    assert "firmwareVersion" in masterdata

    assert api.post(f"/smartlock/{smartlock_id}", json={"name": "Back door"}).status_code == 204
    renamed = hook.wait_for_count(2, feature="DEVICE_MASTERDATA")[-1].json
    assert renamed["name"] == "Back door"

    lock(api, smartlock_id, 1)  # a new lock is locked
    lock(api, smartlock_id, 2)
    log = hook.wait_for_count(2, feature="DEVICE_LOGS")[-1].json["smartlockLog"]
    assert (log["smartlockId"], log["action"], log["trigger"], log["state"]) == (
        smartlock_id, 2, 4, 0,
    )  # fmt: skip
    status = hook.wait_for_count(1, feature="DEVICE_STATUS")[-1].json
    assert status["smartlockId"] == smartlock_id
    assert {"state", "serverState", "adminPinState"} <= status.keys()
    assert states(hook.received, smartlock_id) == [2, 3, 4, 1]

    config = {"ledBrightness": 2, "latitude": 48.2}
    assert api.post(f"/smartlock/{smartlock_id}/config", json=config).status_code == 204
    advance(api, 0)
    config_event = hook.wait_for_count(1, feature="DEVICE_CONFIG")[-1].json
    assert config_event["smartlockId"] == smartlock_id
    assert config_event["config"]["ledBrightness"] == 2

    auth = {"name": "Guest", "remoteAllowed": False, "accountUserId": create_user(api, "Guest")}
    assert api.put(f"/smartlock/{smartlock_id}/auth", json=auth).status_code == 204
    advance(api, 0)
    auths = hook.wait_for(
        lambda got: any(
            r.json.get("feature") == "DEVICE_AUTHS"
            and r.json["smartlockAuth"].get("name") == "Guest"
            for r in got
        )
    )
    auth_event = next(r.json for r in auths if r.json.get("feature") == "DEVICE_AUTHS")
    assert auth_event["deleted"] is False
    assert auth_event["smartlockAuth"]["smartlockId"] == smartlock_id

    user_event = hook.wait_for_count(1, feature="ACCOUNT_USER")[0].json
    assert user_event["deleted"] is False
    assert user_event["accountUser"]["name"] == "Guest"
    user_id = user_event["accountUser"]["accountUserId"]
    assert api.post(f"/account/user/{user_id}", json={"name": "Anna"}).status_code == 200
    renamed_user = hook.wait_for_count(2, feature="ACCOUNT_USER")[-1].json
    assert renamed_user["accountUser"]["name"] == "Anna"

    received = hook.received
    assert {r.json["feature"] for r in received} == set(ALL_FEATURES)
    for item in received:
        assert item.signed_with(webhook["secret"]), item.json
        assert item.headers["content-type"].startswith("application/json")
        assert item.path == "/hook"
    event_ids = [item.event_id for item in received]
    assert len(set(event_ids)) == len(event_ids)


def test_only_subscribed_features_arrive_in_order(account: AccountFixture, hook: Receiver) -> None:
    smartlock_id = add_device(account, 4)
    webhook = decentral(account, hook.url, ["DEVICE_STATUS"])
    api = account.api
    lock(api, smartlock_id, 1)  # states 2, 3; a log entry (not subscribed)
    lock(api, smartlock_id, 2)  # states 4, 1
    assert api.post(f"/smartlock/{smartlock_id}", json={"name": "Renamed"}).status_code == 204
    lock(api, smartlock_id, 1)  # states 2, 3: the last event
    received = hook.wait_for(lambda got: len(states(got, smartlock_id)) >= 6)
    assert {r.json["feature"] for r in received} == {"DEVICE_STATUS"}
    assert states(received, smartlock_id) == [2, 3, 4, 1, 2, 3]
    assert all(r.signed_with(webhook["secret"]) for r in received)
    assert len({r.event_id for r in received}) == len(received)
    assert hook.stays_quiet(0.3)


def test_a_deleted_webhook_hears_nothing_more(account: AccountFixture, hook: Receiver) -> None:
    smartlock_id = add_device(account, 4)
    webhook = decentral(account, hook.url, ["DEVICE_LOGS"])
    lock(account.api, smartlock_id)
    hook.wait_for_count(1, feature="DEVICE_LOGS")
    assert account.api.delete(f"/api/decentralWebhook/{webhook['id']}").status_code == 204
    lock(account.api, smartlock_id, 1)
    assert hook.stays_quiet(0.4)
    assert len(hook.received) == 1


# --- central webhook and advanced actions ------------------------------------------------


def test_central_webhook_is_signed_with_the_client_secret(
    account: AccountFixture, hook: Receiver
) -> None:
    smartlock_id = add_device(account, 4)
    _api_key, secret = central(account, hook.url, ["DEVICE_LOGS"])
    lock(account.api, smartlock_id)
    received = hook.wait_for_count(1, feature="DEVICE_LOGS")
    assert received[0].signed_with(secret)
    assert received[0].json["smartlockLog"]["smartlockId"] == smartlock_id


def test_advanced_actions_report_to_the_central_webhook(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    _api_key, secret = central(account, hook.url, ["DEVICE_MASTERDATA"])

    base = f"/smartlock/{smartlock_id}/action"
    settle = 3 * MOTOR + 5  # an unlock without a handle outside unlatches: the latch is held
    unlocked = advanced_action(api, f"{base}/unlock/advanced")
    advance(api, settle)
    locked = advanced_action(api, f"{base}/lock/advanced")
    advance(api, settle)
    acted = advanced_action(api, f"{base}/advanced", {"action": 1})
    advance(api, settle)
    received = hook.wait_for(lambda got: len(got) >= 3)
    assert [r.json for r in received] == [
        {"type": "UnlockAction", "requestId": unlocked, "smartlockId": smartlock_id,
         "success": True},
        {"type": "LockAction", "requestId": locked, "smartlockId": smartlock_id,
         "success": True},
        {"type": "SmartlockAction", "requestId": acted, "smartlockId": smartlock_id,
         "success": True},
    ]  # fmt: skip
    assert all(r.signed_with(secret) for r in received)
    assert len({r.event_id for r in received}) == 3


def test_advanced_actions_report_failure_codes(account: AccountFixture, hook: Receiver) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    _api_key, secret = central(account, hook.url, ["DEVICE_LOGS"])
    path = f"/smartlock/{smartlock_id}/action/advanced"

    simulate(api, smartlock_id, "fault", fault="motor_blocked")
    blocked = advanced_action(api, path, {"action": 2})
    advance(api, 3 * MOTOR)

    first = advanced_action(api, path, {"action": 2})
    busy = advanced_action(api, path, {"action": 1})  # the first is still in flight
    advance(api, 3 * MOTOR)

    set_bridge_online(api, online=False)
    offline = advanced_action(api, path, {"action": 1})
    set_bridge_online(api, online=True)

    def results(got: list[Received]) -> dict[str, dict[str, Any]]:
        return {r.json["requestId"]: r.json for r in got if "requestId" in r.json}

    received = hook.wait_for(lambda got: len(results(got)) >= 4)
    by_request = results(received)
    assert by_request[blocked] | {} == {
        "type": "SmartlockAction", "requestId": blocked, "smartlockId": smartlock_id,
        "success": False, "errorCode": "42",
    }  # fmt: skip
    assert by_request[first]["success"] is True
    assert (by_request[busy]["success"], by_request[busy]["errorCode"]) == (False, "45")
    assert (by_request[offline]["success"], by_request[offline]["errorCode"]) == (False, "ff")
    results_in_order = [r.json["requestId"] for r in received if "requestId" in r.json]
    assert results_in_order.index(blocked) < results_in_order.index(offline)
    assert all(r.signed_with(secret) for r in received)


def test_advanced_results_go_to_the_key_that_asked(account: AccountFixture, hook: Receiver) -> None:
    """A token of another API key asks: its key has no central webhook, so nothing arrives
    here; the requests of this key's token do."""
    api = account.api
    smartlock_id = add_device(account, 4)
    central(account, hook.url, ["DEVICE_MASTERDATA"])
    other_key = api.put("/api/key", json={"description": "other"}).json()["apiKeyId"]
    token = api.put(
        f"/api/key/{other_key}/token",
        json={"description": "t", "scopes": ["smartlock.action"]},
    )
    assert token.status_code == 200, token.text
    other = api.with_token(token.json()["accessToken"])
    path = f"/smartlock/{smartlock_id}/action/advanced"
    theirs = advanced_action(other, path, {"action": 1})
    advance(api, MOTOR)
    mine = advanced_action(api, path, {"action": 2})
    advance(api, MOTOR)
    received = hook.wait_for(lambda got: len(got) >= 1)
    assert [r.json["requestId"] for r in received] == [mine]
    assert theirs != mine


def test_auth_creation_reports_each_device(account: AccountFixture, hook: Receiver) -> None:
    api = account.api
    locks = [add_device(account, 4), add_device(account, 0)]
    _api_key, secret = central(account, hook.url, ["DEVICE_MASTERDATA"])
    body = {"name": "Guest", "smartlockIds": locks, "remoteAllowed": True,
            "accountUserId": create_user(api, "Guest")}  # fmt: skip
    response = api.put("/smartlock/auth/advanced", json=body)
    assert response.status_code == 200, response.text
    request_id = response.json()["requestId"]
    advance(api, 0)
    received = hook.wait_for_count(1, type="AuthCreation")
    result = received[0].json
    assert result["requestId"] == request_id
    assert result["success"] is True
    assert sorted(item["smartlockId"] for item in result["detail"]) == sorted(locks)
    assert all(item["success"] for item in result["detail"])
    assert all(item["id"] for item in result["detail"])
    assert received[0].signed_with(secret)


def test_auth_creation_on_unreachable_devices_fails(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    locks = [add_device(account, 4), add_device(account, 3)]
    central(account, hook.url, ["DEVICE_MASTERDATA"])
    set_bridge_online(api, online=False)
    body = {"name": "Guest", "smartlockIds": locks, "remoteAllowed": True,
            "accountUserId": create_user(api, "Guest")}  # fmt: skip
    response = api.put("/smartlock/auth/advanced", json=body)
    assert response.status_code == 200, response.text
    request_id = response.json()["requestId"]
    result = hook.wait_for_count(1, type="AuthCreation")[0].json
    set_bridge_online(api, online=True)
    assert result["requestId"] == request_id
    assert result["success"] is False
    assert len(result["detail"]) == 2
    assert all(d["success"] is False and d["errorCode"] == "ff" for d in result["detail"])


# --- notifications (os 2) ----------------------------------------------------------------


def test_notification_webhook_filters_as_configured(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    watched = add_device(account, 4)
    other = add_device(account, 4)
    for name in ("Guest", "Stranger"):
        guest = {"name": name, "remoteAllowed": True, "accountUserId": create_user(api, name)}
        assert api.put(f"/smartlock/{watched}/auth", json=guest).status_code == 204
    advance(api, 0)
    auth_ids = {a["name"]: a["id"] for a in api.get(f"/smartlock/{watched}/auth").json()}

    body = {
        "pushId": hook.url,
        "os": 2,
        "language": "en",
        "settings": [
            {"smartlockId": watched, "triggerEvents": ["lock"]},
            {"smartlockId": watched, "triggerEvents": ["unlock"], "authIds": [auth_ids["Guest"]]},
        ],
    }
    created = api.put("/notification", json=body)
    assert created.status_code == 200, created.text
    notification = created.json()

    def operate(name: str, action: int) -> None:
        path = f"/simulator/smartlocks/{watched}/authorizations/{auth_ids[name]}/operate"
        assert api.post(path, json={"action": action}).status_code == 204
        advance(api, MOTOR)

    lock(api, other, 2)  # another device: not wanted
    lock(api, other, 1)
    lock(api, watched, 1)  # unlock by the account (web), not by Guest: not wanted
    operate("Stranger", 2)  # a lock by anybody: wanted
    operate("Stranger", 1)  # an unlock by Stranger: not wanted
    operate("Guest", 2)  # wanted
    operate("Guest", 1)  # an unlock by Guest: wanted, and the last event
    received = hook.wait_for(lambda got: len(got) >= 3)
    assert hook.stays_quiet(0.3)
    received = hook.received
    logs = [r.json["smartlockLog"] for r in received]
    assert [(log["action"], log.get("authId")) for log in logs] == [
        (2, auth_ids["Stranger"]),
        (2, auth_ids["Guest"]),
        (1, auth_ids["Guest"]),
    ]
    assert all(log["smartlockId"] == watched for log in logs)
    for item in received:
        assert item.json["notificationId"] == notification["notificationId"]
        assert item.json["feature"] == "DEVICE_LOGS"
        assert item.signed_with(notification["secret"])


# --- failures, retries, logs -------------------------------------------------------------


def test_failed_deliveries_are_retried_after_the_backoff(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    api_key, secret = central(account, hook.url, ["DEVICE_STATUS"])
    hook.status = 500
    lock(api, smartlock_id, 1)
    lock(api, smartlock_id, 2)
    first = hook.wait_for_attempts(1)[0]
    assert first.json["state"]["state"] == 2
    # The simulated clock stands still: the retry is not due yet.
    assert hook.stays_quiet(0.4)
    assert hook.received == []

    hook.status = 200
    advance_until(api, FIRST_RETRY_SECONDS, lambda: len(hook.received) >= 4)
    received = hook.received
    assert states(received, smartlock_id) == [2, 3, 4, 1]
    assert received[0].event_id == first.event_id
    assert received[0].body == first.body
    assert all(r.signed_with(secret) for r in received)

    logs = wait_until(lambda: len(found := webhook_logs(api, api_key)) >= 5 and found)
    assert [log["succeeded"] for log in logs] == [True] * 4 + [False] * (len(logs) - 4)
    failed, succeeded = logs[-1], logs[3]
    assert failed["responseStatus"] == 500
    assert succeeded["responseStatus"] == 200
    assert failed["request"]["body"] == succeeded["request"]["body"] == first.json
    assert failed["request"]["headers"]["X-Nuki-Event-Id"] == first.event_id
    assert failed["response"]["body"] == {"error": "told to fail"}
    for log in logs:
        assert log["apiKeyId"] == api_key
        assert log["accountId"] == account.account_id
        assert log["duration"] >= 0
        assert log["request"]["path"] == hook.url


def test_everything_arrives_after_the_receiver_comes_back(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    api_key, secret = central(account, hook.url, ["DEVICE_STATUS", "DEVICE_LOGS"])
    hook.stop()
    for action in (1, 2, 1, 2, 1):
        lock(api, smartlock_id, action)
    wait_until(lambda: webhook_logs(api, api_key))
    down = webhook_logs(api, api_key)
    assert all(log["succeeded"] is False and "responseStatus" not in log for log in down)
    assert "error" in down[0]["response"]["body"]

    hook.start()
    advance_until(api, MAX_RETRY_SECONDS, lambda: len(hook.received) >= 15)
    received = hook.received
    assert states(received, smartlock_id) == [2, 3, 4, 1, 2, 3, 4, 1, 2, 3]
    actions = [r.json["smartlockLog"]["action"] for r in received if "smartlockLog" in r.json]
    assert actions == [1, 2, 1, 2, 1]
    assert all(r.signed_with(secret) for r in received)
    assert len({r.event_id for r in received}) == 15
    # Outcomes are recorded after a batch of deliveries, not before the next one is sent.
    wait_until(lambda: webhook_logs(api, api_key)[0]["succeeded"] is True)


def test_webhook_logs_page_with_their_cursor(account: AccountFixture, hook: Receiver) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    api_key, _secret = central(account, hook.url, ["DEVICE_STATUS"])
    lock(api, smartlock_id, 1)
    lock(api, smartlock_id, 2)
    hook.wait_for(lambda got: len(got) >= 4)
    logs = wait_until(lambda: len(found := webhook_logs(api, api_key)) >= 4 and found)
    assert [log["request"]["body"]["state"]["state"] for log in logs] == [1, 4, 3, 2]
    page = webhook_logs(api, api_key, limit=2)
    assert page == logs[:2]
    assert webhook_logs(api, api_key, id=page[-1]["id"], limit=2) == logs[2:4]


def test_a_failing_subscriber_is_deactivated_and_reactivates(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    api_key, _secret = central(account, hook.url, ["DEVICE_LOGS"])
    path = f"/api/key/{api_key}/advanced"
    hook.status = 503
    lock(api, smartlock_id)
    for failures in range(1, DEACTIVATE_AFTER_FAILURES):
        hook.wait_for_attempts(failures)
        assert api.get(path).json()["webhookStatus"] == "ACTIVE"
        advance_until(api, backoff_ceiling(failures), partial(hook.has_attempts, failures + 1))
    wait_until(lambda: api.get(path).json()["webhookStatus"] == "DEACTIVATED")
    assert len(hook.all_attempts) == DEACTIVATE_AFTER_FAILURES
    logs = webhook_logs(api, api_key, limit=100)
    assert len(logs) == DEACTIVATE_AFTER_FAILURES
    assert all(log["responseStatus"] == 503 and not log["succeeded"] for log in logs)

    # Deactivated: no more attempts, however much time passes; events still queue up.
    hook.status = 200
    lock(api, smartlock_id, 1)
    advance(api, 2 * MAX_RETRY_SECONDS)
    assert hook.stays_quiet(0.4)
    assert hook.received == []

    assert api.post(f"{path}/reactivate").status_code == 204
    assert api.get(path).json()["webhookStatus"] == "ACTIVE"
    received = hook.wait_for(lambda got: len(got) >= 2)
    assert [r.json["smartlockLog"]["action"] for r in received] == [2, 1]
    assert received[0].event_id == hook.all_attempts[0].event_id
    wait_until(lambda: webhook_logs(api, api_key)[0]["succeeded"] is True)


def test_a_slow_receiver_does_not_stall_the_others(account: AccountFixture) -> None:
    api = account.api
    with receiver() as slow, receiver() as fast:
        slow.delay = 3.0  # within the delivery timeout: it is slow, not failing
        for hook in (slow, fast):
            webhook = {"webhookUrl": hook.url, "webhookFeatures": ["DEVICE_MASTERDATA"]}
            assert api.put("/api/decentralWebhook", json=webhook).status_code == 200
        started = time.monotonic()
        add_device(account, 4)
        fast.wait_for_count(1, timeout=2.0)
        assert time.monotonic() - started < slow.delay
        slow.wait_for_count(1, timeout=10.0)


# --- outcomes recorded in batches --------------------------------------------------------


def write_events(account: AccountFixture, smartlock_id: int, count: int) -> list[str]:
    """``count`` DEVICE_LOGS events in one transaction, as a burst of changes writes them: the
    worker finds them all pending at once. Their ids, in order."""
    ctx = account.api.server.ctx
    with ctx.db.transaction() as conn:
        for index in range(count):
            entry = {"smartlockLog": {"id": f"{index:024x}", "smartlockId": smartlock_id}}
            events.emit(ctx, conn, account.account_id, Feature.DEVICE_LOGS, entry, smartlock_id)
        rows = conn.execute(
            select(webhook_events.c.id)
            .where(webhook_events.c.account_id == account.account_id)
            .order_by(webhook_events.c.seq.desc())
            .limit(count)
        )
        return [row.id for row in rows][::-1]


def delivery_state(account: AccountFixture, api_key: int) -> Any:
    with account.api.server.ctx.db.read() as conn:
        central_hook = central_subscriber(conn, api_key)
        assert central_hook is not None
        return conn.execute(
            select(webhook_subscribers).where(webhook_subscribers.c.id == central_hook.id)
        ).one()


def event_seq(account: AccountFixture, event_id: str) -> int:
    with account.api.server.ctx.db.read() as conn:
        seq = conn.execute(select(webhook_events.c.seq).where(webhook_events.c.id == event_id))
        return int(seq.scalar_one())


def log_index(received: Received) -> int:
    return int(received.json["smartlockLog"]["id"], 16)


def test_a_failure_within_a_batch_keeps_what_was_delivered_before_it(
    account: AccountFixture, hook: Receiver
) -> None:
    """The outcomes of a turn's attempts are recorded together: the events before a failing
    one are delivered once, the cursor stands just before it, and the rest follow it, in
    order, after the backoff."""
    api = account.api
    smartlock_id = add_device(account, 4)
    api_key, secret = central(account, hook.url, ["DEVICE_LOGS"])
    failing = 6
    hook.refuse = lambda body: body["smartlockLog"]["id"] == f"{failing:024x}"
    ids = write_events(account, smartlock_id, 10)
    attempts = hook.wait_for_attempts(failing + 1)
    assert [log_index(r) for r in attempts] == list(range(failing + 1))
    wait_until(lambda: delivery_state(account, api_key).failures == 1)
    state = delivery_state(account, api_key)
    assert state.cursor == event_seq(account, ids[failing - 1])
    assert (state.sent_ok, state.sent_failed, state.last_ok) == (failing, 1, False)
    logs = webhook_logs(api, api_key)
    assert [log["succeeded"] for log in logs] == [False] + [True] * failing
    assert [log["request"]["headers"]["X-Nuki-Event-Id"] for log in logs] == ids[failing::-1]
    assert hook.stays_quiet(0.3)  # the retry waits for the backoff

    hook.refuse = None
    advance_until(api, FIRST_RETRY_SECONDS, lambda: len(hook.received) >= 10)
    received = hook.received
    assert [r.event_id for r in received] == ids
    assert all(r.signed_with(secret) for r in received)
    wait_until(lambda: delivery_state(account, api_key).cursor == event_seq(account, ids[-1]))
    state = delivery_state(account, api_key)
    assert (state.failures, state.sent_ok, state.sent_failed, state.last_ok) == (0, 10, 1, True)


def test_a_turn_longer_than_a_batch_is_delivered_whole(
    account: AccountFixture, hook: Receiver
) -> None:
    """More events than one record holds, and more than one turn reads: all of them, once
    each, in order, and one webhook log row each."""
    smartlock_id = add_device(account, 4)
    api_key, secret = central(account, hook.url, ["DEVICE_LOGS"])
    count = EVENTS_PER_TURN + RECORD_EVERY + 7
    ids = write_events(account, smartlock_id, count)
    received = hook.wait_for(lambda got: len(got) >= count, timeout=30)
    assert [r.event_id for r in received] == ids
    assert all(r.signed_with(secret) for r in received)
    wait_until(lambda: delivery_state(account, api_key).cursor == event_seq(account, ids[-1]))
    assert delivery_state(account, api_key).sent_ok == count
    logs = webhook_logs(account.api, api_key, limit=100)
    assert [log["request"]["headers"]["X-Nuki-Event-Id"] for log in logs] == ids[::-1][:100]
