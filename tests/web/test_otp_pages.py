"""Two-factor sign-in on the pages: the security page (set up with a QR code and the secret as
text, confirm with a code, disable with a code), and signing in with a password and a code,
``next`` kept through both steps (the OAuth consent flow signs in through them)."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlencode

import httpx
import pyotp
import segno
from sqlalchemy import select

from nukiweb.services import otp
from nukiweb.store.schema import accounts
from tests.api.test_otp import code_now, enable_otp, wrong_code
from tests.devices import advance
from tests.support import AccountFixture, RunningServer
from tests.web.oauth_support import register_app
from tests.web.support import WebClient, csrf_token

SECURITY = "/web/account/security"
_SECRET_TEXT = re.compile(r'<code id="otp-secret">([A-Z2-7]+)</code>')


def secret_on(page: httpx.Response) -> str:
    found = _SECRET_TEXT.search(page.text)
    assert found, page.text
    return found.group(1)


def password_step(client: WebClient, account: AccountFixture, next_url: str = "") -> str:
    """Signs in with the password; the location of the code's form it leads to."""
    response = client.submit(
        "/web/login",
        "/web/login",
        {"email": account.email, "password": account.password, "next": next_url},
    )
    assert response.status_code == 303, response.text
    assert "nukiweb_session" not in response.headers.get("set-cookie", "")
    location = response.headers["location"]
    assert location.startswith("/web/login/otp?next=")
    return location


def code_step(client: WebClient, location: str, code: str) -> httpx.Response:
    form = client.get(location)
    assert form.status_code == 200, form.text
    assert "Two-factor sign-in" in form.text
    next_url = re.search(r'name="next" value="([^"]*)"', form.text)
    assert next_url
    fields = {
        "csrf_token": csrf_token(form.text),
        "next": html.unescape(next_url.group(1)),
        "otp": code,
    }
    return client.http.post("/web/login/otp", data=fields)


def test_the_security_page_needs_a_session(server: RunningServer) -> None:
    with WebClient(server) as client:
        response = client.get(SECURITY)
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/login?next={quote(SECURITY, safe='')}"


def test_set_up_shows_a_qr_code_and_the_secret_and_a_code_enables_it(
    server: RunningServer, account: AccountFixture
) -> None:
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        page = client.get(SECURITY)
        assert page.status_code == 200
        assert 'aria-current="page">Two-factor sign-in' in page.text
        assert "Not enabled" in page.text
        assert client.submit(SECURITY, f"{SECURITY}/setup", {}).status_code == 303
        setup = client.get(SECURITY)
        secret = secret_on(setup)
        assert "<svg" in setup.text  # the QR code, drawn on the server
        assert otp.status(server.ctx, account.account_id).pending_secret == secret

        wrong = client.submit(
            SECURITY, f"{SECURITY}/enable", {"otp": wrong_code(code_now(server, secret))}
        )
        assert wrong.status_code == 401
        assert "The code is not correct" in wrong.text
        assert not otp.is_enabled(server.ctx, account.account_id)

        enabled = client.submit(SECURITY, f"{SECURITY}/enable", {"otp": code_now(server, secret)})
        assert enabled.status_code == 303, enabled.text
        page = client.get(enabled.headers["location"])
        assert "Two-factor sign-in is enabled" in page.text
        assert "Disable two-factor sign-in" in page.text
        assert secret not in page.text
    assert "otpEnabledDate" in account.api.get("/account").json()["config"]


def test_the_qr_code_holds_the_otpauth_uri(server: RunningServer, account: AccountFixture) -> None:
    """segno draws what it is given: the page's QR code is of the provisioning URI (checked by
    drawing that URI again and comparing)."""
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        client.submit(SECURITY, f"{SECURITY}/setup", {})
        page = client.get(SECURITY)
    secret = secret_on(page)
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name="nukiweb")
    expected = segno.make_qr(uri, error="m").svg_inline(scale=4, border=2, title="QR code")
    assert expected in page.text


def test_sign_in_asks_for_the_code_and_keeps_next(
    server: RunningServer, account: AccountFixture
) -> None:
    secret = enable_otp(account)
    advance(account.api, 30)
    with WebClient(server) as client:
        location = password_step(client, account, "/web/api")
        assert client.get("/web/api").status_code == 303  # no session yet
        wrong = code_step(client, location, wrong_code(code_now(server, secret)))
        assert wrong.status_code == 401
        assert "The code is not correct" in wrong.text
        right = code_step(client, location, code_now(server, secret))
        assert right.status_code == 303, right.text
        assert right.headers["location"] == "/web/api"
        assert "nukiweb_session=" in right.headers["set-cookie"]
        assert client.get("/web/api").status_code == 200


def test_a_code_signs_in_once(server: RunningServer, account: AccountFixture) -> None:
    secret = enable_otp(account)
    advance(account.api, 30)
    code = code_now(server, secret)
    with WebClient(server) as first:
        assert code_step(first, password_step(first, account), code).status_code == 303
    with WebClient(server) as second:
        again = code_step(second, password_step(second, account), code)
        assert again.status_code == 401


def test_the_code_step_without_the_password_step_leads_to_sign_in(
    server: RunningServer, account: AccountFixture
) -> None:
    enable_otp(account)
    with WebClient(server) as client:
        page = client.get("/web/login/otp?next=%2Fweb%2Fapi")
        assert page.status_code == 303
        assert page.headers["location"] == "/web/login?next=%2Fweb%2Fapi"
        posted = client.http.post("/web/login/otp", data={"csrf_token": "x", "otp": "123456"})
        assert posted.status_code == 403
        assert client.get("/web/api").status_code == 303


def test_a_forged_proof_is_refused(server: RunningServer, account: AccountFixture) -> None:
    enable_otp(account)
    with WebClient(server) as client:
        client.http.cookies.set("nukiweb_sign_in_step", "forged", path="/web/login")
        assert client.get("/web/login/otp").status_code == 303


def test_the_code_step_expires(server: RunningServer, account: AccountFixture) -> None:
    secret = enable_otp(account)
    with WebClient(server) as client:
        location = password_step(client, account)
        form = client.get(location)
        advance(account.api, 5 * 60 + 1)
        fields = {"csrf_token": csrf_token(form.text), "otp": code_now(server, secret)}
        late = client.http.post("/web/login/otp", data=fields)
        assert late.status_code == 403
        assert "expired" in late.text
        assert client.get("/web/api").status_code == 303


def test_wrong_codes_at_sign_in_are_throttled(
    server: RunningServer, account: AccountFixture
) -> None:
    secret = enable_otp(account)
    advance(account.api, 30)
    with WebClient(server) as client:
        location = password_step(client, account)
        for _ in range(5):
            wrong = code_step(client, location, wrong_code(code_now(server, secret)))
            assert wrong.status_code == 401
        throttled = code_step(client, location, code_now(server, secret))
        assert throttled.status_code == 429
        assert "Too many failed attempts" in throttled.text
        assert client.get("/web/api").status_code == 303


def test_an_oauth_authorization_asks_for_the_code(
    server: RunningServer, account: AccountFixture, other_account: AccountFixture
) -> None:
    app = register_app(other_account)
    secret = enable_otp(account)
    advance(account.api, 30)
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": "account",
        "state": "xyz",
    }
    authorize = f"/oauth/authorize?{urlencode(query)}"
    with WebClient(server) as browser:
        first = browser.get(authorize)
        assert first.status_code == 303
        assert first.headers["location"] == f"/web/login?next={quote(authorize, safe='')}"
        location = password_step(browser, account, authorize)
        signed_in = code_step(browser, location, code_now(server, secret))
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == authorize
        assert "This app would like to:" in browser.get(authorize).text


def test_disabling_on_the_page_asks_for_a_code(
    server: RunningServer, account: AccountFixture
) -> None:
    secret = enable_otp(account)
    advance(account.api, 30)
    with WebClient(server) as client:
        code_step(client, password_step(client, account), code_now(server, secret))
        advance(account.api, 30)
        wrong = client.submit(
            SECURITY, f"{SECURITY}/disable", {"otp": wrong_code(code_now(server, secret))}
        )
        assert wrong.status_code == 401
        assert otp.is_enabled(server.ctx, account.account_id)
        disabled = client.submit(SECURITY, f"{SECURITY}/disable", {"otp": code_now(server, secret)})
        assert disabled.status_code == 303
        assert "Two-factor sign-in is disabled" in client.get(disabled.headers["location"]).text
    assert not otp.is_enabled(server.ctx, account.account_id)
    with WebClient(server) as client:
        assert client.sign_in(account.email, account.password).headers["location"] == (
            "/web/smartlocks"
        )


def test_the_pages_forms_need_the_csrf_token(
    server: RunningServer, account: AccountFixture
) -> None:
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        response = client.http.post(f"{SECURITY}/setup", data={"csrf_token": "wrong"})
        assert response.status_code == 403
    with server.ctx.db.read() as conn:
        pending = conn.execute(
            select(accounts.c.otp_pending_secret).where(accounts.c.account_id == account.account_id)
        ).scalar_one()
    assert pending is None
