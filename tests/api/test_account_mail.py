"""Email change and verification, and password reset, through mails a real SMTP server
receives: POST /account/email/change, /account/email/verify, /account/password/reset, and the
pages their links lead to."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from nukiweb.services import account_links, mail
from nukiweb.store.schema import jobs
from nukiweb.store.schema import mails as mails_table
from tests.contract.validation import ContractValidator
from tests.databases import BACKENDS
from tests.mail import SmtpServer, html_of, link_in, server_with_mail, smtp_server, text_of
from tests.support import AccountFixture, RunningServer, make_account, unique_email
from tests.web.oauth_support import consent, exchange, redirect_parameters, register_app
from tests.web.support import WebClient


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module", params=BACKENDS)
def mail_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp(f"mail-{request.param}")
    with server_with_mail(request.param, directory, smtp) as server:
        yield server


@pytest.fixture
def user(mail_server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(mail_server, contract)
    yield made
    made.api.close()


def follow(server: RunningServer, link: str) -> httpx.Response:
    """Opens the link's page, then presses its button (the page's form posts the token)."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == server.base_url  # built from the public URL
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        page = http.get(f"{parts.path}?{parts.query}")
        assert page.status_code == 200, page.text
        token = parts.query.removeprefix("token=")
        return http.post(parts.path, data={"token": token})


def post_token(server: RunningServer, path: str, **fields: str) -> httpx.Response:
    return httpx.post(f"{server.base_url}{path}", data=fields, timeout=10)


def test_a_new_account_gets_a_verification_mail_whose_link_verifies_it(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    assert user.api.get("/account").json()["emailVerified"] is False
    [mail] = smtp.mailbox.wait_for(user.email)
    assert mail["Subject"] == "Confirm your email address for nukiweb"
    assert mail["From"] == "nukiweb@127.0.0.1"
    link = link_in(mail)
    assert link in html_of(mail)
    assert link.startswith(f"{mail_server.base_url}/web/account/verify-email?token=")

    # The page alone (a link scanner) changes nothing.
    opened = httpx.get(link, timeout=10)
    assert opened.status_code == 200
    assert user.email in opened.text
    assert user.api.get("/account").json()["emailVerified"] is False

    confirmed = follow(mail_server, link)
    assert confirmed.status_code == 200, confirmed.text
    assert user.api.get("/account").json()["emailVerified"] is True


def test_an_email_change_takes_effect_when_the_mailed_link_is_followed(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    new_email = unique_email("changed")
    changed = user.api.post("/account/email/change", json={"email": new_email})
    assert changed.status_code == 204, changed.text
    me = user.api.get("/account").json()
    assert me["email"] == user.email  # not before the link is followed

    [mail] = smtp.mailbox.wait_for(new_email)
    assert new_email in text_of(mail)
    link = link_in(mail)
    assert follow(mail_server, link).status_code == 200
    me = user.api.get("/account").json()
    assert me["email"] == new_email
    assert me["emailVerified"] is True

    # Used once: the second time nothing changes, with a clear error page.
    token = urlsplit(link).query.removeprefix("token=")
    again = post_token(mail_server, "/web/account/verify-email", token=token)
    assert again.status_code == 400
    assert "already been used" in again.text
    assert httpx.get(link, timeout=10).status_code == 400


def test_an_email_set_directly_is_unverified_until_its_mailed_link_is_followed(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    """POST /account changes the address at once (the spec's AccountUpdate); the new address
    is not verified until its mailbox confirms it."""
    smtp.mailbox.wait_for(user.email)  # the new account's own verification mail
    new_email = unique_email("direct")
    updated = user.api.post("/account", json={"email": new_email, "language": "en"})
    assert updated.status_code == 204, updated.text
    me = user.api.get("/account").json()
    assert (me["email"], me["emailVerified"]) == (new_email, False)

    [mail] = smtp.mailbox.wait_for(new_email)
    assert follow(mail_server, link_in(mail)).status_code == 200
    me = user.api.get("/account").json()
    assert (me["email"], me["emailVerified"]) == (new_email, True)


def test_an_email_another_account_has_is_refused_with_409(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture, contract: ContractValidator
) -> None:
    other = make_account(mail_server, contract)
    taken = user.api.post("/account/email/change", json={"email": other.email.upper()})
    assert taken.status_code == 409
    assert taken.json()["detailMessage"] == "E-Mail address already exists"
    invalid = user.api.post("/account/email/change", json={"email": "not an address"})
    assert invalid.status_code == 400
    assert "detailMessage" in invalid.json()

    # Free when asked, taken by the time the link is followed: refused then, nothing changed,
    # and the link still unused.
    wanted = unique_email("wanted")
    assert user.api.post("/account/email/change", json={"email": wanted}).status_code == 204
    link = link_in(smtp.mailbox.wait_for(wanted)[0])
    assert other.api.post("/account", json={"email": wanted, "language": "en"}).status_code == 204
    token = urlsplit(link).query.removeprefix("token=")
    refused = post_token(mail_server, "/web/account/verify-email", token=token)
    assert refused.status_code == 409
    assert user.api.get("/account").json()["email"] == user.email
    other.api.close()


def test_verify_mails_a_new_link_and_the_older_one_stops_working(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    [first] = smtp.mailbox.wait_for(user.email)
    resent = user.api.post("/account/email/verify")
    assert resent.status_code == 204, resent.text
    second = smtp.mailbox.wait_for(user.email, 2)[1]
    assert link_in(second) != link_in(first)
    assert httpx.get(link_in(first), timeout=10).status_code == 400
    assert follow(mail_server, link_in(second)).status_code == 200
    assert user.api.get("/account").json()["emailVerified"] is True


def test_verify_resends_for_the_address_an_email_change_waits_on(
    smtp: SmtpServer, user: AccountFixture
) -> None:
    wanted = unique_email("pending")
    assert user.api.post("/account/email/change", json={"email": wanted}).status_code == 204
    smtp.mailbox.wait_for(wanted)
    assert user.api.post("/account/email/verify").status_code == 204
    assert len(smtp.mailbox.wait_for(wanted, 2)) == 2


def test_a_reset_answers_the_same_for_an_unknown_email_and_mails_only_the_account(
    smtp: SmtpServer, user: AccountFixture
) -> None:
    unknown = unique_email("nobody")
    for_unknown = user.api.post("/account/password/reset", json={"email": unknown})
    for_known = user.api.post("/account/password/reset", json={"email": user.email})
    assert for_unknown.status_code == for_known.status_code == 204
    assert for_unknown.content == for_known.content == b""
    mails = smtp.mailbox.wait_for(user.email, 2)  # the verification mail, then the reset
    assert mails[1]["Subject"] == "Reset your nukiweb password"
    assert smtp.mailbox.to(unknown) == []


def _oauth_token(server: RunningServer, web: WebClient, contract: ContractValidator) -> str:
    """An OAuth2 access token of the web client's signed-in account, for another's app."""
    developer = make_account(server, contract)
    app = register_app(developer)
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": "account",
        "state": "s",
    }
    allowed = consent(web, f"{server.base_url}/oauth/authorize?{urlencode(query)}")
    issued = exchange(server, app, redirect_parameters(allowed)["code"])
    assert issued.status_code == 200, issued.text
    developer.api.close()
    return str(issued.json()["access_token"])


@pytest.mark.parametrize("delete_api_tokens", [True, False])
def test_the_reset_link_sets_the_password_and_ends_sessions_and_oauth_grants(
    mail_server: RunningServer,
    smtp: SmtpServer,
    user: AccountFixture,
    contract: ContractValidator,
    delete_api_tokens: bool,
) -> None:
    with WebClient(mail_server) as web:
        web.sign_in(user.email, user.password)
        oauth = user.api.with_token(_oauth_token(mail_server, web, contract))
        assert oauth.get("/account").status_code == 200
        asked = user.api.post(
            "/account/password/reset",
            json={"email": user.email, "deleteApiTokens": delete_api_tokens},
        )
        assert asked.status_code == 204
        link = link_in(smtp.mailbox.wait_for(user.email, 2)[1])
        token = urlsplit(link).query.removeprefix("token=")
        page = httpx.get(link, timeout=10)
        assert page.status_code == 200
        assert "Choose a new password" in page.text

        differ = post_token(
            mail_server,
            "/web/password/reset",
            token=token,
            password="new secret 1",
            password_again="new secret 2",
        )
        assert differ.status_code == 400
        too_short = post_token(
            mail_server,
            "/web/password/reset",
            token=token,
            password="short",
            password_again="short",
        )
        assert too_short.status_code == 400
        done = post_token(
            mail_server,
            "/web/password/reset",
            token=token,
            password="new secret 1",
            password_again="new secret 1",
        )
        assert done.status_code == 200, done.text

        assert web.get("/web/account").status_code == 303  # the session ended
        assert oauth.get("/account").status_code == 401  # so did the OAuth grant
        expected = 401 if delete_api_tokens else 200
        assert user.api.get("/account").status_code == expected
        # The link reached the account's mailbox: its address is verified by it.
        if not delete_api_tokens:
            assert user.api.get("/account").json()["emailVerified"] is True

    with WebClient(mail_server) as web:
        refused = web.submit(
            "/web/login", "/web/login", {"email": user.email, "password": user.password}
        )
        assert refused.status_code == 401
        web.sign_in(user.email, "new secret 1")

    again = post_token(
        mail_server,
        "/web/password/reset",
        token=token,
        password="another one",
        password_again="another one",
    )
    assert again.status_code == 400
    assert "already been used" in again.text


def test_an_expired_reset_link_is_refused_and_changes_nothing(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    assert user.api.post("/account/password/reset", json={"email": user.email}).status_code == 204
    link = link_in(smtp.mailbox.wait_for(user.email, 2)[1])
    token = urlsplit(link).query.removeprefix("token=")
    lifetime = account_links.RESET_LIFETIME + timedelta(seconds=1)
    advanced = user.api.post("/simulator/clock/advance", json={"seconds": lifetime.total_seconds()})
    assert advanced.status_code == 204
    page = httpx.get(link, timeout=10)
    assert page.status_code == 400
    assert "expired" in page.text
    refused = post_token(
        mail_server,
        "/web/password/reset",
        token=token,
        password="new secret 1",
        password_again="new secret 1",
    )
    assert refused.status_code == 400
    assert user.api.get("/account").status_code == 200  # the password (and token) stand


def test_unknown_links_are_refused_and_then_throttled(
    mail_server: RunningServer, user: AccountFixture
) -> None:
    with httpx.Client(base_url=mail_server.base_url, timeout=10) as http:
        statuses = [
            http.get("/web/password/reset", params={"token": f"guess-{n}"}).status_code
            for n in range(account_links.LINK_ATTEMPTS.limit + 1)
        ]
        assert statuses[:-1] == [400] * account_links.LINK_ATTEMPTS.limit
        assert statuses[-1] == 429
        assert http.post("/web/account/verify-email", data={"token": "x"}).status_code == 429
    # Once the failures age out of the window, links are tried again.
    window = account_links.LINK_ATTEMPTS.window.total_seconds()
    user.api.post("/simulator/clock/advance", json={"seconds": window})
    assert httpx.get(f"{mail_server.base_url}/web/password/reset?token=x").status_code == 400


def test_reset_mails_to_one_address_are_limited(
    mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    limit = account_links.MAILS_PER_ADDRESS.limit
    for _ in range(limit + 2):
        asked = user.api.post("/account/password/reset", json={"email": user.email})
        assert asked.status_code == 204  # the same answer, mailed or not
    throttled = user.api.post("/account/email/verify")
    assert throttled.status_code == 429
    assert "detailMessage" in throttled.json()
    # The new account's verification mail, then as many as the limit lets through.
    smtp.mailbox.wait_for(user.email, 1 + limit)
    _wait_until_the_outbox_is_empty(mail_server)
    assert len(smtp.mailbox.to(user.email)) == 1 + limit


def _wait_until_the_outbox_is_empty(server: RunningServer) -> None:
    deadline = time.monotonic() + 15
    while True:
        with server.ctx.db.read() as conn:
            queued = conn.execute(select(func.count()).select_from(mails_table)).scalar()
        if queued == 0:
            return
        assert time.monotonic() < deadline, f"{queued} mail(s) still queued"
        time.sleep(0.05)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_mail_the_smtp_server_refuses_is_sent_when_it_is_back(
    tmp_path_factory: pytest.TempPathFactory, contract: ContractValidator, backend: str
) -> None:
    down = SmtpServer()  # not started: connections are refused
    with server_with_mail(backend, tmp_path_factory.mktemp("smtp-down"), down) as server:
        user = make_account(server, contract)
        asked = user.api.post("/account/password/reset", json={"email": user.email})
        assert asked.status_code == 204  # the request does not wait for the mail server
        _wait_for_failed_attempts(server)
        down.start()
        try:
            # The runner's backoff: the first retry is due within a minute.
            moved = user.api.post("/simulator/clock/advance", json={"seconds": 60})
            assert moved.status_code == 204
            mails = down.mailbox.wait_for(user.email, 2)
            assert {m["Subject"] for m in mails} == {
                "Confirm your email address for nukiweb",
                "Reset your nukiweb password",
            }
        finally:
            down.stop()
        user.api.close()


def _wait_for_failed_attempts(server: RunningServer) -> None:
    """Until the job runner has tried both mails (the new account's and the reset) once."""
    deadline = time.monotonic() + 15
    while True:
        with server.ctx.db.read() as conn:
            attempts = conn.execute(select(jobs.c.attempts).where(jobs.c.kind == mail.JOB))
            tried = [row.attempts for row in attempts]
        if len(tried) == 2 and all(count >= 1 for count in tried):
            return
        assert time.monotonic() < deadline, tried
        time.sleep(0.05)


def test_any_token_may_ask_for_a_reset(user: AccountFixture) -> None:
    scoped = user.client_with("smartlock.readOnly")
    assert scoped.post("/account/password/reset", json={"email": user.email}).status_code == 204
    assert scoped.post("/account/email/verify").status_code == 401
    anonymous = user.api.with_token(None)
    assert anonymous.post("/account/password/reset", json={"email": user.email}).status_code == 401
