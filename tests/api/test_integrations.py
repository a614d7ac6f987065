"""/account/integration over HTTP: what has access to an account (API tokens, OAuth2 apps), when
each was last active, and revoking one, which stops it at once and touches no other account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from nukiweb.services import integrations
from nukiweb.store.database import Database
from nukiweb.store.schema import api_tokens
from tests.api.test_sub_accounts import create_sub, sub_client
from tests.contract.validation import ContractValidator
from tests.devices import advance
from tests.support import (
    SIMULATION_START,
    AccountFixture,
    ApiClient,
    RunningServer,
    make_account,
    running_server,
)
from tests.web.oauth_support import (
    OAuthApp,
    consent,
    exchange,
    redirect_parameters,
    refresh,
    register_app,
)
from tests.web.support import WebClient

SCOPES = "smartlock account"


def listed(api: ApiClient) -> list[dict[str, Any]]:
    response = api.get("/account/integration")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    found: list[dict[str, Any]] = response.json()
    return found


def by_token(api: ApiClient, token_id: str) -> dict[str, Any]:
    (found,) = [item for item in listed(api) if item.get("tokenId") == token_id]
    return found


def now(server: RunningServer) -> str:
    return server.ctx.clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_token(
    account: AccountFixture, *scopes: str, key_id: int | None = None
) -> tuple[int, str, ApiClient]:
    """A new API token of the account (under its first API key unless ``key_id``): its key's
    id, its id, and a client that uses it."""
    if key_id is None:
        key_id = account.api.get("/api/key").json()[0]["apiKeyId"]
    made = account.api.put(
        f"/api/key/{key_id}/token",
        json={"description": "home automation", "scopes": list(scopes or ["account"])},
    )
    assert made.status_code == 200, made.text
    return key_id, made.json()["id"], account.api.with_token(made.json()["accessToken"])


def new_key(account: AccountFixture) -> int:
    made = account.api.put("/api/key", json={"description": "second", "redirectUris": []})
    assert made.status_code == 200, made.text
    key_id: int = made.json()["apiKeyId"]
    return key_id


def test_an_api_token_is_listed_with_what_it_may_do(account: AccountFixture) -> None:
    key_id, token_id, _client = new_token(account, "account", "smartlock.readOnly")
    entry = by_token(account.api, token_id)
    created = account.api.get(f"/api/key/{key_id}/token").json()[-1]["creationDate"]
    assert entry == {
        "version": "LEGACY",
        "vendorKey": "API_TOKEN",
        "subAccount": False,
        "name": "home automation",
        "description": "home automation",
        "createdAt": created,
        "scopes": ["account", "smartlock.readOnly"],
        "warning": True,
        "tokenId": token_id,
        "clientId": str(key_id),
        "sortOrder": 2,
        "device": False,
    }


def test_last_activity_moves_with_use_once_written_down(account: AccountFixture) -> None:
    server = account.api.server
    _key_id, used_id, used = new_token(account)
    _key_id, idle_id, _idle = new_token(account)
    assert used.get("/account").status_code == 200
    assert "lastActiveAt" not in by_token(account.api, used_id)  # noted, not written yet
    integrations.record_activity(server.ctx)
    first = now(server)
    assert by_token(account.api, used_id)["lastActiveAt"] == first
    assert "lastActiveAt" not in by_token(account.api, idle_id)

    advance(account.api, 120)
    integrations.record_activity(server.ctx)
    assert by_token(account.api, used_id)["lastActiveAt"] == first  # not used since
    assert used.get("/account").status_code == 200
    integrations.record_activity(server.ctx)
    later = by_token(account.api, used_id)["lastActiveAt"]
    assert later == now(server)
    assert later > first
    used.close()


def test_revoking_an_api_token_stops_it_at_once(account: AccountFixture) -> None:
    key_id, token_id, client = new_token(account)
    assert client.get("/account").status_code == 200  # in the token cache now
    revoked = account.api.delete(
        "/account/integration", params={"apiKeyId": key_id, "tokenId": token_id}
    )
    assert revoked.status_code == 204, revoked.text
    assert client.get("/account").status_code == 401
    assert all(item.get("tokenId") != token_id for item in listed(account.api))
    assert account.api.get("/account").status_code == 200  # the other tokens live on
    again = account.api.delete(
        "/account/integration", params={"apiKeyId": key_id, "tokenId": token_id}
    )
    assert again.status_code == 404
    client.close()


def test_an_api_key_alone_revokes_all_its_tokens_and_keeps_the_key(
    account: AccountFixture,
) -> None:
    key_id = new_key(account)
    clients = [new_token(account, key_id=key_id)[2] for _ in range(2)]
    assert all(client.get("/account").status_code == 200 for client in clients)
    revoked = account.api.delete("/account/integration", params={"apiKeyId": key_id})
    assert revoked.status_code == 204, revoked.text
    assert [client.get("/account").status_code for client in clients] == [401, 401]
    assert key_id in [key["apiKeyId"] for key in account.api.get("/api/key").json()]
    assert account.api.get(f"/api/key/{key_id}/token").json() == []
    assert account.api.get("/account").status_code == 200  # issued under the first key
    for client in clients:
        client.close()


def test_another_accounts_integrations_are_not_found_and_untouched(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    other_key, other_token, other_client = new_token(other_account)
    own_key = account.api.get("/api/key").json()[0]["apiKeyId"]
    for params in (
        {"apiKeyId": other_key, "tokenId": other_token},
        {"tokenId": other_token},
        {"apiKeyId": own_key, "tokenId": other_token},
        {"apiKeyId": other_key},
        {"apiKeyId": 2**40},
        {"apiKeyId": -1, "tokenId": "0"},
    ):
        response = account.api.delete("/account/integration", params=params)
        assert response.status_code == 404, (params, response.text)
        assert "detailMessage" in response.json()
    assert other_client.get("/account").status_code == 200
    assert other_token in [item.get("tokenId") for item in listed(other_account.api)]
    assert other_token not in [item.get("tokenId") for item in listed(account.api)]
    other_client.close()


@pytest.mark.parametrize(
    "params",
    [{}, {"apiKeyId": "abc"}, {"apiKeyId": "1.5"}, {"tokenId": "x" * 25}, {"apiKeyId": 2**64}],
)
def test_a_malformed_deletion_is_400_and_revokes_nothing(
    account: AccountFixture, params: dict[str, Any]
) -> None:
    before = listed(account.api)
    response = account.api.delete("/account/integration", params=params)
    assert response.status_code == 400, response.text
    assert "detailMessage" in response.json()
    assert listed(account.api) == before


def test_a_master_sees_and_revokes_its_sub_accounts_tokens(account: AccountFixture) -> None:
    sub = create_sub(account, rights=0)
    sub_api = sub_client(account, int(str(sub["accountId"])))
    own = listed(sub_api)
    assert len(own) == 1
    assert own[0]["subAccount"] is True
    assert own[0]["subAccountId"] == sub["accountId"]
    assert own[0]["subAccountName"] == "Sub"
    assert own[0] in listed(account.api)
    # A sub-account sees only its own: its master's tokens are not its to see or revoke.
    master_tokens = [item for item in listed(account.api) if not item["subAccount"]]
    assert master_tokens
    assert all(item not in listed(sub_api) for item in master_tokens)
    refused = sub_api.delete(
        "/account/integration",
        params={"apiKeyId": master_tokens[0]["clientId"], "tokenId": master_tokens[0]["tokenId"]},
    )
    assert refused.status_code == 404
    revoked = account.api.delete(
        "/account/integration",
        params={"apiKeyId": own[0]["clientId"], "tokenId": own[0]["tokenId"]},
    )
    assert revoked.status_code == 204
    assert sub_api.get("/account").status_code == 401
    sub_api.close()


@pytest.fixture
def app(other_account: AccountFixture) -> OAuthApp:
    """``other_account`` develops the app, ``account`` allows it."""
    return register_app(other_account)


@pytest.fixture
def web(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        yield client


def grant(web: WebClient, app: OAuthApp) -> dict[str, Any]:
    server = web.server
    url = (
        f"{server.base_url}/oauth/authorize?response_type=code&client_id={app.client_id}"
        f"&redirect_uri={app.redirect_uri}&scope={SCOPES.replace(' ', '+')}&state=s"
    )
    code = redirect_parameters(consent(web, url))["code"]
    token = exchange(server, app, code)
    assert token.status_code == 200, token.text
    body: dict[str, Any] = token.json()
    return body


def test_an_oauth_app_is_listed_once_and_revoked_whole(
    account: AccountFixture, other_account: AccountFixture, app: OAuthApp, web: WebClient
) -> None:
    server = account.api.server
    first = grant(web, app)
    created = now(server)
    grant(web, app)  # allowed a second time: still one app
    (entry,) = [item for item in listed(account.api) if item["vendorKey"] == "OAUTH_APP"]
    assert entry == {
        "version": "HYDRA",
        "vendorKey": "OAUTH_APP",
        "subAccount": False,
        "name": "app",
        "createdAt": created,
        "scopes": ["account", "smartlock"],
        "warning": False,
        "clientId": str(app.api_key_id),
        "sortOrder": 1,
        "device": False,
    }
    # The developer's list holds its own tokens, not its users' grants.
    assert all(item["vendorKey"] == "API_TOKEN" for item in listed(other_account.api))

    user = account.api.with_token(first["access_token"])
    assert user.get("/account").status_code == 200
    advance(account.api, 60)
    integrations.record_activity(server.ctx)
    assert by_client(account.api, app)["lastActiveAt"] == now(server)
    advance(account.api, 60)
    refreshed = refresh(server, app, first["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    entry = by_client(account.api, app)
    assert (entry["createdAt"], entry["lastActiveAt"]) == (created, now(server))

    revoked = account.api.delete("/account/integration", params={"apiKeyId": app.api_key_id})
    assert revoked.status_code == 204, revoked.text
    assert user.with_token(refreshed.json()["access_token"]).get("/account").status_code == 401
    assert refresh(server, app, refreshed.json()["refresh_token"]).status_code == 400
    assert all(item["vendorKey"] != "OAUTH_APP" for item in listed(account.api))
    assert other_account.api.get("/api/key").status_code == 200
    assert app.api_key_id in [key["apiKeyId"] for key in other_account.api.get("/api/key").json()]
    user.close()


def by_client(api: ApiClient, app: OAuthApp) -> dict[str, Any]:
    (found,) = [item for item in listed(api) if item["clientId"] == str(app.api_key_id)]
    return found


def test_activity_noted_before_shutdown_is_written_down(
    database_url: str, contract: ContractValidator
) -> None:
    with running_server(database_url) as server:
        made = make_account(server, contract)
        (token_id,) = [item["tokenId"] for item in listed(made.api)]
        made.api.close()
    database = Database(database_url)
    try:
        with database.read() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one()
    finally:
        database.dispose()
    assert row.last_active_at == SIMULATION_START
