"""The account's profile page (name, language, password, email change) and the forgotten
password pages, with mails read from a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.contract.validation import ContractValidator
from tests.mail import SmtpServer, link_in, server_with_mail, smtp_server
from tests.support import AccountFixture, RunningServer, make_account, unique_email
from tests.web.support import WebClient, csrf_token


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def mail_server(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> Iterator[RunningServer]:
    with server_with_mail("sqlite", tmp_path_factory.mktemp("pages"), smtp) as server:
        yield server


@pytest.fixture
def user(mail_server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(mail_server, contract)
    yield made
    made.api.close()


@pytest.fixture
def web(mail_server: RunningServer, user: AccountFixture) -> Iterator[WebClient]:
    with WebClient(mail_server) as client:
        client.sign_in(user.email, user.password)
        yield client


def test_the_profile_page_needs_a_session(mail_server: RunningServer) -> None:
    with WebClient(mail_server) as client:
        response = client.get("/web/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/login?next=")


def test_the_profile_page_saves_name_and_language(web: WebClient, user: AccountFixture) -> None:
    page = web.get("/web/account")
    assert page.status_code == 200
    assert 'aria-current="page">Profile' in page.text
    assert "(not confirmed yet)" in page.text
    saved = web.submit("/web/account", "/web/account/profile", {"name": "Ada", "language": "de"})
    assert saved.status_code == 303
    me = user.api.get("/account").json()
    assert (me["name"], me["language"]) == ("Ada", "de")
    assert "Your profile is saved." in web.get(saved.headers["location"]).text

    refused = web.submit("/web/account", "/web/account/profile", {"name": "", "language": "de"})
    assert refused.status_code == 400
    assert user.api.get("/account").json()["name"] == "Ada"


def test_a_form_without_the_csrf_token_changes_nothing(
    web: WebClient, user: AccountFixture
) -> None:
    posted = web.http.post("/web/account/profile", data={"name": "Eve", "language": "en"})
    assert posted.status_code == 403
    assert user.api.get("/account").json()["name"] == "Test User"


def test_the_password_changes_with_the_current_one_and_signs_out(
    mail_server: RunningServer, web: WebClient, user: AccountFixture
) -> None:
    fields = {"new_password": "brand new 1", "new_password_again": "brand new 1"}
    wrong = web.submit(
        "/web/account", "/web/account/password", {"current_password": "nope", **fields}
    )
    assert wrong.status_code == 400
    assert "It is not the account" in wrong.text
    differ = web.submit(
        "/web/account",
        "/web/account/password",
        {**fields, "current_password": user.password, "new_password_again": "other"},
    )
    assert differ.status_code == 400

    changed = web.submit(
        "/web/account", "/web/account/password", {"current_password": user.password, **fields}
    )
    assert changed.status_code == 200
    assert "Your password is changed" in changed.text
    assert web.get("/web/account").status_code == 303  # every session ended, this one too
    assert user.api.get("/account").status_code == 200  # API tokens kept unless asked
    with WebClient(mail_server) as again:
        again.sign_in(user.email, "brand new 1")


def test_an_email_change_is_pending_until_the_link_is_followed(
    mail_server: RunningServer, smtp: SmtpServer, web: WebClient, user: AccountFixture
) -> None:
    new_email = unique_email("new")
    asked = web.submit("/web/account", "/web/account/email", {"email": new_email})
    assert asked.status_code == 303
    page = web.get(asked.headers["location"])
    assert "Check your inbox" in page.text
    assert f"Pending: {new_email}" in page.text
    assert user.api.get("/account").json()["email"] == user.email

    link = link_in(smtp.mailbox.wait_for(new_email)[0])
    path = link.removeprefix(mail_server.base_url)
    confirm = web.get(path)
    assert confirm.status_code == 200
    assert f"Confirm {new_email}" in confirm.text
    token = urlsplit(link).query.removeprefix("token=")
    done = web.http.post("/web/account/verify-email", data={"token": token})
    assert done.status_code == 200
    assert "Your email address is confirmed" in done.text
    page = web.get("/web/account")
    assert new_email in page.text
    assert "(confirmed)" in page.text
    assert "Pending" not in page.text


def test_an_email_taken_by_another_account_is_refused_on_the_page(
    mail_server: RunningServer, web: WebClient, contract: ContractValidator
) -> None:
    other = make_account(mail_server, contract)
    refused = web.submit("/web/account", "/web/account/email", {"email": other.email})
    assert refused.status_code == 409
    assert "E-Mail address already exists" in refused.text
    other.api.close()


def test_forgot_password_leads_to_a_new_password(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    with httpx.Client(base_url=mail_server.base_url, timeout=10) as http:
        assert 'href="/web/password/forgot"' in http.get("/web/login").text
        assert http.get("/web/password/forgot").status_code == 200
        for email in (user.email, unique_email("nobody")):
            sent = http.post(
                "/web/password/forgot", data={"email": email, "delete_api_tokens": "on"}
            )
            assert sent.status_code == 200
            assert "Check your inbox" in sent.text
        assert http.post("/web/password/forgot", data={"email": "nonsense"}).status_code == 400

        link = link_in(smtp.mailbox.wait_for(user.email, 2)[1])
        form = http.get(link.removeprefix(mail_server.base_url))
        assert form.status_code == 200
        token = urlsplit(link).query.removeprefix("token=")
        done = http.post(
            "/web/password/reset",
            data={"token": token, "password": "via mail 1", "password_again": "via mail 1"},
        )
        assert done.status_code == 200
    with WebClient(mail_server) as client:
        client.sign_in(user.email, "via mail 1")
        assert csrf_token(client.get("/web/account").text)
    # "Delete my API tokens too" was ticked: the test's token is gone.
    assert user.api.get("/account").status_code == 401


def test_a_link_that_is_no_link_is_a_clear_error_page(mail_server: RunningServer) -> None:
    with httpx.Client(base_url=mail_server.base_url, timeout=10) as http:
        missing = http.get("/web/account/verify-email")
        assert missing.status_code == 400
        assert "This link is not valid" in missing.text


def test_wrong_current_passwords_are_throttled(web: WebClient, user: AccountFixture) -> None:
    fields = {"new_password": "brand new 1", "new_password_again": "brand new 1"}
    statuses = [
        web.submit(
            "/web/account", "/web/account/password", {"current_password": f"guess {n}", **fields}
        ).status_code
        for n in range(6)
    ]
    assert statuses == [400] * 5 + [429]
    # Even the right one waits now; nothing changed.
    right = web.submit(
        "/web/account", "/web/account/password", {"current_password": user.password, **fields}
    )
    assert right.status_code == 429
    assert "Too many wrong passwords" in right.text
    assert user.api.get("/account").status_code == 200
