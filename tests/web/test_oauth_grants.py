"""What an OAuth access token, obtained through the real code flow, may do with the scopes its
user consented to: grant no scope it does not hold, leave the password and email alone, and
hear through webhooks only what it may read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.api.test_webhook_delivery import create_user
from tests.contract.validation import ContractValidator
from tests.devices import add_device, advance
from tests.support import AccountFixture, ApiClient, RunningServer
from tests.web.oauth_support import (
    OAuthApp,
    consent,
    exchange,
    redirect_parameters,
    register_app,
    token_request,
)
from tests.web.support import WebClient
from tests.webhooks import Receiver, receiver


@pytest.fixture
def app(other_account: AccountFixture) -> OAuthApp:
    """The developer's app (``other_account`` develops it; ``account`` uses it)."""
    return register_app(other_account)


@pytest.fixture
def web(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        yield client


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as made:
        yield made


def oauth_tokens(server: RunningServer, app: OAuthApp, web: WebClient, scope: str) -> Any:
    """The token answer after the user allowed ``scope`` to the app."""
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": scope,
        "state": "s",
    }
    allowed = consent(web, f"{server.base_url}/oauth/authorize?{urlencode(query)}")
    answer = exchange(server, app, redirect_parameters(allowed)["code"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_account_scoped_oauth_token_mints_no_other_scope(
    server: RunningServer,
    account: AccountFixture,
    app: OAuthApp,
    web: WebClient,
    contract: ContractValidator,
) -> None:
    api = ApiClient(server, oauth_tokens(server, app, web, "account")["access_token"], contract)
    key = api.get("/api/key").json()[0]["apiKeyId"]
    for scopes in (["smartlock.action"], ["account", "smartlock"], ["webhook.decentral"]):
        refused = api.put(f"/api/key/{key}/token", json={"description": "x", "scopes": scopes})
        assert refused.status_code == 403, refused.text
        assert "detailMessage" in refused.json()
    minted = api.put(f"/api/key/{key}/token", json={"description": "x", "scopes": ["account"]})
    assert minted.status_code == 200, minted.text
    widened = {"scopes": ["account", "smartlock.action"]}
    refused = api.post(f"/api/key/{key}/token/{minted.json()['id']}", json=widened)
    assert refused.status_code == 403, refused.text
    listed = {t["id"]: t for t in account.api.get(f"/api/key/{key}/token").json()}
    assert listed[minted.json()["id"]]["scopes"] == ["account"]
    api.close()


@pytest.mark.parametrize(
    "change",
    [
        {"language": "en", "password": "a brand new secret"},
        {"language": "en", "email": "x@example.org"},
    ],
)
def test_an_oauth_token_may_not_change_the_password_or_email(
    server: RunningServer,
    account: AccountFixture,
    app: OAuthApp,
    web: WebClient,
    contract: ContractValidator,
    change: dict[str, str],
) -> None:
    api = ApiClient(server, oauth_tokens(server, app, web, "account")["access_token"], contract)
    refused = api.post("/account", json=change)
    assert refused.status_code == 403, refused.text
    assert "detailMessage" in refused.json()
    assert api.get("/account").json()["email"] == account.email
    assert api.get("/account").status_code == 200  # the password did not change: still valid
    assert api.post("/account", json={"language": "en", "name": "Renamed"}).status_code == 204
    api.close()


def test_an_oauth_token_hears_only_what_its_scopes_read(
    server: RunningServer,
    account: AccountFixture,
    app: OAuthApp,
    web: WebClient,
    contract: ContractValidator,
    hook: Receiver,
) -> None:
    smartlock_id = add_device(account, 4)
    narrow = oauth_tokens(server, app, web, "account webhook.decentral")
    narrow_api = ApiClient(server, narrow["access_token"], contract)
    body = {"webhookUrl": hook.url, "webhookFeatures": ["ACCOUNT_USER", "DEVICE_AUTHS"]}
    refused = narrow_api.put("/api/decentralWebhook", json=body)
    assert refused.status_code == 403, refused.text
    assert "DEVICE_AUTHS" in refused.json()["detailMessage"]
    narrow_api.close()

    # The same user allows the app more; the app's webhook hears with both grants.
    wide = oauth_tokens(server, app, web, "account webhook.decentral smartlock.auth")
    wide_api = ApiClient(server, wide["access_token"], contract)
    assert wide_api.put("/api/decentralWebhook", json=body).status_code == 200
    wide_api.close()

    api = account.api
    guest = create_user(api, "Guest")
    auth = {"name": "Guest", "remoteAllowed": False, "accountUserId": guest}
    assert api.put(f"/smartlock/{smartlock_id}/auth", json=auth).status_code == 204
    advance(api, 0)
    assert api.post(f"/account/user/{guest}", json={"name": "Marker 1"}).status_code == 200
    hook.wait_for_count(1, feature="DEVICE_AUTHS")

    # The app narrows its wide grant: no token of the user's under the app's key reads
    # authorizations any more.
    again = token_request(
        server,
        app,
        grant_type="refresh_token",
        refresh_token=wide["refresh_token"],
        scope="account webhook.decentral",
    )
    assert again.status_code == 200, again.text
    second = create_user(api, "Second")
    auth = {"name": "Second", "remoteAllowed": False, "accountUserId": second}
    assert api.put(f"/smartlock/{smartlock_id}/auth", json=auth).status_code == 204
    advance(api, 0)
    assert api.post(f"/account/user/{second}", json={"name": "Marker 2"}).status_code == 200
    users = hook.wait_for(
        lambda got: any(r.json.get("accountUser", {}).get("name") == "Marker 2" for r in got)
    )
    assert sum(r.json.get("feature") == "DEVICE_AUTHS" for r in users) == 1


def test_an_oauth_token_may_not_take_over_a_sub_account(
    server: RunningServer,
    account: AccountFixture,
    app: OAuthApp,
    web: WebClient,
    contract: ContractValidator,
) -> None:
    """Not by making one with every right, nor by setting an existing one's password or
    email: either would let the app sign in to the pages with more than was consented to."""
    sub = account.api.put(
        "/account/sub",
        json={"email": "sub-" + account.email, "password": "sub password", "name": "Sub",
              "rights": 0, "language": "en"},
    ).json()  # fmt: skip
    scope = "account smartlock.readOnly"
    api = ApiClient(server, oauth_tokens(server, app, web, scope)["access_token"], contract)
    everything = {"email": "x-" + account.email, "password": "app password", "name": "App",
                  "rights": 127, "language": "en"}  # fmt: skip
    assert api.put("/account/sub", json=everything).status_code == 403
    for change in ({"password": "app password"}, {"email": "app-" + account.email}):
        refused = api.post(f"/account/sub/{sub['accountId']}", json={"language": "en", **change})
        assert refused.status_code == 403, refused.text
    assert account.api.get(f"/account/sub/{sub['accountId']}").json()["email"] == sub["email"]
    api.close()
