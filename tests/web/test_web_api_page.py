"""The Web API page (doc §3.2, §4.3): activation, redirect URLs, client secret, API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from nukiweb.store import api_keys as key_store
from tests.contract.validation import ContractValidator
from tests.support import AccountFixture, ApiClient, RunningServer, make_account
from tests.web.support import WebClient

PAGE = "/web/api"


@pytest.fixture
def fresh(server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    """An account whose Web API is not active yet (its fixture token's key deleted)."""
    made = make_account(server, contract)
    for key in made.api.get("/api/key").json():
        made.api.delete(f"/api/key/{key['apiKeyId']}")
    yield made
    made.api.close()


@pytest.fixture
def web(server: RunningServer, fresh: AccountFixture) -> Iterator[WebClient]:
    with WebClient(server) as client:
        client.sign_in(fresh.email, fresh.password)
        yield client


def keys_of(server: RunningServer, account: AccountFixture) -> list[dict[str, object]]:
    """Read from the store: any token made for the check would activate the Web API."""
    with server.ctx.db.read() as conn:
        keys = key_store.list_api_keys(conn, account.account_id)
    return [{"apiKey": key.api_key, "redirectUris": key.redirect_uris} for key in keys]


def shown_value(html: str, element_id: str) -> str:
    found = re.search(rf'<code id="{element_id}">([^<]+)</code>', html)
    assert found, f"no {element_id} on the page"
    return found.group(1)


def test_activate_save_redirect_urls_and_deactivate(
    server: RunningServer, fresh: AccountFixture, web: WebClient
) -> None:
    assert "Activate Nuki Web API" in web.get(PAGE).text
    assert web.submit(PAGE, f"{PAGE}/activate", {}).status_code == 303
    page = web.get(PAGE)
    (key,) = keys_of(server, fresh)
    assert str(key["apiKey"]) in page.text
    assert "Deactivate Nuki Web API" in page.text

    urls = "https://a.example.com/cb, https://b.example.com/cb"
    assert web.submit(PAGE, f"{PAGE}/redirect-urls", {"redirect_urls": urls}).status_code == 303
    (key,) = keys_of(server, fresh)
    assert key["redirectUris"] == ["https://a.example.com/cb", "https://b.example.com/cb"]

    refused = web.submit(PAGE, f"{PAGE}/redirect-urls", {"redirect_urls": "not a url, *"})
    assert refused.status_code == 400
    assert "is not valid" in refused.text
    (key,) = keys_of(server, fresh)
    assert key["redirectUris"] == ["https://a.example.com/cb", "https://b.example.com/cb"]

    assert web.submit(PAGE, f"{PAGE}/deactivate", {}).status_code == 303
    assert keys_of(server, fresh) == []


@pytest.mark.parametrize(
    "unsafe",
    [
        "javascript:alert(document.cookie)//",
        "data:text/html;base64",  # the page splits at commas
        "myapp://callback",
        "http://app.example.com/cb",
    ],
)
def test_unsafe_redirect_urls_are_refused_on_the_page(
    server: RunningServer, fresh: AccountFixture, web: WebClient, unsafe: str
) -> None:
    web.submit(PAGE, f"{PAGE}/activate", {})
    entered = f"https://a.example.com/cb, {unsafe}"
    refused = web.submit(PAGE, f"{PAGE}/redirect-urls", {"redirect_urls": entered})
    assert refused.status_code == 400
    assert "is not valid" in refused.text
    (key,) = keys_of(server, fresh)
    assert key["redirectUris"] == []


def test_a_generated_token_is_shown_once_and_has_the_rights_ticked(
    server: RunningServer, web: WebClient, contract: ContractValidator
) -> None:
    web.submit(PAGE, f"{PAGE}/activate", {})
    form = web.get(f"{PAGE}/tokens/new")
    for label in (
        "View and manage account",
        "View and manage notifications",
        "View and edit Smart Locks",
        "View Smart Locks",
        "Operate Smart Locks",
        "View and manage Smart Lock authorizations",
        "Manage Smart Lock configuration",
        "View Smart Lock activity log",
    ):
        assert label in form.text
    created = web.submit(
        f"{PAGE}/tokens/new",
        f"{PAGE}/tokens",
        {"name": "integration", "scopes": ["smartlock.readOnly", "smartlock.log"]},
    )
    assert created.status_code == 200
    value = shown_value(created.text, "api-token")
    assert "permanent access" in created.text

    api = ApiClient(server, value, contract)
    assert api.get("/smartlock").status_code == 200
    assert api.get("/smartlock/log").status_code == 200
    assert api.get("/account").status_code == 401

    listed = web.get(PAGE)
    assert "integration" in listed.text
    assert value not in listed.text  # never shown again
    token_id = re.search(r'data-token-id="([0-9a-f]{24})"', listed.text)
    assert token_id
    revoked = web.submit(PAGE, f"{PAGE}/tokens/{token_id.group(1)}/revoke", {})
    assert revoked.status_code == 303
    assert api.get("/smartlock").status_code == 401
    api.close()


def test_a_token_needs_a_right(web: WebClient) -> None:
    web.submit(PAGE, f"{PAGE}/activate", {})
    refused = web.submit(f"{PAGE}/tokens/new", f"{PAGE}/tokens", {"name": "none"})
    assert refused.status_code == 400
    assert "at least one scope" in refused.text


def test_the_client_secret_is_shown_once_and_a_new_one_replaces_it(
    server: RunningServer, fresh: AccountFixture, web: WebClient
) -> None:
    web.submit(PAGE, f"{PAGE}/activate", {})
    first = shown_value(web.submit(PAGE, f"{PAGE}/client-secret", {}).text, "client-secret")
    page = web.get(PAGE).text
    assert first not in page
    assert "A client secret exists" in page
    second = shown_value(web.submit(PAGE, f"{PAGE}/client-secret", {}).text, "client-secret")
    assert second != first

    (key,) = keys_of(server, fresh)

    def authenticates(secret: str) -> bool:
        answer = httpx.post(
            f"{server.base_url}/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": "nkr_unknown"},
            auth=(str(key["apiKey"]), secret),
        )
        # A known client with a bad refresh token: invalid_grant; a bad secret: invalid_client.
        return bool(answer.json()["error"] == "invalid_grant")

    assert authenticates(second)
    assert not authenticates(first)


def test_forms_need_the_sessions_csrf_token(
    server: RunningServer, fresh: AccountFixture, web: WebClient
) -> None:
    forged = web.http.post(f"{PAGE}/activate", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert keys_of(server, fresh) == []


def test_another_accounts_token_cannot_be_revoked(account: AccountFixture, web: WebClient) -> None:
    web.submit(PAGE, f"{PAGE}/activate", {})
    (key,) = account.api.get("/api/key").json()
    (token,) = account.api.get(f"/api/key/{key['apiKeyId']}/token").json()
    refused = web.submit(PAGE, f"{PAGE}/tokens/{token['id']}/revoke", {})
    assert refused.status_code == 404
    assert account.api.get("/account").status_code == 200
