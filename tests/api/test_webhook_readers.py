"""Who hears what: a webhook subscriber (decentral, central, os-2 notification) hears only the
events it could read through the API at that moment, with the rights of the account that
subscribed and the scopes of that account's credentials under the API key it subscribed with.

Absence is shown by order wherever it can be: a subscriber hears its events in order, so once
an event written after another has arrived, the earlier one was either delivered or passed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import ALL_SCOPES, Scope
from nukiweb.services import api_keys
from tests.api.test_webhook_delivery import (
    ALL_FEATURES,
    APPLICATION,
    create_user,
    lock,
    webhook_logs,
)
from tests.devices import add_device, advance
from tests.support import AccountFixture, ApiClient, unique_email
from tests.webhooks import Receiver, receiver, wait_until

# The decentral webhook operations need the right to manage smartlocks (tag AdvancedApi).
DECENTRAL = Rights.MANAGE_SMARTLOCK


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as made:
        yield made


def create_sub(account: AccountFixture, rights: Rights) -> int:
    body = {
        "email": unique_email("sub"),
        "password": "sub password",
        "name": "Sub",
        "rights": int(rights),
        "language": "en",
    }
    response = account.api.put("/account/sub", json=body)
    assert response.status_code == 200, response.text
    sub_id: int = response.json()["accountId"]
    return sub_id


def sub_client(account: AccountFixture, sub_id: int, *scopes: Scope) -> ApiClient:
    """A token of the sub-account under its own (first) API key."""
    granted = frozenset(scopes) or ALL_SCOPES
    _token, value = api_keys.issue_token_for_account(account.api.server.ctx, sub_id, "t", granted)
    return account.api.with_token(value)


def set_rights(account: AccountFixture, sub_id: int, rights: Rights) -> None:
    body = {"rights": int(rights), "language": "en"}
    changed = account.api.post(f"/account/sub/{sub_id}", json=body)
    assert changed.status_code == 204, changed.text


def own_key(api: ApiClient) -> int:
    keys = api.get("/api/key").json()
    assert len(keys) == 1, keys
    return int(keys[0]["apiKeyId"])


def subscribe(api: ApiClient, kind: str, url: str, features: list[str]) -> Any:
    """A decentral webhook, or the central webhook of the caller's own API key."""
    if kind == "decentral":
        body = {"webhookUrl": url, "webhookFeatures": features}
        return api.put("/api/decentralWebhook", json=body)
    application = APPLICATION | {"webhookUrl": url, "webhookFeatures": features}
    return api.put(f"/api/key/{own_key(api)}/advanced", json=application)


def assert_forbidden(response: Any, feature: str) -> None:
    assert response.status_code == 403, response.text
    assert feature in response.json()["detailMessage"]
    assert response.json()["stackTrace"] == []


def rename(api: ApiClient, smartlock_id: int, name: str) -> None:
    """A DEVICE_MASTERDATA event: the marker that what came before it was handled."""
    renamed = api.post(f"/smartlock/{smartlock_id}", json={"name": name})
    assert renamed.status_code == 204, renamed.text


def names(hook: Receiver) -> list[str]:
    return [body["name"] for body in hook.payloads("DEVICE_MASTERDATA")]


def wait_for_name(hook: Receiver, name: str) -> None:
    hook.wait_for(lambda _got: name in names(hook), message=f"masterdata {name}")


def log_count(hook: Receiver) -> int:
    return len(hook.payloads("DEVICE_LOGS"))


def logged_logs(api: ApiClient, key: int) -> int:
    """How many DEVICE_LOGS deliveries the API key's webhook log holds."""
    logged = webhook_logs(api, key, limit=100)
    return sum(log["request"]["body"].get("feature") == "DEVICE_LOGS" for log in logged)


# --- subscribing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rights", "feature"),
    [
        *[("central", Rights.NONE, f) for f in ("DEVICE_AUTHS", "DEVICE_LOGS", "ACCOUNT_USER")],
        ("central", Rights.NONE, "DEVICE_STATUS"),  # reading devices needs a right
        *[("central", DECENTRAL, f) for f in ("DEVICE_AUTHS", "DEVICE_LOGS", "ACCOUNT_USER")],
        *[("decentral", DECENTRAL, f) for f in ("DEVICE_AUTHS", "DEVICE_LOGS", "ACCOUNT_USER")],
        ("decentral", Rights.NONE, "DEVICE_AUTHS"),
    ],
)
def test_a_sub_account_may_not_subscribe_to_what_its_rights_forbid(
    account: AccountFixture, kind: str, rights: Rights, feature: str
) -> None:
    sub = sub_client(account, create_sub(account, rights))
    refused = subscribe(sub, kind, "http://127.0.0.1:9/hook", ["DEVICE_STATUS", feature])
    assert refused.status_code == 403, refused.text
    assert account.api.get("/api/decentralWebhook").json() == []
    if kind == "central":
        assert sub.get(f"/api/key/{own_key(sub)}/advanced").status_code == 404
    if kind == "decentral" and not rights:
        return  # refused before that: the decentral webhook operations need a right
    assert_forbidden(refused, feature)


def test_a_central_webhook_may_not_be_changed_to_what_the_rights_forbid(
    account: AccountFixture,
) -> None:
    sub = sub_client(account, create_sub(account, DECENTRAL))
    assert (
        subscribe(sub, "central", "http://127.0.0.1:9/hook", ["DEVICE_STATUS"]).status_code == 204
    )
    path = f"/api/key/{own_key(sub)}/advanced"
    body = {"webhookUrl": "http://127.0.0.1:9/hook", "webhookFeatures": ["DEVICE_AUTHS"]}
    assert_forbidden(sub.post(path, json=body), "DEVICE_AUTHS")
    assert sub.get(path).json()["webhookFeatures"] == ["DEVICE_STATUS"]


def test_a_token_may_not_subscribe_to_what_its_scopes_do_not_read(
    account: AccountFixture,
) -> None:
    decentral = account.client_with(Scope.ACCOUNT, Scope.WEBHOOK_DECENTRAL)
    for feature in ("DEVICE_AUTHS", "DEVICE_LOGS", "DEVICE_STATUS"):
        assert_forbidden(
            subscribe(decentral, "decentral", "http://127.0.0.1:9/h", [feature]), feature
        )
    # The account scope reads the account users (GET /account/user).
    assert (
        subscribe(decentral, "decentral", "http://127.0.0.1:9/h", ["ACCOUNT_USER"]).status_code
        == 200
    )

    only_account = account.client_with(Scope.ACCOUNT)
    refused = subscribe(only_account, "central", "http://127.0.0.1:9/h", ["DEVICE_LOGS"])
    assert_forbidden(refused, "DEVICE_LOGS")


# --- hearing --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["decentral", "central"])
def test_a_sub_account_with_every_right_hears_every_feature(
    account: AccountFixture, hook: Receiver, kind: str
) -> None:
    sub = sub_client(account, create_sub(account, Rights(127)))
    assert subscribe(sub, kind, hook.url, ALL_FEATURES).status_code in (200, 204)
    api = account.api
    smartlock_id = add_device(account, 4)
    lock(api, smartlock_id, 1)
    assert (
        api.post(f"/smartlock/{smartlock_id}/config", json={"ledBrightness": 1}).status_code == 204
    )
    auth = {"name": "Guest", "remoteAllowed": False, "accountUserId": create_user(api, "Guest")}
    assert api.put(f"/smartlock/{smartlock_id}/auth", json=auth).status_code == 204
    advance(api, 0)
    hook.wait_for(lambda got: {r.json.get("feature") for r in got} >= set(ALL_FEATURES))


@pytest.mark.parametrize("kind", ["decentral", "central"])
def test_a_sub_account_stops_hearing_what_it_lost_the_right_to_read(
    account: AccountFixture, hook: Receiver, kind: str
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    reads_logs = DECENTRAL | Rights.VIEW_LOGS
    sub_id = create_sub(account, reads_logs)
    sub = sub_client(account, sub_id)
    features = ["DEVICE_LOGS", "DEVICE_MASTERDATA"]
    assert subscribe(sub, kind, hook.url, features).status_code in (200, 204)

    lock(api, smartlock_id, 1)
    rename(api, smartlock_id, "A")
    wait_for_name(hook, "A")
    assert log_count(hook) == 1

    set_rights(account, sub_id, DECENTRAL)
    lock(api, smartlock_id, 2)
    rename(api, smartlock_id, "B")
    wait_for_name(hook, "B")
    assert log_count(hook) == 1

    set_rights(account, sub_id, reads_logs)  # the passed entry is not delivered later
    lock(api, smartlock_id, 1)
    rename(api, smartlock_id, "C")
    wait_for_name(hook, "C")
    assert log_count(hook) == 2
    assert names(hook) == ["A", "B", "C"]
    # The webhook log is written once a turn's deliveries are recorded, just after the last.
    wait_until(lambda: logged_logs(sub, own_key(sub)) == 2)


def test_a_deleted_or_narrowed_token_stops_the_hearing(
    account: AccountFixture, hook: Receiver
) -> None:
    """The webhook hears with the scopes of the account's tokens under its API key; a second
    token there (smartlock.readOnly) keeps the markers coming."""
    api = account.api
    smartlock_id = add_device(account, 4)
    key = api.put("/api/key", json={"description": "integration"}).json()["apiKeyId"]
    scopes = ["webhook.decentral", "smartlock.log", "smartlock.readOnly"]
    token = api.put(f"/api/key/{key}/token", json={"description": "t", "scopes": scopes}).json()
    marker = api.put(
        f"/api/key/{key}/token", json={"description": "m", "scopes": ["smartlock.readOnly"]}
    )
    assert marker.status_code == 200, marker.text
    integration = api.with_token(token["accessToken"])
    assert (
        subscribe(
            integration, "decentral", hook.url, ["DEVICE_LOGS", "DEVICE_MASTERDATA"]
        ).status_code
        == 200
    )

    lock(api, smartlock_id, 1)
    rename(api, smartlock_id, "A")
    wait_for_name(hook, "A")
    assert log_count(hook) == 1

    narrowed = {"scopes": ["webhook.decentral", "smartlock.readOnly"]}
    assert api.post(f"/api/key/{key}/token/{token['id']}", json=narrowed).status_code == 204
    lock(api, smartlock_id, 2)
    rename(api, smartlock_id, "B")
    wait_for_name(hook, "B")
    assert log_count(hook) == 1

    assert (
        api.post(f"/api/key/{key}/token/{token['id']}", json={"scopes": scopes}).status_code == 204
    )
    lock(api, smartlock_id, 1)
    rename(api, smartlock_id, "C")
    wait_for_name(hook, "C")
    assert log_count(hook) == 2

    assert api.delete(f"/api/key/{key}/token/{token['id']}").status_code == 204
    lock(api, smartlock_id, 2)
    rename(api, smartlock_id, "D")
    wait_for_name(hook, "D")
    assert log_count(hook) == 2
    wait_until(lambda: logged_logs(api, key) == 2)


def test_notifications_hear_with_the_rights_of_who_made_them(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    sub_id = create_sub(account, Rights.VIEW_LOGS)
    sub = sub_client(account, sub_id, Scope.SMARTLOCK_LOG)
    body = {"pushId": hook.url, "os": 2, "settings": [{"triggerEvents": ["lock", "unlock"]}]}
    assert sub.put("/notification", json=body).status_code == 200

    lock(api, smartlock_id, 1)
    hook.wait_for_count(1, feature="DEVICE_LOGS")

    set_rights(account, sub_id, Rights.MANAGE_SMARTLOCK)
    lock(api, smartlock_id, 2)
    assert hook.stays_quiet(0.5)

    set_rights(account, sub_id, Rights.VIEW_LOGS)
    lock(api, smartlock_id, 1)
    received = hook.wait_for_count(2, feature="DEVICE_LOGS")
    assert [r.json["smartlockLog"]["action"] for r in received] == [1, 1]


def test_a_deleted_sub_accounts_subscriptions_go_with_it(account: AccountFixture) -> None:
    sub_id = create_sub(account, DECENTRAL | Rights.VIEW_LOGS)
    sub = sub_client(account, sub_id)
    assert subscribe(sub, "decentral", "http://127.0.0.1:9/h", ["DEVICE_LOGS"]).status_code == 200
    body = {"pushId": "http://127.0.0.1:9/n", "os": 2, "settings": [{"triggerEvents": ["lock"]}]}
    assert sub.put("/notification", json=body).status_code == 200
    assert len(account.api.get("/notification").json()) == 1

    assert account.api.delete(f"/account/sub/{sub_id}").status_code == 204
    assert account.api.get("/api/decentralWebhook").json() == []
    assert account.api.get("/notification").json() == []


def test_a_sub_account_sees_and_manages_only_the_subscriptions_it_made(
    account: AccountFixture,
) -> None:
    """Their secrets sign what the master's receivers trust: a sub-account that could read them
    could forge its master's webhooks."""
    api = account.api
    masters = subscribe(api, "decentral", "http://127.0.0.1:9/m", ["DEVICE_LOGS"]).json()
    notification = {"pushId": "http://127.0.0.1:9/n", "os": 2,
                    "settings": [{"triggerEvents": ["lock"]}]}  # fmt: skip
    master_notification = api.put("/notification", json=notification).json()
    sub = sub_client(account, create_sub(account, DECENTRAL | Rights.VIEW_LOGS))

    assert sub.get("/api/decentralWebhook").json() == []
    assert sub.delete(f"/api/decentralWebhook/{masters['id']}").status_code == 404
    assert sub.get("/notification").json() == []
    notification_path = f"/notification/{master_notification['notificationId']}"
    assert sub.get(notification_path).status_code == 404
    assert sub.post(notification_path, json=notification).status_code == 404
    assert sub.delete(notification_path).status_code == 404

    own = subscribe(sub, "decentral", "http://127.0.0.1:9/s", ["DEVICE_LOGS"]).json()
    assert [hook["id"] for hook in sub.get("/api/decentralWebhook").json()] == [own["id"]]
    listed = [hook["id"] for hook in api.get("/api/decentralWebhook").json()]
    assert listed == [masters["id"], own["id"]]
    assert api.get(notification_path).json()["secret"] == master_notification["secret"]


# --- webhook logs ----------------------------------------------------------------------------


def test_webhook_logs_hide_the_bodies_the_reader_may_not_read(
    account: AccountFixture, hook: Receiver
) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    key = own_key(api)
    assert subscribe(api, "central", hook.url, ["DEVICE_LOGS"]).status_code == 204
    lock(api, smartlock_id, 1)
    hook.wait_for_count(1, feature="DEVICE_LOGS")

    full = wait_until(lambda: webhook_logs(api, key))  # written once the receiver answered
    assert full[0]["request"]["body"]["smartlockLog"]["smartlockId"] == smartlock_id
    assert full[0]["response"]["body"] == {"ok": True}

    shown = webhook_logs(account.client_with(Scope.ACCOUNT), key)
    assert [log["id"] for log in shown] == [log["id"] for log in full]
    assert shown[0]["request"]["body"] == {"feature": "DEVICE_LOGS"}
    assert "body" not in shown[0]["response"]
    assert shown[0]["request"]["headers"] == full[0]["request"]["headers"]
    assert shown[0]["responseStatus"] == 200
