"""A device's page in a real browser: opened from the Smart Locks list, a setting changed and
saved, a value the API refuses refused, the Lock button coming back to the page; at desktop
and phone width, for a smart lock and an opener, without breaking the Content-Security-Policy."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.devices import MOTOR_TIME, UNLATCH_HOLD, act, add_device, advance, device
from tests.support import AccountFixture, RunningServer

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def open_from_the_list(
    page: Page, server: RunningServer, account: AccountFixture, name: str
) -> None:
    page.goto(server.base_url + "/web/smartlocks")
    sign_in(page, account.email, account.password)
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_change_a_smart_locks_settings(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    act(account.api, lock, 3)
    advance(account.api, MOTOR_TIME + UNLATCH_HOLD)
    errors = console_errors(page)
    page.set_viewport_size(DESKTOP)

    open_from_the_list(page, server, account, "Front door")
    expect(page).to_have_url(f"{server.base_url}/web/smartlocks/{lock}")
    expect(page.locator("dd.state")).to_have_text("unlocked")
    expect(page.locator("#device-log tr[data-log-id] td.action")).to_have_text(["unlatch"])
    shoot(page, "device-smart-lock")

    advanced = page.locator("#settings-advanced")
    advanced.get_by_label("Lock 'n' go timeout").select_option(label="45 seconds")
    advanced.get_by_label("Auto lock", exact=True).check()
    advanced.get_by_role("button", name="Save advanced settings").click()
    expect(page.get_by_role("status")).to_have_text("Advanced settings saved.")
    expect(advanced.get_by_label("Lock 'n' go timeout")).to_have_value("45")
    expect(advanced.get_by_label("Auto lock", exact=True)).to_be_checked()
    saved = device(account.api, lock)["advancedConfig"]
    assert (saved["lngTimeout"], saved["autoLock"]) == (45, True)

    settings = page.locator("#settings-config")
    settings.get_by_label("Name").fill("Garden gate")
    settings.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Garden gate")
    assert device(account.api, lock)["name"] == "Garden gate"

    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Lock command sent to Garden gate.")
    expect(page).to_have_url(re.compile(rf"/web/smartlocks/{lock}\?sent=lock"))

    page.set_viewport_size(PHONE)
    shoot(page, "device-smart-lock-phone")
    assert errors == []


def test_an_openers_settings_and_a_refused_value(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    opener = add_device(account, 2, name="Intercom")
    errors = console_errors(page)
    page.set_viewport_size(PHONE)

    open_from_the_list(page, server, account, "Intercom")
    expect(page.locator("#settings-advanced")).to_have_count(0)
    form = page.locator("#settings-opener")
    form.get_by_label("Sound on ring").select_option(label="sound 3")
    form.get_by_label("Button pressed once").select_option(label="open")
    form.get_by_role("button", name="Save opener settings").click()
    expect(page.get_by_role("status")).to_have_text("Opener settings saved.")
    saved = device(account.api, opener)["openerAdvancedConfig"]
    assert (saved["soundRing"], saved["singleButtonPressAction"]) == (3, 7)
    shoot(page, "device-opener-phone")

    # The browser's own check would stop 300 (max 255): the server's refusal is what counts.
    level = form.get_by_label("Sound level")
    level.evaluate("input => input.removeAttribute('max')")
    level.fill("300")
    form.get_by_role("button", name="Save opener settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Sound level")
    expect(page.locator("#settings-opener").get_by_label("Sound level")).to_have_value("300")
    assert device(account.api, opener)["openerAdvancedConfig"]["soundLevel"] == 20

    page.set_viewport_size(DESKTOP)
    shoot(page, "device-opener")
    # The 400 of the refused form is the one failed response.
    assert [error for error in errors if "/settings/opener" not in error] == []
