"""Webhook URLs that cannot be sent to: refused with a 400 where they are given (decentral and
central webhooks, os-2 notifications)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_webhook_delivery import (
    APPLICATION,
    key_id,
)
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
