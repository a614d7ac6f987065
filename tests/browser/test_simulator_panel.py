"""The Simulator panel in a real browser: the nav link, buttons that show their notice, a code
typed on a lock's keypad that opens it, at desktop and phone width, with nothing its
Content-Security-Policy blocks."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.api.test_authorizations import confirmed_auth
from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.devices import MOTOR_TIME, UNLATCH_HOLD, add_device, advance, logs, state
from tests.support import AccountFixture, RunningServer

UNLOCKED = 3
DOORBELL = 224  # SmartlockLog.action


def test_buttons_and_a_keypad_code_on_the_panel(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    opener = add_device(account, 2, name="Building entrance")
    confirmed_auth(account, lock, "Cleaner", type=13, code=345678)
    errors = console_errors(page)

    page.goto(server.base_url + "/web/smartlocks")
    sign_in(page, account.email, account.password)
    page.get_by_role("link", name="Simulator").click()
    expect(page.get_by_role("heading", name="Simulator", exact=True)).to_be_visible()
    shoot(page, "simulator-panel")

    entrance = page.locator(f"#device-{opener}")
    entrance.get_by_role("button", name="Ring the doorbell").click()
    expect(page.get_by_role("status")).to_have_text("Rang the doorbell of Building entrance.")
    assert [entry["action"] for entry in logs(account.api, opener)] == [DOORBELL]

    front = page.locator(f"#device-{lock}")
    front.get_by_label("Keypad code").fill("345678")
    front.get_by_role("button", name="Enter the code").click()
    expect(page.get_by_role("status")).to_contain_text("Typed a code on the keypad of Front door")
    advance(account.api, MOTOR_TIME + UNLATCH_HOLD)
    assert state(account.api, lock)["state"] == UNLOCKED
    page.reload()
    expect(page.locator(f"#sim-device-{lock} dd.state")).to_have_text("unlocked")

    # The battery, set through its form.
    front.get_by_label("Battery charge (%)").fill("100")
    front.get_by_role("button", name="Set the battery").click()
    expect(page.get_by_role("status")).to_have_text("Set the battery charge of Front door.")
    expect(page.locator(f"#sim-device-{lock} dd.battery")).to_have_text("100 %")
    shoot(page, "simulator-panel-after")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(front.get_by_role("button", name="Block the motor on its next action")).to_be_visible()
    shoot(page, "simulator-panel-phone")
    assert errors == []
