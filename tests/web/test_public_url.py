"""A server whose public URL is not where the test reaches it (as behind a TLS-terminating
proxy): every absolute URL nukiweb makes, and the Secure flag of its cookies, come from the
public URL, never from the request."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from nukiweb.api.swagger import OAUTH2_REDIRECT_PATH
from tests.contract.validation import ContractValidator
from tests.support import AccountFixture, RunningServer, make_account, running_server
from tests.web.oauth_support import register_app
from tests.web.support import csrf_token

PUBLIC_URL = "https://nukiweb.example"


@pytest.fixture(scope="module")
def behind_proxy(database_url: str) -> Iterator[RunningServer]:
    with running_server(database_url, public_url=PUBLIC_URL) as running:
        yield running


@pytest.fixture
def user(behind_proxy: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(behind_proxy, contract)
    yield made
    made.api.close()


class Browser:
    """Sends its cookies itself: httpx keeps Secure cookies off plain http, and the test talks
    plain http to a server that believes it is reached over https."""

    def __init__(self, server: RunningServer) -> None:
        self.http = httpx.Client(base_url=server.base_url, timeout=10)
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, **options: object) -> httpx.Response:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.http.request(method, path, headers={"Cookie": cookie}, **options)
        self.set_cookies += response.headers.get_list("set-cookie")
        self.cookies.update(response.cookies)
        self.http.cookies.clear()
        return response

    def sign_in(self, email: str, password: str) -> None:
        form = self.request("GET", "/web/login")
        fields = {"csrf_token": csrf_token(form.text), "email": email, "password": password}
        assert self.request("POST", "/web/login", data=fields).status_code == 303

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def browser(behind_proxy: RunningServer, user: AccountFixture) -> Iterator[Browser]:
    signed_in = Browser(behind_proxy)
    signed_in.sign_in(user.email, user.password)
    yield signed_in
    signed_in.close()


def test_cookies_are_secure_when_the_public_url_is_https(browser: Browser) -> None:
    sign_in_form, session = browser.set_cookies[:2]
    assert sign_in_form.startswith("nukiweb_sign_in=")
    assert session.startswith("nukiweb_session=")
    assert all("Secure" in cookie for cookie in (sign_in_form, session))


def test_swagger_ui_at_the_public_url_may_receive_tokens_and_no_other(
    behind_proxy: RunningServer, user: AccountFixture, browser: Browser
) -> None:
    app = register_app(user)
    swagger = PUBLIC_URL + OAUTH2_REDIRECT_PATH
    for elsewhere in (behind_proxy.base_url + OAUTH2_REDIRECT_PATH, "http" + swagger[5:]):
        refused = browser.request("GET", authorize_path(app.client_id, elsewhere))
        assert refused.status_code == 400
        assert "location" not in refused.headers
    path = authorize_path(app.client_id, swagger)
    page = browser.request("GET", path)
    assert page.status_code == 200, page.text
    allowed = browser.request(
        "POST", path, data={"csrf_token": csrf_token(page.text), "decision": "allow"}
    )
    assert allowed.headers["location"].startswith(swagger + "#access_token=")


def test_the_web_api_page_names_swagger_ui_at_the_public_url(browser: Browser) -> None:
    page = browser.request("GET", "/web/api")
    assert f'href="{PUBLIC_URL}/"' in page.text
    assert "127.0.0.1" not in page.text


def authorize_path(client_id: str, redirect_uri: str) -> str:
    query = {
        "response_type": "token",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "smartlock",
        "state": "s",
    }
    return f"/oauth/authorize?{urlencode(query)}"
