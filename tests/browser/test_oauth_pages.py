"""The web pages in a real browser: generating an API token, and the OAuth2 code flow of a
third-party app whose callback is a small server of the test's own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import shoot, sign_in
from tests.contract.validation import ContractValidator
from tests.devices import add_device
from tests.support import AccountFixture, ApiClient, RunningServer
from tests.web.oauth_support import OAuthApp, exchange, register_app


class CallbackServer:
    """The app's redirect URI: records the query of every request it gets."""

    def __init__(self) -> None:
        received = self.received = []  # type: list[dict[str, str]]

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/callback":  # not the browser's /favicon.ico
                    query = parse_qs(url.query)
                    received.append({name: values[0] for name, values in query.items()})
                body = b"<html><body><h1>App received the callback</h1></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/callback"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def callback() -> Iterator[CallbackServer]:
    server = CallbackServer()
    yield server
    server.close()


@pytest.fixture
def app(other_account: AccountFixture, callback: CallbackServer) -> OAuthApp:
    return register_app(other_account, [callback.url])


def authorize_url(server: RunningServer, app: OAuthApp, scope: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": scope,
        "state": "s1",
    }
    return f"{server.base_url}/oauth/authorize?{urlencode(query)}"


def test_generate_a_token_with_two_rights_and_use_it(
    page: Page, server: RunningServer, account: AccountFixture, contract: ContractValidator
) -> None:
    page.goto(f"{server.base_url}/web/api")
    expect(page.get_by_role("heading", name="Sign in with your Nuki Web account")).to_be_visible()
    shoot(page, "sign-in")
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Nuki Web API", exact=True)).to_be_visible()
    shoot(page, "web-api")

    page.get_by_role("link", name="Generate API token").click()
    page.get_by_label("API token name").fill("browser token")
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_label("View Smart Locks").check()
    page.get_by_label("View Smart Lock activity log").check()
    shoot(page, "generate-token")
    page.get_by_role("button", name="Generate").click()

    token = page.locator("#api-token").inner_text().strip()
    expect(page.get_by_text("permanent access")).to_be_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Token was copied to the clipboard.")).to_be_visible()
    shoot(page, "token-created")

    api = ApiClient(server, token, contract)
    assert api.get("/smartlock").status_code == 200  # smartlock.readOnly
    assert api.get("/account").status_code == 401  # account was not ticked
    api.close()

    page.get_by_role("link", name="Close").click()
    row = page.locator("tr", has_text="browser token")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The API token is revoked.")).to_be_visible()
    assert (
        httpx.get(
            f"{server.base_url}/smartlock", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )


def test_the_code_flow_in_a_browser(
    page: Page,
    server: RunningServer,
    account: AccountFixture,
    app: OAuthApp,
    callback: CallbackServer,
    contract: ContractValidator,
) -> None:
    smartlock_id = add_device(account, 4, name="Front door")
    page.goto(authorize_url(server, app, "smartlock account"))
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="This app would like to:")).to_be_visible()
    expect(page.get_by_text("View and manage your smartlocks")).to_be_visible()
    expect(page.get_by_text("View and manage your account")).to_be_visible()
    expect(page.get_by_role("main").get_by_text(account.email)).to_be_visible()
    shoot(page, "consent")
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="App received the callback")).to_be_visible()

    (received,) = callback.received
    assert received["state"] == "s1"
    token = exchange(server, app, received["code"]).json()
    api = ApiClient(server, token["access_token"], contract)
    devices = api.get("/smartlock")
    assert devices.status_code == 200
    assert [device["smartlockId"] for device in devices.json()] == [smartlock_id]
    api.close()


def test_cancel_in_a_browser_tells_the_app_access_denied(
    page: Page,
    server: RunningServer,
    account: AccountFixture,
    app: OAuthApp,
    callback: CallbackServer,
) -> None:
    page.goto(authorize_url(server, app, "smartlock.readOnly"))
    sign_in(page, account.email, account.password)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="App received the callback")).to_be_visible()
    (received,) = callback.received
    assert received["error"] == "access_denied"
    assert "code" not in received


def test_not_you_signs_out_and_back_in_as_someone_else(
    page: Page,
    server: RunningServer,
    account: AccountFixture,
    other_account: AccountFixture,
    app: OAuthApp,
) -> None:
    page.goto(authorize_url(server, app, "smartlock"))
    sign_in(page, other_account.email, other_account.password)
    expect(page.get_by_role("main").get_by_text(other_account.email)).to_be_visible()
    page.get_by_role("button", name="Not you").click()
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="This app would like to:")).to_be_visible()
    expect(page.get_by_role("main").get_by_text(account.email)).to_be_visible()


def test_a_redirect_uri_not_on_the_list_is_refused_in_the_browser(
    page: Page, server: RunningServer, app: OAuthApp, callback: CallbackServer
) -> None:
    url = authorize_url(server, app, "smartlock").replace(
        "callback", "elsewhere", 1
    )  # the path of the redirect URI
    page.goto(url)
    expect(page.get_by_role("heading", name="cannot be completed")).to_be_visible()
    shoot(page, "oauth-error")
    assert callback.received == []


def test_swagger_ui_authorizes_through_the_implicit_flow(
    page: Page, server: RunningServer, account: AccountFixture, app: OAuthApp
) -> None:
    page.goto(server.base_url + "/")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".auth-container").filter(has_text="implicit")
    dialog.locator("input#client_id").fill(app.client_id)
    dialog.get_by_text("smartlock.readOnly", exact=True).click()
    shoot(page, "swagger-authorize")
    with page.context.expect_page() as popup_info:
        dialog.get_by_role("button", name="Authorize").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    sign_in(popup, account.email, account.password)
    popup.get_by_role("button", name="Allow").click()
    popup.wait_for_event("close")
    expect(
        page.locator(".auth-container").get_by_role("button", name="Logout").first
    ).to_be_visible()
    shoot(page, "swagger-authorized")
