"""Whoever may sign in as a sub-account holds its rights, so a token gives a sub-account only
rights whose scopes it holds, and sets a sub-account's password or email only if it may give
every right that sub-account holds. Without this, a token with only ``account`` would make a
sub-account with every right, sign in to the pages as it, and unlock doors."""

from __future__ import annotations

import pytest

from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import Scope
from tests.support import AccountFixture, ApiClient, unique_email

READ = Scope.SMARTLOCK_READ_ONLY


def sub_body(rights: int) -> dict[str, object]:
    return {
        "email": unique_email("sub"),
        "password": "sub password",
        "name": "Sub",
        "rights": rights,
        "language": "en",
    }


def refused(response: object, status: int = 403) -> None:
    assert getattr(response, "status_code", None) == status, getattr(response, "text", "")


@pytest.mark.parametrize(
    ("scopes", "rights"),
    [
        ((Scope.ACCOUNT,), Rights(127)),
        ((Scope.ACCOUNT,), Rights.MANAGE_SUB_ACCOUNTS),  # reading devices comes with any right
        ((Scope.ACCOUNT, READ), Rights.OPERATE_SMARTLOCK),
        ((Scope.ACCOUNT, READ, Scope.SMARTLOCK_ACTION), Rights.MANAGE_AUTHORIZATIONS),
        ((Scope.ACCOUNT, Scope.SMARTLOCK), Rights.MANAGE_SMARTLOCK),  # needs webhook.decentral
    ],
)
def test_a_token_gives_a_sub_account_no_right_whose_scopes_it_lacks(
    account: AccountFixture, scopes: tuple[Scope, ...], rights: Rights
) -> None:
    api = account.client_with(*scopes)
    response = api.put("/account/sub", json=sub_body(int(rights)))
    refused(response)
    assert "rights" in response.json()["detailMessage"]
    assert account.api.get("/account/sub").json() == []


def test_a_token_gives_the_rights_it_holds_the_scopes_of(account: AccountFixture) -> None:
    api = account.client_with(Scope.ACCOUNT, READ, Scope.SMARTLOCK_ACTION, Scope.SMARTLOCK_LOG)
    granted = Rights.OPERATE_SMARTLOCK | Rights.VIEW_LOGS | Rights.MANAGE_SUB_ACCOUNTS
    made = api.put("/account/sub", json=sub_body(int(granted)))
    assert made.status_code == 200, made.text
    sub_id = made.json()["accountId"]
    wider = {"rights": int(granted | Rights.MANAGE_CONFIG), "language": "en"}
    refused(api.post(f"/account/sub/{sub_id}", json=wider))
    assert account.api.get(f"/account/sub/{sub_id}").json()["rights"] == int(granted)
    narrower = {"rights": int(Rights.VIEW_LOGS), "language": "en"}
    assert api.post(f"/account/sub/{sub_id}", json=narrower).status_code == 204
    no_rights = account.client_with(Scope.ACCOUNT).put("/account/sub", json=sub_body(0))
    assert no_rights.status_code == 200, no_rights.text


@pytest.mark.parametrize("change", [{"password": "taken over"}, {"email": "me@example.org"}])
def test_a_token_sets_the_password_or_email_only_of_sub_accounts_it_could_have_made(
    account: AccountFixture, change: dict[str, str]
) -> None:
    strong = account.api.put("/account/sub", json=sub_body(int(Rights(127)))).json()
    weak = account.api.put("/account/sub", json=sub_body(int(Rights.VIEW_LOGS))).json()
    api: ApiClient = account.client_with(Scope.ACCOUNT, READ, Scope.SMARTLOCK_LOG)
    body = {"language": "en", **change}
    refused(api.post(f"/account/sub/{strong['accountId']}", json=body))
    after = account.api.get(f"/account/sub/{strong['accountId']}").json()
    assert after["email"] == strong["email"]
    assert api.post(f"/account/sub/{weak['accountId']}", json=body).status_code == 204
    renamed = {"language": "en", "name": "Renamed"}  # other fields stay open to the token
    assert api.post(f"/account/sub/{strong['accountId']}", json=renamed).status_code == 204
