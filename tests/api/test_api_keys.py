"""Tag ApiKey: API keys (the OAuth2 client ids) and the API tokens issued under them."""

from __future__ import annotations

import pytest

from nukiweb.store import api_keys as key_store
from tests.support import AccountFixture


def first_key_id(account: AccountFixture) -> int:
    keys = account.api.get("/api/key").json()
    return int(keys[0]["apiKeyId"])


def test_api_key_lifecycle(account: AccountFixture) -> None:
    created = account.api.put(
        "/api/key",
        json={"description": "My app", "redirectUris": ["https://app.example.com/callback"]},
    )
    assert created.status_code == 200
    key = created.json()
    assert key["accountId"] == account.account_id
    assert key["redirectUris"] == ["https://app.example.com/callback"]
    assert len(key["apiKey"]) == 32

    path = f"/api/key/{key['apiKeyId']}"
    update = {
        "description": "Renamed",
        "redirectUris": ["https://a.example/cb", "http://127.0.0.1:8123/cb"],
    }
    assert account.api.post(path, json=update).status_code == 204
    listed = {k["apiKeyId"]: k for k in account.api.get("/api/key").json()}
    assert listed[key["apiKeyId"]]["description"] == "Renamed"
    assert listed[key["apiKeyId"]]["redirectUris"] == update["redirectUris"]

    assert account.api.delete(path).status_code == 204
    assert key["apiKeyId"] not in {k["apiKeyId"] for k in account.api.get("/api/key").json()}


UNSAFE_REDIRECT_URIS = [
    "https://*.example.com/cb",
    "not a url",
    "https:///cb",
    "https://x.example/#frag",
    "javascript:alert(document.cookie)//",
    "JavaScript://app.example.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "myapp://callback",
    "http://app.example.com/callback",  # plain http beyond this machine
    "http://127.0.0.1.evil.example/cb",
    "https://user:secret@app.example.com/cb",
    "https://app.example.com\\@evil.example/cb",
    "https://app.example.com/c\nb",
    "https://app.example.com:99999/cb",
]


@pytest.mark.parametrize("uri", UNSAFE_REDIRECT_URIS)
def test_redirect_uris_must_be_https_or_loopback_http(account: AccountFixture, uri: str) -> None:
    before = account.api.get("/api/key").json()
    created = account.api.put("/api/key", json={"redirectUris": [uri]})
    assert created.status_code == 400
    assert "'redirectUris'" in created.json()["detailMessage"]
    changed = account.api.post(
        f"/api/key/{first_key_id(account)}", json={"redirectUris": ["https://ok.example/cb", uri]}
    )
    assert changed.status_code == 400
    assert "'redirectUris'" in changed.json()["detailMessage"]
    assert account.api.get("/api/key").json() == before


def test_loopback_http_redirect_uris_are_accepted(account: AccountFixture) -> None:
    """A native app's redirect to a listener on the user's machine (RFC 8252 §7.3)."""
    uris = ["http://127.0.0.1:8123/cb", "http://[::1]:8123/cb", "http://localhost/cb"]
    created = account.api.put("/api/key", json={"redirectUris": uris})
    assert created.status_code == 200, created.text
    assert created.json()["redirectUris"] == uris


def test_token_is_shown_once_stored_hashed_and_works(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    created = account.api.put(
        f"/api/key/{key_id}/token", json={"description": "CI", "scopes": ["account"]}
    )
    assert created.status_code == 200
    token = created.json()
    value = token["accessToken"]
    assert value.startswith("nkw_")
    assert token["scopes"] == ["account"]

    listed = account.api.get(f"/api/key/{key_id}/token").json()
    assert token["id"] in {t["id"] for t in listed}
    assert all("accessToken" not in t for t in listed)
    with account.api.server.ctx.db.read() as conn:
        stored = key_store.get_api_token(conn, key_id, token["id"])
    assert stored is not None
    assert value not in repr(stored)

    new_client = account.api.with_token(value)
    assert new_client.get("/account").status_code == 200
    assert new_client.get("/smartlock").status_code == 401


def test_deleted_token_stops_working(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    token = account.api.put(f"/api/key/{key_id}/token", json={"scopes": ["account"]}).json()
    client = account.api.with_token(token["accessToken"])
    assert client.get("/account").status_code == 200
    assert account.api.delete(f"/api/key/{key_id}/token/{token['id']}").status_code == 204
    assert client.get("/account").status_code == 401
    assert account.api.delete(f"/api/key/{key_id}/token/{token['id']}").status_code == 404


def test_token_scope_update_applies_at_once(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    token = account.api.put(f"/api/key/{key_id}/token", json={"scopes": ["account"]}).json()
    client = account.api.with_token(token["accessToken"])
    assert client.get("/account").status_code == 200
    path = f"/api/key/{key_id}/token/{token['id']}"
    change = {"scopes": ["smartlock.log"], "description": "logs only"}
    assert account.api.post(path, json=change).status_code == 204
    assert client.get("/account").status_code == 401
    listed = {t["id"]: t for t in account.api.get(f"/api/key/{key_id}/token").json()}
    assert listed[token["id"]]["scopes"] == ["smartlock.log"]
    assert listed[token["id"]]["description"] == "logs only"


def test_tokens_made_through_the_api_stop_after_password_change(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    token = account.api.put(f"/api/key/{key_id}/token", json={"scopes": ["account"]}).json()
    client = account.api.with_token(token["accessToken"])
    change = {"language": "en", "password": "brand new password"}
    assert client.post("/account", json=change).status_code == 204
    assert client.get("/account").status_code == 401
    assert account.api.get("/account").status_code == 401


def test_deleting_the_key_deletes_its_tokens(account: AccountFixture) -> None:
    key = account.api.put("/api/key", json={"description": "temporary"}).json()
    token = account.api.put(
        f"/api/key/{key['apiKeyId']}/token", json={"scopes": ["account"]}
    ).json()
    client = account.api.with_token(token["accessToken"])
    assert client.get("/account").status_code == 200
    assert account.api.delete(f"/api/key/{key['apiKeyId']}").status_code == 204
    assert client.get("/account").status_code == 401


@pytest.mark.parametrize("body", [{"scopes": ["admin"]}, {"scopes": []}, {}, {"scopes": "account"}])
def test_token_needs_known_scopes(account: AccountFixture, body: dict[str, object]) -> None:
    key_id = first_key_id(account)
    before = account.api.get(f"/api/key/{key_id}/token").json()
    response = account.api.put(f"/api/key/{key_id}/token", json=body)
    assert response.status_code == 400
    assert "'scopes'" in response.json()["detailMessage"]
    assert account.api.get(f"/api/key/{key_id}/token").json() == before


def test_scope_names_are_the_docs(account: AccountFixture) -> None:
    key_id = first_key_id(account)
    scopes = [
        "account",
        "notification",
        "smartlock",
        "smartlock.readOnly",
        "smartlock.action",
        "smartlock.auth",
        "smartlock.config",
        "smartlock.log",
        "smartlock.create",
        "webhook.decentral",
    ]
    token = account.api.put(f"/api/key/{key_id}/token", json={"scopes": scopes}).json()
    assert sorted(token["scopes"]) == sorted(scopes)


def test_another_accounts_keys_and_tokens_are_404(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    key_id = first_key_id(account)
    token = account.api.put(f"/api/key/{key_id}/token", json={"scopes": ["account"]}).json()
    other = other_account.api
    assert other.get(f"/api/key/{key_id}/token").status_code == 404
    assert other.put(f"/api/key/{key_id}/token", json={"scopes": ["account"]}).status_code == 404
    assert other.post(f"/api/key/{key_id}", json={"description": "x"}).status_code == 404
    assert other.delete(f"/api/key/{key_id}").status_code == 404
    token_path = f"/api/key/{key_id}/token/{token['id']}"
    assert other.post(token_path, json={"description": "x"}).status_code == 404
    assert other.delete(token_path).status_code == 404
    assert key_id not in {k["apiKeyId"] for k in other.get("/api/key").json()}
    assert account.api.with_token(token["accessToken"]).get("/account").status_code == 200
