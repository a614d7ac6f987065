"""Live pages in a real browser: a change made through the API (through this server, or
another one on the same store) appears on an open Smart Locks or Activity log page without a
reload; the operation in flight and a failure show in the device's row."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.support import shoot, sign_in
from tests.contract.validation import ContractValidator
from tests.devices import MOTOR_TIME, act, add_device, advance, simulate
from tests.support import AccountFixture, ApiClient, RunningServer, running_server, unique_email

UNLOCK, LOCK = 1, 2
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def open_signed_in(page: Page, server: RunningServer, account: AccountFixture, path: str) -> None:
    page.goto(server.base_url + path)
    sign_in(page, account.email, account.password)
    expect(page).to_have_url(server.base_url + path)


def test_a_device_row_follows_the_device(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    open_signed_in(page, server, account, "/web/smartlocks")
    row = page.locator(f'tr[data-smartlock-id="{lock}"]')
    expect(row.locator("td.state")).to_have_text("locked")
    expect(page.locator("#devices")).to_have_attribute("aria-live", "polite")

    act(account.api, lock, UNLOCK)

    expect(row.locator(".badge.busy")).to_be_visible()
    expect(row.locator("td.state .in-flight")).to_contain_text("…")
    shoot(page, "live-smartlocks-in-flight")
    advance(account.api, MOTOR_TIME)
    expect(row.locator("td.state")).to_have_text("unlocked")
    expect(row.locator(".badge.busy")).to_have_count(0)

    # A failure is explained in the row: the motor blocks.
    simulate(account.api, lock, "fault", fault="motor_blocked")
    act(account.api, lock, LOCK)
    advance(account.api, MOTOR_TIME)
    expect(row.locator("td.state")).to_have_text("motor blocked")
    expect(row.locator(".device-error")).to_have_text("The action failed: motor blocked.")
    page.set_viewport_size(DESKTOP)
    shoot(page, "live-smartlocks-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "live-smartlocks-phone")


def test_the_activity_log_shows_new_entries(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    open_signed_in(page, server, account, "/web/activity")
    entries = page.locator("#entries tr[data-log-id]")
    expect(entries).to_have_count(0)

    act(account.api, lock, UNLOCK)
    advance(account.api, MOTOR_TIME)

    expect(entries).to_have_count(1)
    expect(entries.locator("td.action")).to_have_text(["unlock"])
    page.set_viewport_size(DESKTOP)
    shoot(page, "live-activity-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "live-activity-phone")


def test_a_change_through_another_server_appears(
    page: Page,
    database_url: str,
    server: RunningServer,
    account: AccountFixture,
    contract: ContractValidator,
) -> None:
    lock = add_device(account, 4, name="Front door")
    open_signed_in(page, server, account, "/web/smartlocks")
    row = page.locator(f'tr[data-smartlock-id="{lock}"]')
    expect(row.locator("td.state")).to_have_text("locked")

    # The second server shares the store (so the secret key) and starts at the first's time.
    with running_server(
        database_url, secrets=server.ctx.secrets, start=server.ctx.clock.now()
    ) as second:
        api = ApiClient(second, account.token, contract)
        act(api, lock, UNLOCK)
        advance(api, MOTOR_TIME)  # the server that took the command moves the device

        expect(row.locator("td.state")).to_have_text("unlocked")
        api.close()


def test_a_devices_page_follows_its_state_log_and_authorizations(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    simulate(account.api, lock, "keypad", paired=True)
    open_signed_in(page, server, account, f"/web/smartlocks/{lock}")
    state = page.locator("#device-state dd.state")
    expect(state).to_have_text("locked")

    act(account.api, lock, UNLOCK)
    expect(state.locator(".in-flight")).to_contain_text("…")
    advance(account.api, MOTOR_TIME)
    expect(state).to_have_text("unlocked")
    expect(page.locator("#device-log tr[data-log-id] td.action")).to_have_text(["unlock"])

    body = {"name": "Cleaner", "type": 13, "code": 246813, "remoteAllowed": False}
    assert account.api.put(f"/smartlock/{lock}/auth", json=body).status_code == 204
    row = page.locator("#device-authorizations tr", has_text="Cleaner")
    expect(row).to_contain_text("waiting for the device")
    advance(account.api, MOTOR_TIME)
    expect(row).to_contain_text("on the device")


def test_the_users_page_shows_a_new_user_and_a_confirmed_authorization(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    simulate(account.api, lock, "keypad", paired=True)
    open_signed_in(page, server, account, "/web/users")

    body = {"email": unique_email("live"), "name": "Anna Berger", "language": "en"}
    assert account.api.put("/account/user", json=body).status_code == 200
    expect(page.locator("#account-users td.name")).to_have_text(["Anna Berger"])

    code = {"name": "Cleaner", "type": 13, "code": 246813, "remoteAllowed": False}
    assert account.api.put(f"/smartlock/{lock}/auth", json=code).status_code == 204
    row = page.locator(f"#authorizations-{lock} tr", has_text="Cleaner")
    expect(row.locator(".badge.pending")).to_be_visible()
    advance(account.api, MOTOR_TIME)
    expect(row.locator(".badge.pending")).to_have_count(0)
