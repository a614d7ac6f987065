"""Two-factor sign-in in a real browser: set up on the security page reading the secret shown
as text, confirm with a code computed at the server's clock, sign out, and sign in again with
the password and a code."""

from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect

from nukiweb.services import otp
from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.devices import advance
from tests.support import AccountFixture, RunningServer


def code_now(server: RunningServer, secret: str) -> str:
    return pyotp.TOTP(secret).at(server.ctx.clock.now())


def test_set_up_two_factor_sign_in_and_sign_in_with_a_code(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    errors = console_errors(page)
    page.goto(f"{server.base_url}/web/account/security")
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Two-factor sign-in", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Two-factor sign-in")).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("button", name="Set up").click()

    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text().strip()
    assert otp.status(server.ctx, account.account_id).pending_secret == secret
    shoot(page, "otp-setup")
    page.get_by_label("Code").fill(code_now(server, secret))
    page.get_by_role("button", name="Confirm and enable").click()
    expect(page.get_by_role("status")).to_contain_text("Two-factor sign-in is enabled")
    expect(page.get_by_role("button", name="Disable two-factor sign-in")).to_be_visible()
    shoot(page, "otp-enabled")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in with your Nuki Web account")).to_be_visible()
    advance(account.api, 30)  # the code used to confirm is spent: the next step's code
    page.goto(f"{server.base_url}/web/account/security")
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    shoot(page, "otp-sign-in")
    page.get_by_label("Code").fill(code_now(server, secret))
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name="Enabled")).to_be_visible()
    assert page.url == f"{server.base_url}/web/account/security"
    assert errors == []
