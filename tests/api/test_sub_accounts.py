"""Sub-accounts: created, listed, edited and deleted by their master, and limited by rights."""

from __future__ import annotations

import pytest

from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import Scope
from nukiweb.services import api_keys
from tests.support import AccountFixture, ApiClient, unique_email


def create_sub(account: AccountFixture, rights: int, email: str | None = None) -> dict[str, object]:
    response = account.api.put(
        "/account/sub",
        json={
            "email": email or unique_email("sub"),
            "password": "sub password",
            "name": "Sub",
            "rights": rights,
            "language": "de",
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def sub_client(account: AccountFixture, sub_id: int) -> ApiClient:
    """A client holding an all-scopes token of the sub-account."""
    _token, value = api_keys.issue_token_for_account(account.api.server.ctx, sub_id, "sub")
    return account.api.with_token(value)


def test_create_get_list_update_delete(account: AccountFixture) -> None:
    sub = create_sub(account, rights=int(Rights.VIEW_LOGS))
    assert sub["masterAccountId"] == account.account_id
    assert sub["rights"] == 16
    sub_id = sub["accountId"]

    assert account.api.get(f"/account/sub/{sub_id}").json()["email"] == sub["email"]
    listed = account.api.get("/account/sub").json()
    assert [s["accountId"] for s in listed] == [sub_id]

    update = {"language": "en", "name": "Renamed", "rights": 3}
    assert account.api.post(f"/account/sub/{sub_id}", json=update).status_code == 204
    updated = account.api.get(f"/account/sub/{sub_id}").json()
    assert (updated["name"], updated["rights"], updated["language"]) == ("Renamed", 3, "en")

    assert account.api.delete(f"/account/sub/{sub_id}").status_code == 204
    assert account.api.get(f"/account/sub/{sub_id}").status_code == 404
    assert account.api.get("/account/sub").json() == []


def test_list_filters_by_email_regex(account: AccountFixture) -> None:
    create_sub(account, 0, email=unique_email("alice"))
    create_sub(account, 0, email=unique_email("bob"))
    found = account.api.get("/account/sub", params={"email": "^ALICE-"}).json()
    assert len(found) == 1
    assert found[0]["email"].startswith("alice-")
    for pattern in ["(unclosed", "(a+)+$", "x" * 101]:
        assert account.api.get("/account/sub", params={"email": pattern}).status_code == 400


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"rights": 128}, "rights"),
        ({"rights": -1}, "rights"),
        ({"password": "short"}, "password"),
        ({"email": "nope"}, "email"),
    ],
)
def test_create_rejects_bad_values(
    account: AccountFixture, body: dict[str, object], parameter: str
) -> None:
    full = {"email": unique_email("sub"), "password": "sub password", "name": "Sub"}
    full |= {"rights": 1, "language": "de"} | body
    response = account.api.put("/account/sub", json=full)
    assert response.status_code == 400
    assert f"'{parameter}'" in response.json()["detailMessage"]
    assert account.api.get("/account/sub").json() == []


def test_email_taken_is_409(account: AccountFixture, other_account: AccountFixture) -> None:
    sub = create_sub(account, 0)
    response = account.api.put(
        "/account/sub",
        json={
            "email": other_account.email,
            "password": "sub password",
            "name": "Sub",
            "rights": 0,
            "language": "de",
        },
    )
    assert response.status_code == 409
    renamed = {"language": "de", "email": other_account.email}
    assert account.api.post(f"/account/sub/{sub['accountId']}", json=renamed).status_code == 409


def test_sub_account_with_rights_16_reads_what_16_allows_and_nothing_else(
    account: AccountFixture,
) -> None:
    sub = create_sub(account, rights=int(Rights.VIEW_LOGS))
    client = sub_client(account, int(str(sub["accountId"])))
    mine = client.get("/account").json()
    assert mine["accountId"] == sub["accountId"]
    assert mine["masterAccountId"] == account.account_id
    # Its own API tokens need no right; managing sub-accounts needs 32.
    assert client.get("/api/key").status_code == 200
    assert client.get("/account/sub").status_code == 403
    assert client.get(f"/account/sub/{sub['accountId']}").status_code == 403
    creating = {"email": unique_email(), "password": "x" * 8, "name": "n", "rights": 0}
    assert client.put("/account/sub", json=creating | {"language": "de"}).status_code == 403
    # Operations of the tags it has no right for are refused with 403, the log is not.
    for method, path in [
        ("POST", "/smartlock/17618910285/action"),
        ("GET", "/smartlock/auth"),
        ("POST", "/smartlock/17618910285/config"),
        ("PUT", "/account/user"),
    ]:
        assert client.request(method, path, json={}).status_code == 403, path
    assert client.get("/smartlock/log").status_code != 403


def test_sub_account_managing_subs_cannot_grant_more_than_it_has(account: AccountFixture) -> None:
    manager = create_sub(account, rights=int(Rights.MANAGE_SUB_ACCOUNTS | Rights.VIEW_LOGS))
    client = sub_client(account, int(str(manager["accountId"])))
    body = {"email": unique_email(), "password": "sub password", "name": "n", "language": "de"}
    assert client.put("/account/sub", json=body | {"rights": 16}).status_code == 200
    assert client.put("/account/sub", json=body | {"rights": 2}).status_code == 400
    # It sees the master's other sub-accounts, but not itself as one to manage.
    listed = client.get("/account/sub").json()
    assert len(listed) == 2
    assert client.delete(f"/account/sub/{manager['accountId']}").status_code == 404


def test_sub_password_change_destroys_its_tokens(account: AccountFixture) -> None:
    sub = create_sub(account, rights=0)
    client = sub_client(account, int(str(sub["accountId"])))
    assert client.get("/account").status_code == 200
    change = {"language": "de", "password": "another password"}
    assert account.api.post(f"/account/sub/{sub['accountId']}", json=change).status_code == 204
    assert client.get("/account").status_code == 401
    assert account.api.get("/account").status_code == 200


def test_rights_change_applies_at_once(account: AccountFixture) -> None:
    sub = create_sub(account, rights=int(Rights.MANAGE_SUB_ACCOUNTS))
    client = sub_client(account, int(str(sub["accountId"])))
    assert client.get("/account/sub").status_code == 200
    change = {"language": "de", "rights": 0}
    assert account.api.post(f"/account/sub/{sub['accountId']}", json=change).status_code == 204
    assert client.get("/account/sub").status_code == 403


def test_master_deletion_deletes_sub_accounts(account: AccountFixture) -> None:
    sub = create_sub(account, rights=0)
    client = sub_client(account, int(str(sub["accountId"])))
    assert account.api.delete("/account").status_code == 204
    assert client.get("/account").status_code == 401


def test_another_accounts_sub_is_404(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    sub = create_sub(account, rights=0)
    path = f"/account/sub/{sub['accountId']}"
    assert other_account.api.get(path).status_code == 404
    assert other_account.api.post(path, json={"language": "de", "name": "x"}).status_code == 404
    assert other_account.api.delete(path).status_code == 404
    assert account.api.get(path).status_code == 200
    assert other_account.api.get(f"/account/sub/{account.account_id}").status_code == 404


def test_sub_account_scope_still_applies(account: AccountFixture) -> None:
    sub = create_sub(account, rights=int(Rights.MANAGE_SUB_ACCOUNTS))
    _token, value = api_keys.issue_token_for_account(
        account.api.server.ctx, int(str(sub["accountId"])), "sub", frozenset({Scope.SMARTLOCK})
    )
    assert account.api.with_token(value).get("/account/sub").status_code == 401
