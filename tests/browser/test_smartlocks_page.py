"""The Smart Locks, Users and Activity log pages in a real browser: signing in on the way, the
Lock button of a row, and pages that break no rule of their Content-Security-Policy."""

from __future__ import annotations

import re

from playwright.sync_api import ConsoleMessage, Page, Response, expect

from tests.browser.support import shoot, sign_in
from tests.devices import MOTOR_TIME, UNLATCH_HOLD, act, add_device, advance, state
from tests.support import AccountFixture, RunningServer, unique_email

UNLOCKED, LOCKED = 3, 1


def console_errors(page: Page) -> list[str]:
    """What the pages log from now on of scripts, styles or images their Content-Security-Policy
    blocked, and of requests that failed (the browser's own ``/favicon.ico`` aside)."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            errors.append(message.text)

    def check(response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", keep)
    page.on("response", check)
    return errors


def test_lock_a_smart_lock_from_its_row(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    act(account.api, lock, 1)
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == UNLOCKED
    errors = console_errors(page)

    page.goto(server.base_url + "/web/smartlocks")
    expect(page).to_have_url(re.compile(r"/web/login\?next=%2Fweb%2Fsmartlocks$"))
    sign_in(page, account.email, account.password)
    expect(page).to_have_url(server.base_url + "/web/smartlocks")
    row = page.locator(f'tr[data-smartlock-id="{lock}"]')
    expect(row.locator("td.state")).to_have_text("unlocked")
    expect(row.locator(".badge.online")).to_be_visible()
    shoot(page, "smartlocks-unlocked")

    row.get_by_role("button", name="Lock", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Lock command sent to Front door.")
    advance(account.api, MOTOR_TIME)
    page.reload()

    expect(row.locator("td.state")).to_have_text("locked")
    assert state(account.api, lock)["state"] == LOCKED
    shoot(page, "smartlocks-locked")
    assert errors == []


def test_users_and_activity_pages(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    user = account.api.put(
        "/account/user", json={"email": unique_email("guest"), "name": "Alice", "language": "en"}
    ).json()["accountUserId"]
    auth = {"name": "Alice's fob", "type": 2, "accountUserId": user, "remoteAllowed": False}
    assert account.api.put(f"/smartlock/{lock}/auth", json=auth).status_code == 204
    act(account.api, lock, 3)
    advance(account.api, MOTOR_TIME + UNLATCH_HOLD)
    errors = console_errors(page)

    page.goto(server.base_url + "/web/users")
    sign_in(page, account.email, account.password)
    expect(page.locator("tr[data-account-user-id] td.name")).to_have_text(["Alice"])
    expect(page.locator("tr[data-auth-id] td.name")).to_have_text(["Alice's fob"])
    shoot(page, "users")

    page.get_by_role("link", name="Activity log").click()
    expect(page.locator("tr[data-log-id] td.action")).to_have_text(["unlatch"])
    page.get_by_label("Action").select_option(value="2")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"action=2"))
    expect(page.locator("tr[data-log-id]")).to_have_count(0)
    page.get_by_label("Action").select_option(value="")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tr[data-log-id]")).to_have_count(1)
    shoot(page, "activity")
    assert errors == []
