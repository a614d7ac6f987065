"""A token may grant only the scopes it holds itself (``smartlock`` holds what
``smartlock.readOnly`` grants): the account scope does not mint the others."""

from __future__ import annotations

from nukiweb.domain.scopes import Scope
from tests.support import AccountFixture


def new_key(account: AccountFixture) -> int:
    created = account.api.put("/api/key", json={"description": "grants"})
    assert created.status_code == 200, created.text
    key_id: int = created.json()["apiKeyId"]
    return key_id


def test_a_token_may_not_grant_a_scope_it_lacks(account: AccountFixture) -> None:
    key = new_key(account)
    only_account = account.client_with(Scope.ACCOUNT)
    path = f"/api/key/{key}/token"
    for scopes in (["smartlock.action"], ["account", "smartlock.auth"], ["smartlock.readOnly"]):
        refused = only_account.put(path, json={"description": "x", "scopes": scopes})
        assert refused.status_code == 403, refused.text
        assert refused.json()["detailMessage"]
        assert scopes[-1] in refused.json()["detailMessage"]
    assert account.api.get(path).json() == []

    minted = only_account.put(path, json={"description": "x", "scopes": ["account"]})
    assert minted.status_code == 200, minted.text
    token_id = minted.json()["id"]
    widened = only_account.post(f"{path}/{token_id}", json={"scopes": ["smartlock.action"]})
    assert widened.status_code == 403, widened.text
    assert only_account.post(f"{path}/{token_id}", json={"description": "y"}).status_code == 204
    assert account.api.get(path).json()[0]["scopes"] == ["account"]


def test_a_token_grants_what_it_holds(account: AccountFixture) -> None:
    key = new_key(account)
    path = f"/api/key/{key}/token"
    holder = account.client_with(Scope.ACCOUNT, Scope.SMARTLOCK, Scope.SMARTLOCK_LOG)
    for scopes in (["account", "smartlock.log"], ["smartlock"], ["smartlock.readOnly"]):
        granted = holder.put(path, json={"description": "x", "scopes": scopes})
        assert granted.status_code == 200, granted.text
        assert granted.json()["scopes"] == scopes
    # The all-scopes token grants everything.
    every = [scope.value for scope in Scope]
    assert account.api.put(path, json={"description": "x", "scopes": every}).status_code == 200
