"""Bad input is a 4xx with the vendor's JSON error body and changes nothing, on every route:
text that is not Unicode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute

from nukiweb.api.app import create_app
from nukiweb.api.routing import CheckedRoute
from tests.devices import add_device
from tests.support import AccountFixture, RunningServer, unique_email

JSON = {"Content-Type": "application/json"}
LONE = "\\ud800"  # in JSON text: a string holding half a UTF-16 surrogate pair, not a character

# --- text that is not Unicode -----------------------------------------------------------------


def first_key_id(account: AccountFixture) -> int:
    return int(account.api.get("/api/key").json()[0]["apiKeyId"])


def device_names(account: AccountFixture) -> list[str]:
    return [device["name"] for device in account.api.get("/smartlock").json()]


# (method, path, JSON text with a lone surrogate, what must stay as it was)
SurrogateCase = tuple[str, str, str, Callable[[AccountFixture], Any]]


def surrogate_cases(account: AccountFixture) -> dict[str, SurrogateCase]:
    lock = add_device(account, 4)
    key = first_key_id(account)

    def account_document(of: AccountFixture) -> Any:
        return of.api.get("/account").json()

    def users(of: AccountFixture) -> Any:
        return of.api.get("/account/user").json()

    def authorizations(of: AccountFixture) -> Any:
        return of.api.get("/smartlock/auth").json()

    def webhooks(of: AccountFixture) -> Any:
        return of.api.get("/api/decentralWebhook").json()

    def tokens(of: AccountFixture) -> Any:
        return of.api.get(f"/api/key/{key}/token").json()

    return {
        "account language": (
            "POST",
            "/account",
            f'{{"language": "{LONE}"}}',
            account_document,
        ),
        "account name": (
            "POST",
            "/account",
            f'{{"language": "de", "name": "x{LONE}y"}}',
            account_document,
        ),
        "member name": ("POST", "/account", f'{{"language": "de", "{LONE}": 1}}', account_document),
        "device name": ("POST", f"/smartlock/{lock}", f'{{"name": "{LONE}"}}', device_names),
        "authorization name": (
            "PUT",
            "/smartlock/auth",
            f'{{"name": "{LONE}", "smartlockIds": [{lock}], "remoteAllowed": true}}',
            authorizations,
        ),
        "account user": (
            "PUT",
            "/account/user",
            f'{{"name": "{LONE}", "email": "{unique_email()}"}}',
            users,
        ),
        "webhook URL": (
            "PUT",
            "/api/decentralWebhook",
            (
                f'{{"webhookUrl": "https://hooks.example.com/{LONE}",'
                ' "webhookFeatures": ["DEVICE_LOGS"]}'
            ),
            webhooks,
        ),
        "token description": (
            "PUT",
            f"/api/key/{key}/token",
            f'{{"description": "{LONE}", "scopes": ["account"]}}',
            tokens,
        ),
        "nested in a list": (
            "PUT",
            "/smartlock/auth",
            (
                f'{{"name": "x", "smartlockIds": [{lock}], "remoteAllowed": true,'
                f' "unknown": [["{LONE}"]]}}'
            ),
            authorizations,
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "account language",
        "account name",
        "member name",
        "device name",
        "authorization name",
        "account user",
        "webhook URL",
        "token description",
        "nested in a list",
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_400_and_changes_nothing(
    account: AccountFixture, case: str
) -> None:
    method, path, text, unchanged = surrogate_cases(account)[case]
    before = unchanged(account)

    response = account.api.request(method, path, content=text.encode(), headers=JSON)

    assert response.status_code == 400, response.text
    message = response.json()["detailMessage"]
    assert "not valid JSON" in message
    assert "surrogate" in message
    assert unchanged(account) == before


def test_a_surrogate_pair_is_a_character_and_welcome(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    text = '{"name": "Front door \\ud83d\\udeaa"}'

    response = account.api.post(f"/smartlock/{lock}", content=text.encode(), headers=JSON)

    assert response.status_code == 204, response.text
    assert "Front door \U0001f6aa" in device_names(account)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"language": "\xed\xa0\x80"}', "not UTF-8"),  # a surrogate, encoded as if UTF-8
        (b'{"language": "\xff"}', "not UTF-8"),
        ('{"language": "de"}'.encode("utf-16"), "not UTF-8"),
    ],
)
def test_a_body_that_is_not_utf_8_is_400(account: AccountFixture, body: bytes, reason: str) -> None:
    before = account.api.get("/account").json()

    response = account.api.post("/account", content=body, headers=JSON)

    assert response.status_code == 400, response.text
    assert reason in response.json()["detailMessage"]
    assert account.api.get("/account").json() == before


def test_every_route_that_takes_a_body_reads_it_checked(server: RunningServer) -> None:
    app = create_app(server.ctx, simulator_api=True)
    for route in app.routes:
        if isinstance(route, APIRoute) and route.methods - {"GET", "HEAD"}:
            assert isinstance(route, CheckedRoute), route.path


def test_malformed_json_is_400_and_says_so(account: AccountFixture) -> None:
    response = account.api.post("/account", content=b'{"language": ', headers=JSON)

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detailMessage"]
