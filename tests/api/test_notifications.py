"""Tag Notification over HTTP: push and webhook notification configurations; an os-2 one is a
webhook subscriber hearing DEVICE_LOGS, signed with its 40-hex secret."""

from __future__ import annotations

import re
from typing import Any

import pytest

from nukiweb.domain.scopes import Scope
from nukiweb.store import webhooks as store
from tests.devices import add_device
from tests.support import AccountFixture

HOOK = "http://127.0.0.1:9/notify"


def webhook_body(**fields: Any) -> dict[str, Any]:
    return {
        "pushId": HOOK,
        "os": 2,
        "language": "de",
        "referenceId": "ref-1",
        "settings": [{"triggerEvents": ["lock", "unlock"]}],
    } | fields


def notification_subscriber(
    account: AccountFixture, notification_id: str
) -> store.Subscriber | None:
    with account.api.server.ctx.db.read() as conn:
        return store.notification_subscriber(conn, notification_id)


def test_webhook_notification_lifecycle(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 4)
    body = webhook_body(
        settings=[
            {"smartlockId": smartlock_id, "triggerEvents": ["lock", "ring"], "authIds": ["a1"]},
            {"triggerEvents": ["warnings"]},
        ]
    )
    created = account.api.put("/notification", json=body)
    assert created.status_code == 200, created.text
    notification = created.json()
    notification_id = notification["notificationId"]
    assert re.fullmatch(r"[0-9a-f]{24}", notification_id)
    assert re.fullmatch(r"[0-9a-f]{40}", notification["secret"])
    assert notification["status"] == 1
    assert notification["language"] == "de"
    assert notification["referenceId"] == "ref-1"
    assert notification["settings"] == body["settings"]

    subscriber = notification_subscriber(account, notification_id)
    assert subscriber is not None
    assert (subscriber.kind, subscriber.url, subscriber.features) == (
        "notification",
        HOOK,
        ["DEVICE_LOGS"],
    )
    assert account.api.server.ctx.secrets.open(subscriber.secret_box) == notification["secret"]

    path = f"/notification/{notification_id}"
    fetched = account.api.get(path)
    assert fetched.status_code == 200
    assert fetched.json() == notification
    assert notification in account.api.get("/notification").json()
    assert account.api.get("/notification", params={"referenceId": "ref-1"}).json() == [
        notification
    ]
    assert account.api.get("/notification", params={"referenceId": "other"}).json() == []

    update = webhook_body(pushId="http://127.0.0.1:9/moved", language="fr", settings=[])
    updated = account.api.post(path, json=update)
    assert updated.status_code == 200, updated.text
    assert updated.json()["pushId"] == "http://127.0.0.1:9/moved"
    assert updated.json()["secret"] == notification["secret"]
    assert updated.json()["settings"] == []
    subscriber = notification_subscriber(account, notification_id)
    assert subscriber is not None
    assert subscriber.url == "http://127.0.0.1:9/moved"

    assert account.api.delete(path).status_code == 204
    assert account.api.get(path).status_code == 404
    assert account.api.delete(path).status_code == 404
    assert notification_subscriber(account, notification_id) is None


def test_push_notifications_are_stored_only(account: AccountFixture) -> None:
    body = {"pushId": "fcm-token-123", "os": 0, "settings": [{"triggerEvents": ["smartlock"]}]}
    created = account.api.put("/notification", json=body)
    assert created.status_code == 200, created.text
    notification = created.json()
    assert notification["language"] == "en"
    assert "secret" not in notification
    assert notification_subscriber(account, notification["notificationId"]) is None

    path = f"/notification/{notification['notificationId']}"
    as_webhook = account.api.post(path, json=webhook_body())
    assert as_webhook.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{40}", as_webhook.json()["secret"])
    assert notification_subscriber(account, notification["notificationId"]) is not None

    as_ios = account.api.post(path, json=body | {"os": 1, "pushId": "apns-token"})
    assert as_ios.status_code == 200
    assert "secret" not in as_ios.json()
    assert notification_subscriber(account, notification["notificationId"]) is None


@pytest.mark.parametrize(
    "change",
    [
        {"os": 3},
        {"pushId": "not a url"},
        {"pushId": ""},
        {"language": "xx"},
        {"settings": [{"triggerEvents": ["explode"]}]},
        {"settings": [{"smartlockId": 17618910285, "triggerEvents": ["lock"]}]},
        {"settings": [{}]},
        {"settings": None},
    ],
)
def test_notification_refuses_bad_input(account: AccountFixture, change: dict[str, Any]) -> None:
    response = account.api.put("/notification", json=webhook_body(**change))
    assert response.status_code == 400, response.text
    assert account.api.get("/notification").json() == []


def test_settings_name_only_the_accounts_devices(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    theirs = add_device(other_account, 4)
    settings = [{"smartlockId": theirs, "triggerEvents": ["lock"]}]
    response = account.api.put("/notification", json=webhook_body(settings=settings))
    assert response.status_code == 400
    assert "smartlockId" in response.json()["detailMessage"]


def test_notifications_are_the_accounts_own(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    notification = account.api.put("/notification", json=webhook_body()).json()
    path = f"/notification/{notification['notificationId']}"
    assert other_account.api.get("/notification").json() == []
    assert other_account.api.get(path).status_code == 404
    assert other_account.api.post(path, json=webhook_body()).status_code == 404
    assert other_account.api.delete(path).status_code == 404
    assert account.api.get(path).status_code == 200


def test_notifications_need_the_log_scope(account: AccountFixture) -> None:
    without = account.client_with(*(s for s in Scope if s is not Scope.SMARTLOCK_LOG))
    assert without.put("/notification", json=webhook_body()).status_code == 401
    assert without.get("/notification").status_code == 401
    with_scope = account.client_with(Scope.SMARTLOCK_LOG)
    assert with_scope.put("/notification", json=webhook_body()).status_code == 200
