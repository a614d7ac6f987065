"""Webhook URLs that cannot be sent to: refused with a 400 where they are given (decentral and
central webhooks, os-2 notifications); and one stored anyway (before such URLs were refused)
makes each delivery fail like any failure -- recorded, backed off, deactivated in the end --
instead of keeping the delivery worker busy."""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

import pytest

from nukiweb.domain.webhooks import DEACTIVATE_AFTER_FAILURES
from nukiweb.services.webhook_subscriptions import new_subscriber
from nukiweb.store import outbox
from nukiweb.store import webhooks as store
from tests.api.test_webhook_delivery import (
    APPLICATION,
    advance_until,
    backoff_ceiling,
    key_id,
    lock,
    webhook_logs,
)
from tests.devices import add_device
from tests.support import AccountFixture

UNSENDABLE = [
    "https://example.com:99999/",
    "https://0000::1/",
    "https://" + "a" * 64 + ".example.com/",
    "https://[::1/",
    "https://user:password@example.com/",
]


def refused(response: Any, parameter: str) -> None:
    assert response.status_code == 400, response.text
    assert f"parameter '{parameter}'" in response.json()["detailMessage"]


@pytest.mark.parametrize("url", UNSENDABLE)
def test_unsendable_urls_are_refused_where_they_are_given(
    account: AccountFixture, url: str
) -> None:
    api = account.api
    decentral = {"webhookUrl": url, "webhookFeatures": ["DEVICE_LOGS"]}
    refused(api.put("/api/decentralWebhook", json=decentral), "webhookUrl")
    assert api.get("/api/decentralWebhook").json() == []

    api_key = key_id(api)
    path = f"/api/key/{api_key}/advanced"
    refused(api.put(path, json=APPLICATION | decentral), "webhookUrl")
    assert api.get(path).status_code == 404
    application = APPLICATION | {"webhookUrl": "https://hooks.example.com/"}
    application["webhookFeatures"] = ["DEVICE_LOGS"]
    assert api.put(path, json=application).status_code == 204
    refused(api.post(path, json=decentral), "webhookUrl")
    assert api.get(path).json()["webhookUrl"] == "https://hooks.example.com/"

    notification = {"pushId": url, "os": 2, "settings": [{"triggerEvents": ["lock"]}]}
    refused(api.put("/notification", json=notification), "pushId")
    assert api.get("/notification").json() == []


def stored_subscriber(account: AccountFixture, url: str) -> int:
    """A decentral webhook to ``url`` as a store from before the URL rules holds it."""
    ctx = account.api.server.ctx
    with ctx.db.transaction() as conn:
        return new_subscriber(
            ctx,
            conn,
            ctx.tokens.authenticate(f"Bearer {account.token}"),
            api_key_id=key_id(account.api),
            kind=store.DECENTRAL,
            url=url,
            features=["DEVICE_LOGS"],
            secret_box=ctx.secrets.seal("stored before the rules"),
        )


def attempts(account: AccountFixture, subscriber_id: int) -> int:
    with account.api.server.ctx.db.read() as conn:
        row = outbox.subscriber(conn, subscriber_id)
    assert row is not None
    return int(row.sent_ok + row.sent_failed)


def worker_lines(caplog: pytest.LogCaptureFixture, subscriber_id: int) -> list[logging.LogRecord]:
    """What the worker logged about this subscriber (others, of earlier tests, may be retried
    meanwhile)."""
    return [
        record
        for record in caplog.records
        if record.name.startswith("nukiweb.webhooks") and subscriber_id in (record.args or ())
    ]


def wait_for_attempts(account: AccountFixture, subscriber_id: int, count: int) -> None:
    deadline = time.monotonic() + 10
    while attempts(account, subscriber_id) < count:
        assert time.monotonic() < deadline, f"fewer than {count} attempts"
        time.sleep(0.05)


@pytest.mark.parametrize("url", UNSENDABLE[:3])
def test_a_stored_unsendable_url_fails_each_delivery_once_and_backs_off(
    account: AccountFixture, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="nukiweb")
    api = account.api
    smartlock_id = add_device(account, 4)
    subscriber_id = stored_subscriber(account, url)
    lock(api, smartlock_id)

    wait_for_attempts(account, subscriber_id, 1)
    time.sleep(0.5)  # the simulated clock stands still: the retry is not due
    assert attempts(account, subscriber_id) == 1
    assert len(worker_lines(caplog, subscriber_id)) <= 1
    with account.api.server.ctx.db.read() as conn:
        row = outbox.subscriber(conn, subscriber_id)
    assert row is not None
    assert (row.sent_failed, row.failures, row.status) == (1, 1, "ACTIVE")
    assert row.next_attempt_at > api.server.ctx.clock.now()
    [failed] = webhook_logs(api, key_id(api))
    assert failed["succeeded"] is False
    assert "responseStatus" not in failed
    assert failed["request"]["path"] == url
    assert failed["request"]["body"]["feature"] == "DEVICE_LOGS"
    assert failed["response"]["body"]["error"]

    advance_until(api, backoff_ceiling(1), lambda: attempts(account, subscriber_id) >= 2)
    time.sleep(0.3)
    assert attempts(account, subscriber_id) == 2
    assert len(worker_lines(caplog, subscriber_id)) <= 2


def test_a_stored_unsendable_url_is_deactivated_after_the_limit(
    account: AccountFixture, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="nukiweb")
    api = account.api
    smartlock_id = add_device(account, 4)
    subscriber_id = stored_subscriber(account, UNSENDABLE[0])
    lock(api, smartlock_id)
    for failures in range(1, DEACTIVATE_AFTER_FAILURES):
        wait_for_attempts(account, subscriber_id, failures)
        condition = partial(lambda count: attempts(account, subscriber_id) > count, failures)
        advance_until(api, backoff_ceiling(failures), condition)
    wait_for_attempts(account, subscriber_id, DEACTIVATE_AFTER_FAILURES)
    with account.api.server.ctx.db.read() as conn:
        row = outbox.subscriber(conn, subscriber_id)
    assert row is not None
    assert row.status == "DEACTIVATED"
    assert row.sent_failed == DEACTIVATE_AFTER_FAILURES
    assert len(webhook_logs(api, key_id(api), limit=100)) == DEACTIVATE_AFTER_FAILURES
    assert len(worker_lines(caplog, subscriber_id)) <= DEACTIVATE_AFTER_FAILURES
