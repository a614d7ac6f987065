"""Bad input is a 4xx with the vendor's JSON error body and changes nothing, on every route:
text that is not Unicode, integers no store can hold, dates UTC cannot write, URLs that are
none. (Ids that name nothing: test_unknown_ids.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute

from nukiweb.api import simulator
from nukiweb.api.app import ROUTERS, create_app
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


# --- integers no store can hold ---------------------------------------------------------------


def api_routes() -> list[APIRoute]:
    return [
        route
        for router in (*ROUTERS, simulator.router)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


def _integer_query_parameters() -> list[tuple[str, str, str]]:
    found = []
    for route in api_routes():
        for parameter in route.dependant.query_params:
            if "int" in str(parameter.field_info.annotation):
                (method,) = route.methods
                found.append((method, route.path, parameter.name))
    return found


def test_the_integer_query_parameters_are_the_known_ones() -> None:
    assert {name for _method, _path, name in _integer_query_parameters()} == {
        "accountUserId",
        "action",
        "apiKeyId",
        "authId",
        "brandId",
        "limit",
        "offset",
        "type",
    }


@pytest.mark.parametrize(("method", "path", "name"), _integer_query_parameters())
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_an_integer_query_parameter_beyond_64_bits_is_400(
    account: AccountFixture, method: str, path: str, name: str, value: int
) -> None:
    url = path.replace("{smartlockId}", str(add_device(account, 4))).replace(
        "{apiKeyId}", str(first_key_id(account))
    )

    response = account.api.request(method, url, params={name: value})

    assert response.status_code == 400, response.text
    assert f"'{name}'" in response.json()["detailMessage"]


@pytest.mark.parametrize("path", ["/smartlock/auth", "/smartlock/{smartlockId}/auth"])
@pytest.mark.parametrize("types", ["99999999999999999999", "0,-99999999999999999999"])
def test_authorization_types_beyond_64_bits_are_400(
    account: AccountFixture, path: str, types: str
) -> None:
    url = path.replace("{smartlockId}", str(add_device(account, 4)))

    response = account.api.get(url, params={"types": types})

    assert response.status_code == 400, response.text
    assert "'types'" in response.json()["detailMessage"]


def test_an_id_in_a_body_beyond_its_type_is_400_and_changes_nothing(
    account: AccountFixture,
) -> None:
    """A stored setting answers what was sent: a smartlockId beyond int64 would break the
    answer's schema."""
    stale = {"web": {"removedStaledDevices": [{"smartlockId": 2**64}]}}

    response = account.api.put("/account/setting", json=stale)

    assert response.status_code == 400, response.text
    assert "'web.removedStaledDevices.smartlockId'" in response.json()["detailMessage"]
    assert account.api.get("/account/setting").status_code == 404


# --- dates UTC cannot write -------------------------------------------------------------------

# Instants whose UTC date is before year 1 or after 9999, which nothing can store or write.
BEYOND_UTC = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


def authorization_body(account: AccountFixture) -> dict[str, Any]:
    user = account.api.put("/account/user", json={"email": unique_email(), "name": "Guest"})
    assert user.status_code == 200, user.text
    return {"name": "Guest", "remoteAllowed": True, "accountUserId": user.json()["accountUserId"]}


@pytest.mark.parametrize("date", BEYOND_UTC)
@pytest.mark.parametrize("field", ["allowedFromDate", "allowedUntilDate"])
def test_a_date_utc_cannot_write_is_400_and_changes_nothing(
    account: AccountFixture, date: str, field: str
) -> None:
    lock = add_device(account, 4)
    body = authorization_body(account) | {field: date}

    response = account.api.put(f"/smartlock/{lock}/auth", json=body)

    assert response.status_code == 400, response.text
    assert f"'{field}'" in response.json()["detailMessage"]
    assert account.api.get(f"/smartlock/{lock}/auth").json() == []


def test_the_last_date_utc_can_write_is_welcome(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    body = authorization_body(account) | {
        "allowedFromDate": "0001-01-01T00:00:00Z",
        "allowedUntilDate": "9999-12-31T23:59:59+00:00",
    }

    assert account.api.put(f"/smartlock/{lock}/auth", json=body).status_code == 204

    (created,) = account.api.get(f"/smartlock/{lock}/auth").json()
    assert created["allowedUntilDate"] == "9999-12-31T23:59:59.000Z"


@pytest.mark.parametrize("path", ["/smartlock/log", "/smartlock/{smartlockId}/log"])
@pytest.mark.parametrize("date", BEYOND_UTC)
@pytest.mark.parametrize("name", ["fromDate", "toDate"])
def test_a_log_filter_date_utc_cannot_write_is_400(
    account: AccountFixture, path: str, date: str, name: str
) -> None:
    url = path.replace("{smartlockId}", str(add_device(account, 4)))

    response = account.api.get(url, params={name: date})

    assert response.status_code == 400, response.text
    assert f"'{name}'" in response.json()["detailMessage"]


# --- URLs that are none -----------------------------------------------------------------------

NO_URLS = ["https://[::1/hook", "https://[v1.x/hook", "https://hooks.example.com:99999/hook"]


@pytest.mark.parametrize("url", NO_URLS)
def test_a_webhook_url_that_is_none_is_400_and_changes_nothing(
    account: AccountFixture, url: str
) -> None:
    hook = {"webhookUrl": url, "webhookFeatures": ["DEVICE_LOGS"]}
    push = {"pushId": url, "os": 2, "settings": [{"triggerEvents": ["lock"]}]}

    refused = account.api.put("/api/decentralWebhook", json=hook)
    also_refused = account.api.put("/notification", json=push)

    assert refused.status_code == 400, refused.text
    assert "'webhookUrl'" in refused.json()["detailMessage"]
    assert also_refused.status_code == 400, also_refused.text
    assert account.api.get("/api/decentralWebhook").json() == []
    assert account.api.get("/notification").json() == []


@pytest.mark.parametrize("uri", ["http://[::1/callback", "myapp://[v1.x/callback"])
def test_a_redirect_uri_that_is_none_is_400_and_changes_nothing(
    account: AccountFixture, uri: str
) -> None:
    keys = account.api.get("/api/key").json()

    response = account.api.put("/api/key", json={"redirectUris": [uri]})

    assert response.status_code == 400, response.text
    assert "'redirectUris'" in response.json()["detailMessage"]
    assert account.api.get("/api/key").json() == keys
