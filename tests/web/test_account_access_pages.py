"""The account settings' Integrations and Sub-accounts pages over HTTP, against the real server:
integrations listed with their last activity and revoked with their button (the token stops
working at once); sub-accounts made with rights ticked, their rights changed, deleted after a
confirmation. Signing in and the CSRF token are required; bad input is the form again with the
service's message and nothing changed; another account's objects are 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nukiweb.domain.rights import Rights
from nukiweb.services import integrations
from tests.api.test_integrations import grant, new_token
from tests.api.test_sub_accounts import create_sub
from tests.support import AccountFixture, RunningServer, unique_email
from tests.web.oauth_support import register_app
from tests.web.support import WebClient
from tests.web.test_device_pages import alert, cell, rows

INTEGRATIONS = "/web/account/integrations"
SUB_ACCOUNTS = "/web/account/sub-accounts"


@pytest.fixture
def client(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    with WebClient(server) as web:
        web.sign_in(account.email, account.password)
        yield web


def subs(account: AccountFixture) -> list[dict[str, Any]]:
    response = account.api.get("/account/sub")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.mark.parametrize("path", [INTEGRATIONS, SUB_ACCOUNTS])
def test_the_pages_need_a_session(server: RunningServer, path: str) -> None:
    with WebClient(server) as web:
        response = web.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/login?next=")


def test_integrations_are_listed_with_kind_rights_and_last_activity(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    key_id, token_id, used = new_token(account, "account", "smartlock.log")
    app = register_app(other_account)
    grant(client, app)
    assert used.get("/account").status_code == 200
    integrations.record_activity(account.api.server.ctx)
    page = client.get(INTEGRATIONS)
    assert page.status_code == 200
    assert 'aria-current="page">Integrations<' in page.text
    listed = rows(page.text, "data-integration")
    token_row = listed[f"{key_id}/{token_id}"]
    assert cell(token_row, "name") == "home automation"
    assert cell(token_row, "kind") == "API token"
    assert cell(token_row, "scopes") == "View and manage account View Smart Lock activity log"
    noted = account.api.server.ctx.clock.now().strftime("%Y-%m-%d %H:%M UTC")
    assert cell(token_row, "last-active") == noted
    app_row = listed[str(app.api_key_id)]
    assert (cell(app_row, "name"), cell(app_row, "kind")) == ("app", "App (OAuth2)")
    assert cell(app_row, "last-active") == "never"
    used.close()


def test_revoke_ends_the_tokens_access_at_once(client: WebClient, account: AccountFixture) -> None:
    key_id, token_id, used = new_token(account)
    assert used.get("/account").status_code == 200
    revoked = client.submit(
        INTEGRATIONS, f"{INTEGRATIONS}/revoke", {"api_key_id": key_id, "token_id": token_id}
    )
    assert revoked.status_code == 303
    assert used.get("/account").status_code == 401
    page = client.get(revoked.headers["location"])
    assert "The integration is revoked" in page.text
    assert f"{key_id}/{token_id}" not in rows(page.text, "data-integration")
    used.close()


def test_revoke_needs_the_csrf_token_and_an_own_integration(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    key_id, token_id, used = new_token(account)
    refused = client.http.post(
        f"{INTEGRATIONS}/revoke",
        data={"csrf_token": "forged", "api_key_id": key_id, "token_id": token_id},
    )
    assert refused.status_code == 403
    other_key, other_token, other = new_token(other_account)
    missing = client.submit(
        INTEGRATIONS, f"{INTEGRATIONS}/revoke", {"api_key_id": other_key, "token_id": other_token}
    )
    assert missing.status_code == 404
    for malformed in ("x", "-1", str(2**64)):
        refused = client.submit(INTEGRATIONS, f"{INTEGRATIONS}/revoke", {"api_key_id": malformed})
        assert refused.status_code == 400
    assert used.get("/account").status_code == 200
    assert other.get("/account").status_code == 200
    used.close()
    other.close()


def test_a_sub_account_is_made_with_the_rights_ticked(
    client: WebClient, account: AccountFixture
) -> None:
    email = unique_email("page-sub")
    made = client.submit(
        SUB_ACCOUNTS,
        SUB_ACCOUNTS,
        {
            "name": "Cleaner",
            "email": email,
            "password": "cleaner password",
            "rights": [str(int(Rights.OPERATE_SMARTLOCK)), str(int(Rights.VIEW_LOGS))],
        },
    )
    assert made.status_code == 303, made.text
    (sub,) = subs(account)
    assert (sub["name"], sub["email"], sub["rights"]) == ("Cleaner", email, 18)
    page = client.get(made.headers["location"])
    assert "The sub-account is created." in page.text
    row = rows(page.text, "data-account-id")[str(sub["accountId"])]
    assert row.count(" checked") == 2
    assert 'value="2" checked' in row
    assert 'value="16" checked' in row


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"email": "not an email"}, 400),
        ({"password": "short"}, 400),
        ({"rights": "512"}, 400),
    ],
)
def test_a_refused_sub_account_is_the_form_again(
    client: WebClient, account: AccountFixture, fields: dict[str, str], status: int
) -> None:
    form = {"name": "Cleaner", "email": unique_email("bad"), "password": "long password"}
    response = client.submit(SUB_ACCOUNTS, SUB_ACCOUNTS, form | fields)
    assert response.status_code == status, response.text
    assert alert(response.text)
    assert 'value="Cleaner"' in response.text
    assert subs(account) == []


def test_a_taken_email_is_409(client: WebClient, account: AccountFixture) -> None:
    taken = create_sub(account, rights=0)
    form = {"name": "Twin", "email": str(taken["email"]), "password": "long password"}
    response = client.submit(SUB_ACCOUNTS, SUB_ACCOUNTS, form)
    assert response.status_code == 409
    assert len(subs(account)) == 1


def test_rights_are_changed_and_a_sub_account_deleted_after_confirmation(
    client: WebClient, account: AccountFixture
) -> None:
    sub_id = create_sub(account, rights=int(Rights.VIEW_LOGS))["accountId"]
    saved = client.submit(SUB_ACCOUNTS, f"{SUB_ACCOUNTS}/{sub_id}/rights", {"rights": ["1", "8"]})
    assert saved.status_code == 303
    assert subs(account)[0]["rights"] == 9
    confirm = client.get(f"{SUB_ACCOUNTS}/{sub_id}/delete")
    assert confirm.status_code == 200
    assert "Delete “Sub”?" in confirm.text
    assert subs(account) != []  # asking deletes nothing
    deleted = client.submit(
        f"{SUB_ACCOUNTS}/{sub_id}/delete", f"{SUB_ACCOUNTS}/{sub_id}/delete", {}
    )
    assert deleted.status_code == 303
    assert subs(account) == []


def test_another_accounts_sub_account_is_404(
    client: WebClient, other_account: AccountFixture
) -> None:
    theirs = create_sub(other_account, rights=1)["accountId"]
    assert client.get(f"{SUB_ACCOUNTS}/{theirs}/delete").status_code == 404
    assert client.get(f"{SUB_ACCOUNTS}/{2**64}/delete").status_code == 404
    changed = client.submit(SUB_ACCOUNTS, f"{SUB_ACCOUNTS}/{theirs}/rights", {"rights": "2"})
    assert changed.status_code == 404
    deleted = client.submit(SUB_ACCOUNTS, f"{SUB_ACCOUNTS}/{theirs}/delete", {})
    assert deleted.status_code == 404
    assert subs(other_account)[0]["rights"] == 1


def test_a_sub_account_without_the_right_may_not_manage_sub_accounts(
    server: RunningServer, account: AccountFixture
) -> None:
    sub = create_sub(account, rights=int(Rights.VIEW_LOGS))
    with WebClient(server) as web:
        web.sign_in(str(sub["email"]), "sub password")
        assert web.get(SUB_ACCOUNTS).status_code == 403
        assert web.get(INTEGRATIONS).status_code == 200  # its own integrations
