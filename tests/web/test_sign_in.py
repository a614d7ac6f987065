"""Signing in to the web pages: sessions, cookies, CSRF, throttling, redirects."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.contract.validation import ContractValidator
from tests.devices import advance
from tests.support import AccountFixture, RunningServer, make_account, running_server, unique_email
from tests.web.support import WebClient, csrf_token

PAGES = ["/web/smartlocks", "/web/users", "/web/activity", "/web/api", "/web/api/tokens/new"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_reachable_without_a_session(server: RunningServer, path: str) -> None:
    with WebClient(server) as client:
        response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/login?next=")


def test_posts_without_a_session_change_nothing(
    server: RunningServer, account: AccountFixture
) -> None:
    keys = account.api.get("/api/key").json()
    assert keys
    with WebClient(server) as client:
        response = client.http.post("/web/api/deactivate", data={"csrf_token": "x"})
    assert response.status_code == 303
    assert account.api.get("/api/key").json() == keys


def test_sign_in_sets_a_protected_session_cookie_and_sign_out_ends_it(
    server: RunningServer, account: AccountFixture
) -> None:
    with WebClient(server) as client:
        signed_in = client.sign_in(account.email, account.password, "/web/api")
        assert signed_in.headers["location"] == "/web/api"
        cookie = signed_in.headers["set-cookie"]
        assert "nukiweb_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # served over plain HTTP here
        page = client.get("/web/api")
        assert page.status_code == 200
        assert account.email in page.text
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

        session_cookie = client.http.cookies["nukiweb_session"]
        signed_out = client.http.post("/web/logout", data={"csrf_token": csrf_token(page.text)})
        assert signed_out.status_code == 303
        assert client.get("/web/api").status_code == 303
        # The old cookie is dead on the server, not only forgotten by the browser.
        client.http.cookies.set("nukiweb_session", session_cookie)
        assert client.get("/web/api").status_code == 303


def test_a_sub_account_signs_in_the_same_way(
    server: RunningServer, account: AccountFixture
) -> None:
    email = unique_email("sub")
    created = account.api.put(
        "/account/sub",
        json={
            "email": email,
            "password": "sub password",
            "name": "Sub",
            "language": "en",
            "rights": 1,
        },
    )
    assert created.status_code == 200, created.text
    with WebClient(server) as client:
        client.sign_in(email, "sub password")
        assert email in client.get("/web/api").text


def test_wrong_password_and_unknown_email_get_the_same_answer(
    server: RunningServer, account: AccountFixture
) -> None:
    answers = []
    with WebClient(server) as client:
        for email, password in ((account.email, "wrong password"), (unique_email(), "whatever")):
            response = client.submit(
                "/web/login", "/web/login", {"email": email, "password": password}
            )
            answers.append((response.status_code, "not correct" in response.text))
            assert "nukiweb_session" not in response.headers.get("set-cookie", "")
    assert answers == [(401, True), (401, True)]


def test_sign_in_is_throttled_after_repeated_failures(
    server: RunningServer, account: AccountFixture
) -> None:
    with WebClient(server) as client:
        for _ in range(5):
            failed = client.submit(
                "/web/login", "/web/login", {"email": account.email, "password": "wrong"}
            )
            assert failed.status_code == 401
        fields = {"email": account.email, "password": account.password}
        throttled = client.submit("/web/login", "/web/login", fields)
        assert throttled.status_code == 429
        assert "Too many failed sign-ins" in throttled.text
        advance(account.api, 15 * 60)
        assert client.submit("/web/login", "/web/login", fields).status_code == 303


def sign_in_as_from(client: WebClient, address: str, email: str, password: str) -> httpx.Response:
    """A sign-in whose request claims, with ``X-Forwarded-For``, to come from ``address``."""
    forwarded = {"X-Forwarded-For": address}
    form = client.get("/web/login", headers=forwarded)
    fields = {"csrf_token": csrf_token(form.text), "email": email, "password": password}
    return client.http.post("/web/login", data=fields, headers=forwarded)


def test_a_forwarded_address_is_not_believed_by_default(
    server: RunningServer, account: AccountFixture
) -> None:
    """Without --forwarded-allow-ips, X-Forwarded-For is a header like any other, even from
    loopback: rotating it does not escape the throttle."""
    with WebClient(server) as client:
        for n in range(5):
            failed = sign_in_as_from(client, f"203.0.113.{n}", account.email, "wrong")
            assert failed.status_code == 401
        right = sign_in_as_from(client, "198.51.100.7", account.email, account.password)
        assert right.status_code == 429


@pytest.fixture(scope="module")
def behind_proxy(database_url: str) -> Iterator[RunningServer]:
    """A server that believes X-Forwarded-For from its proxy on 127.0.0.1."""
    with running_server(database_url, forwarded_allow_ips=["127.0.0.1"]) as running:
        yield running


@pytest.fixture
def proxied_account(
    behind_proxy: RunningServer, contract: ContractValidator
) -> Iterator[AccountFixture]:
    made = make_account(behind_proxy, contract)
    yield made
    made.api.close()


def test_behind_a_named_proxy_each_client_address_is_throttled_on_its_own(
    behind_proxy: RunningServer, proxied_account: AccountFixture
) -> None:
    email, password = proxied_account.email, proxied_account.password
    with WebClient(behind_proxy) as client:
        for _ in range(5):
            assert sign_in_as_from(client, "203.0.113.1", email, "wrong").status_code == 401
        assert sign_in_as_from(client, "203.0.113.1", email, password).status_code == 429
        assert sign_in_as_from(client, "203.0.113.2", email, password).status_code == 303


def test_failures_for_one_email_are_counted_across_all_addresses(
    behind_proxy: RunningServer, proxied_account: AccountFixture, contract: ContractValidator
) -> None:
    """Twenty failures within 15 minutes, from however many addresses, throttle the email (and
    only that email)."""
    email, password = proxied_account.email, proxied_account.password
    with WebClient(behind_proxy) as client:
        for n in range(20):
            failed = sign_in_as_from(client, f"203.0.113.{n}", email, "wrong")
            assert failed.status_code == 401
        throttled = sign_in_as_from(client, "198.51.100.7", email, password)
        assert throttled.status_code == 429
        assert "Too many failed sign-ins" in throttled.text
        other = make_account(behind_proxy, contract)
        assert (
            sign_in_as_from(client, "203.0.113.1", other.email, other.password).status_code == 303
        )
        other.api.close()
    with WebClient(behind_proxy) as client:
        advance(proxied_account.api, 15 * 60)
        assert sign_in_as_from(client, "198.51.100.7", email, password).status_code == 303


def test_the_sign_in_form_needs_its_token(server: RunningServer, account: AccountFixture) -> None:
    with WebClient(server) as client:
        forged = client.http.post(
            "/web/login", data={"email": account.email, "password": account.password}
        )
    assert forged.status_code == 403
    assert "nukiweb_session" not in forged.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com"]
)
def test_next_never_leads_to_another_site(
    server: RunningServer, account: AccountFixture, next_url: str
) -> None:
    with WebClient(server) as client:
        signed_in = client.sign_in(account.email, account.password, next_url)
    assert signed_in.headers["location"] == "/web/smartlocks"


def test_a_new_password_ends_the_sessions(server: RunningServer, account: AccountFixture) -> None:
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        assert client.get("/web/api").status_code == 200
        changed = account.api.post(
            "/account",
            json={"language": "en", "password": "another password"},
            params={"deleteApiTokens": "false"},
        )
        assert changed.status_code == 204
        assert client.get("/web/api").status_code == 303
