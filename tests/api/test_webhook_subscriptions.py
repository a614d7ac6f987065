"""Decentral webhooks (tag AdvancedApi), advanced API keys with their central webhook (tag
ApiKey) and an API key's webhook logs, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nukiweb.domain.scopes import Scope
from nukiweb.secrets import new_object_id
from nukiweb.store import webhooks as store
from tests.support import AccountFixture

HOOK = "http://127.0.0.1:9/hook"
APPLICATION = {
    "name": "Rentals Ltd",
    "country": "AT",
    "description": "Short-term rentals with keypads",
    "type": "SHORT_RENTAL",
    "url": "https://rentals.example.com",
    "email": "ops@rentals.example.com",
    "restricted": False,
    "webhookUrl": HOOK,
    "webhookFeatures": ["DEVICE_STATUS", "DEVICE_LOGS"],
}


def first_key_id(account: AccountFixture) -> int:
    return int(account.api.get("/api/key").json()[0]["apiKeyId"])


def subscriber(account: AccountFixture, subscriber_id: int) -> store.Subscriber:
    with account.api.server.ctx.db.read() as conn:
        found = store.get_subscriber(conn, account.account_id, store.DECENTRAL, subscriber_id)
    assert found is not None
    return found


# --- decentral webhooks --------------------------------------------------------------------


def test_decentral_webhook_lifecycle(account: AccountFixture) -> None:
    body = {"webhookUrl": HOOK, "webhookFeatures": ["DEVICE_LOGS", "DEVICE_STATUS", "DEVICE_LOGS"]}
    created = account.api.put("/api/decentralWebhook", json=body)
    assert created.status_code == 200, created.text
    webhook = created.json()
    assert webhook["webhookUrl"] == HOOK
    assert webhook["webhookFeatures"] == ["DEVICE_LOGS", "DEVICE_STATUS"]
    assert len(webhook["secret"]) == 64

    stored = subscriber(account, webhook["id"])
    assert stored.status == "ACTIVE"
    assert stored.api_key_id == first_key_id(account)
    assert webhook["secret"] not in stored.secret_box
    assert account.api.server.ctx.secrets.open(stored.secret_box) == webhook["secret"]

    listed = account.api.get("/api/decentralWebhook")
    assert listed.status_code == 200
    assert webhook in listed.json()

    deleted = account.api.delete(f"/api/decentralWebhook/{webhook['id']}")
    assert deleted.status_code == 204
    assert webhook not in account.api.get("/api/decentralWebhook").json()
    assert account.api.delete(f"/api/decentralWebhook/{webhook['id']}").status_code == 404


def test_decentral_webhook_starts_after_the_newest_event(account: AccountFixture) -> None:
    with account.api.server.ctx.db.read() as conn:
        newest = store.current_event_seq(conn)
    body = {"webhookUrl": HOOK, "webhookFeatures": ["ACCOUNT_USER"]}
    webhook = account.api.put("/api/decentralWebhook", json=body).json()
    with account.api.server.ctx.db.read() as conn:
        row = conn.execute(
            store.webhook_subscribers.select().where(
                store.webhook_subscribers.c.id == webhook["id"]
            )
        ).one()
    assert row.cursor >= newest
    assert (row.failures, row.sent_ok, row.sent_failed) == (0, 0, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"webhookUrl": "not a url", "webhookFeatures": ["DEVICE_LOGS"]},
        {"webhookUrl": "ftp://example.com/hook", "webhookFeatures": ["DEVICE_LOGS"]},
        {"webhookUrl": HOOK, "webhookFeatures": []},
        {"webhookUrl": HOOK, "webhookFeatures": ["DEVICE_WEATHER"]},
        {"webhookUrl": HOOK},
        {"webhookFeatures": ["DEVICE_LOGS"]},
    ],
)
def test_decentral_webhook_refuses_bad_input(account: AccountFixture, body: dict[str, Any]) -> None:
    response = account.api.put("/api/decentralWebhook", json=body)
    assert response.status_code == 400, response.text
    assert account.api.get("/api/decentralWebhook").json() == []


def test_decentral_webhooks_are_the_accounts_own(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    body = {"webhookUrl": HOOK, "webhookFeatures": ["DEVICE_AUTHS"]}
    webhook = account.api.put("/api/decentralWebhook", json=body).json()
    assert other_account.api.get("/api/decentralWebhook").json() == []
    assert other_account.api.delete(f"/api/decentralWebhook/{webhook['id']}").status_code == 404
    assert webhook in account.api.get("/api/decentralWebhook").json()


def test_decentral_webhooks_need_their_scope(account: AccountFixture) -> None:
    body = {"webhookUrl": HOOK, "webhookFeatures": ["DEVICE_LOGS"]}
    without = account.client_with(*(s for s in Scope if s is not Scope.WEBHOOK_DECENTRAL))
    assert without.put("/api/decentralWebhook", json=body).status_code == 401
    assert without.get("/api/decentralWebhook").status_code == 401
    # The scope to read what it hears too (tests/api/test_webhook_readers.py).
    with_scope = account.client_with(Scope.WEBHOOK_DECENTRAL, Scope.SMARTLOCK_LOG)
    assert with_scope.put("/api/decentralWebhook", json=body).status_code == 200
    assert len(with_scope.get("/api/decentralWebhook").json()) == 1


# --- advanced API keys ---------------------------------------------------------------------


def test_advanced_api_key_lifecycle(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    path = f"/api/key/{key_id}/advanced"
    assert account.api.get(path).status_code == 404

    assert account.api.put(path, json=APPLICATION).status_code == 204
    advanced = account.api.get(path)
    assert advanced.status_code == 200, advanced.text
    shown = advanced.json()
    assert shown["status"] == "ACTIVE"
    assert shown["webhookStatus"] == "ACTIVE"
    assert shown["webhookUrl"] == HOOK
    assert shown["webhookFeatures"] == ["DEVICE_LOGS", "DEVICE_STATUS"]
    assert {k: shown[k] for k in ("name", "country", "type", "email", "restricted")} == {
        k: APPLICATION[k] for k in ("name", "country", "type", "email", "restricted")
    }
    assert len(shown["secret"]) == 64

    with account.api.server.ctx.db.read() as conn:
        central = store.central_subscriber(conn, key_id)
        key = store.get_advanced_key(conn, key_id)
    assert central is not None
    assert key is not None
    assert central.secret_box == key.secret_box
    assert account.api.server.ctx.secrets.open(central.secret_box) == shown["secret"]

    assert account.api.put(path, json=APPLICATION).status_code == 409

    update = {"webhookUrl": "http://127.0.0.1:9/other", "webhookFeatures": ["ACCOUNT_USER"]}
    assert account.api.post(path, json=update).status_code == 204
    changed = account.api.get(path).json()
    assert changed["webhookUrl"] == update["webhookUrl"]
    assert changed["webhookFeatures"] == ["ACCOUNT_USER"]
    assert changed["secret"] == shown["secret"]

    assert account.api.delete(path).status_code == 204
    assert account.api.get(path).status_code == 404
    with account.api.server.ctx.db.read() as conn:
        assert store.central_subscriber(conn, key_id) is None
    for method in ("POST", "DELETE"):
        assert account.api.request(method, path, json=update).status_code == 404
    assert account.api.post(f"{path}/reactivate").status_code == 404


def test_reactivate_sets_the_central_webhook_active(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    path = f"/api/key/{key_id}/advanced"
    assert account.api.put(path, json=APPLICATION).status_code == 204
    with account.api.server.ctx.db.transaction() as conn:
        central = store.central_subscriber(conn, key_id)
        assert central is not None
        store.update_subscriber(
            conn,
            central.id,
            {
                "status": "DEACTIVATED",
                "failures": 12,
                "next_attempt_at": datetime.now(UTC) + timedelta(hours=1),
            },
        )
    assert account.api.get(path).json()["webhookStatus"] == "DEACTIVATED"
    assert account.api.post(f"{path}/reactivate").status_code == 204
    assert account.api.get(path).json()["webhookStatus"] == "ACTIVE"
    with account.api.server.ctx.db.read() as conn:
        row = conn.execute(
            store.webhook_subscribers.select().where(store.webhook_subscribers.c.id == central.id)
        ).one()
    assert (row.status, row.failures, row.next_attempt_at) == ("ACTIVE", 0, None)


@pytest.mark.parametrize(
    "change",
    [
        {"webhookUrl": "no url"},
        {"webhookFeatures": []},
        {"webhookFeatures": ["NOPE"]},
        {"type": "BANK"},
        {"name": "  "},
        {"restricted": "maybe"},
    ],
)
def test_advanced_api_key_refuses_bad_input(
    account: AccountFixture, change: dict[str, Any]
) -> None:
    path = f"/api/key/{first_key_id(account)}/advanced"
    assert account.api.put(path, json=APPLICATION | change).status_code == 400
    assert account.api.get(path).status_code == 404


def test_only_secret_applications_may_name_no_features(account: AccountFixture) -> None:
    path = f"/api/key/{first_key_id(account)}/advanced"
    application = APPLICATION | {"type": "ONLY_SECRET", "webhookFeatures": []}
    assert account.api.put(path, json=application).status_code == 204
    assert account.api.get(path).json()["webhookFeatures"] == []


def test_advanced_api_keys_are_the_accounts_own(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    key_id = first_key_id(account)
    path = f"/api/key/{key_id}/advanced"
    assert other_account.api.put(path, json=APPLICATION).status_code == 404
    assert account.api.put(path, json=APPLICATION).status_code == 204
    update = {"webhookUrl": HOOK, "webhookFeatures": ["DEVICE_LOGS"]}
    assert other_account.api.get(path).status_code == 404
    assert other_account.api.post(path, json=update).status_code == 404
    assert other_account.api.post(f"{path}/reactivate").status_code == 404
    assert other_account.api.delete(path).status_code == 404
    assert other_account.api.get(f"/api/key/{key_id}/webhook/logs").status_code == 404
    assert account.api.get(path).status_code == 200


def test_deleting_the_api_key_deletes_its_advanced_key(account: AccountFixture) -> None:
    key_id = account.api.put("/api/key", json={"description": "temporary"}).json()["apiKeyId"]
    assert account.api.put(f"/api/key/{key_id}/advanced", json=APPLICATION).status_code == 204
    assert account.api.delete(f"/api/key/{key_id}").status_code == 204
    with account.api.server.ctx.db.read() as conn:
        assert store.get_advanced_key(conn, key_id) is None
        assert store.central_subscriber(conn, key_id) is None


# --- webhook logs --------------------------------------------------------------------------


def add_logs(account: AccountFixture, key_id: int, count: int) -> list[str]:
    """``count`` delivery attempts as the delivery worker records them; their ids, oldest
    first."""
    ids = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with account.api.server.ctx.db.transaction() as conn:
        for n in range(count):
            log_id = new_object_id()
            ids.append(log_id)
            at = start + timedelta(seconds=n)
            store.insert_log(
                conn,
                {
                    "id": log_id,
                    "api_key_id": key_id,
                    "account_id": account.account_id,
                    "subscriber_id": 0,
                    "request_id": None,
                    "succeeded": n % 2 == 0,
                    "response_status": 200 if n % 2 == 0 else 503,
                    "duration": 12,
                    "request": {
                        "headers": {"Content-Type": "application/json"},
                        "body": {"feature": "DEVICE_STATUS", "smartlockId": 17, "state": {}},
                        "timestamp": at.isoformat(),
                        "path": "/hook",
                    },
                    "response": {
                        "headers": {"content-type": "text/plain"},
                        "body": "ok",
                        "timestamp": at.isoformat(),
                        "path": "/hook",
                    },
                    "created": at,
                    "updated": at,
                },
            )
    return ids


def test_webhook_logs_newest_first_with_cursor(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    path = f"/api/key/{key_id}/webhook/logs"
    assert account.api.get(path).json() == []
    ids = add_logs(account, key_id, 5)

    logs = account.api.get(path)
    assert logs.status_code == 200, logs.text
    listed = logs.json()
    assert [log["id"] for log in listed] == ids[::-1]
    newest = listed[0]
    assert newest["apiKeyId"] == key_id
    assert newest["accountId"] == account.account_id
    assert newest["succeeded"] is True
    assert newest["responseStatus"] == 200
    assert newest["request"]["body"]["feature"] == "DEVICE_STATUS"
    assert newest["request"]["path"] == "/hook"
    assert newest["response"]["body"] == {"raw": "ok"}

    page = account.api.get(path, params={"limit": 2}).json()
    assert [log["id"] for log in page] == [ids[4], ids[3]]
    older = account.api.get(path, params={"id": page[-1]["id"], "limit": 2}).json()
    assert [log["id"] for log in older] == [ids[2], ids[1]]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"id": "0" * 24}])
def test_webhook_logs_refuse_bad_parameters(
    account: AccountFixture, params: dict[str, Any]
) -> None:
    path = f"/api/key/{first_key_id(account)}/webhook/logs"
    assert account.api.get(path, params=params).status_code == 400


def test_webhook_logs_keep_the_newest_300(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    ids = add_logs(account, key_id, 305)
    with account.api.server.ctx.db.read() as conn:
        kept = store.list_logs(conn, key_id, None, 1000)
    assert [log.id for log in kept] == ids[::-1][:300]
