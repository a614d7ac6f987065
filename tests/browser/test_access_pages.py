"""The Users page in a real browser whose time zone is Vienna's: a keypad code made on the page
on two devices, pending until they confirm, then typed on the simulated keypad, which opens the
lock and logs the code's name; a time window typed in Vienna time stored in UTC and shown in
Vienna time again; a user made and deleted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from nukiweb.domain.local_times import DailyWindow, daily_window_to_utc
from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.devices import MOTOR_TIME, UNLATCH_HOLD, add_device, advance, logs, simulate, state
from tests.support import AccountFixture, RunningServer, unique_email

ZONE = "Europe/Vienna"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
UNLOCKED = 3
KEYPAD = 255  # SmartlockLog.trigger of an entry made at the keypad


@pytest.fixture
def vienna(browser: Browser) -> Iterator[Page]:
    """A page of a browser context whose clock shows Vienna time."""
    context = browser.new_context(timezone_id=ZONE, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def shoot_both(page: Page, name: str) -> None:
    shoot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def keypad_lock(account: AccountFixture, name: str) -> int:
    lock = add_device(account, 4, name=name)
    simulate(account.api, lock, "keypad", paired=True)
    return lock


def browser_offset() -> timedelta:
    """Vienna's offset now, which the page's script uses for daily times."""
    offset = datetime.now(ZoneInfo(ZONE)).utcoffset()
    assert offset is not None
    return offset


def test_a_keypad_code_made_on_the_page_opens_the_simulated_keypad(
    vienna: Page, server: RunningServer, account: AccountFixture
) -> None:
    page = vienna
    front, back = keypad_lock(account, "Front door"), keypad_lock(account, "Back door")
    errors = console_errors(page)
    page.goto(server.base_url + "/web/users")
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Dates and times are shown in {ZONE}.")).to_be_visible()

    page.get_by_role("link", name="New authorization").click()
    expect(page.get_by_text(f"Times are in {ZONE}.")).to_be_visible()
    offset_minutes = -int(browser_offset().total_seconds() // 60)
    expect(page.locator("input[name=tz_name]")).to_have_value(ZONE)
    expect(page.locator("input[name=tz_offset]")).to_have_value(str(offset_minutes))
    page.get_by_label("Name").fill("Guest code")
    page.get_by_label("Keypad code", exact=True).check()
    page.get_by_label("Keypad code (6 digits").fill("345678")
    page.get_by_label("Front door").check()
    page.get_by_label("Back door").check()
    shoot_both(page, "authorization-new")
    page.get_by_role("button", name="Create authorization").click()

    expect(page.get_by_role("status")).to_contain_text("pending until they confirm")
    for lock in (front, back):
        row = page.locator(f'table[data-smartlock-id="{lock}"] tr[data-auth-id]')
        expect(row.locator("td.name")).to_have_text("Guest code")
        expect(row.locator("td.status")).to_contain_text("pending")
    shoot_both(page, "users-pending")

    advance(account.api, 0)  # the simulated devices confirm
    page.reload()
    for lock in (front, back):
        row = page.locator(f'table[data-smartlock-id="{lock}"] tr[data-auth-id]')
        expect(row.locator("td.status")).to_have_text("on the device")

    simulate(account.api, front, "keypad/code", code=345678)
    advance(account.api, MOTOR_TIME + UNLATCH_HOLD)
    assert state(account.api, front)["state"] == UNLOCKED
    entry = logs(account.api, front)[0]
    assert (entry["name"], entry["action"], entry["trigger"]) == ("Guest code", 1, KEYPAD)
    assert errors == []


def test_a_window_typed_in_vienna_time_is_stored_in_utc_and_shown_in_vienna_time(
    vienna: Page, server: RunningServer, account: AccountFixture
) -> None:
    page = vienna
    lock = keypad_lock(account, "Front door")
    body = {"name": "Cleaner", "type": 13, "code": 456789, "remoteAllowed": False}
    assert account.api.put(f"/smartlock/{lock}/auth", json=body).status_code == 204
    advance(account.api, 0)
    errors = console_errors(page)
    page.goto(server.base_url + "/web/users")
    sign_in(page, account.email, account.password)

    page.get_by_role("link", name="Edit Cleaner").click()
    expect(page.get_by_role("heading", name="Edit “Cleaner”")).to_be_visible()
    page.get_by_label("From", exact=True).fill("2026-03-01T08:00")  # CET
    page.get_by_label("Until", exact=True).fill("2026-04-01T00:00")  # CEST
    page.get_by_label("Mon").check()
    page.get_by_label("Sun").check()
    page.get_by_label("Daily from").fill("00:30")
    page.get_by_label("Daily until").fill("02:00")
    shoot_both(page, "authorization-edit")
    page.get_by_role("button", name="Save authorization").click()
    expect(page.get_by_role("status")).to_contain_text("pending until the device confirms")

    [stored] = account.api.get("/smartlock/auth").json()
    assert stored["allowedFromDate"] == "2026-03-01T07:00:00.000Z"
    assert stored["allowedUntilDate"] == "2026-03-31T22:00:00.000Z"
    daily = daily_window_to_utc(DailyWindow(64 | 1, 30, 120), browser_offset())
    assert (
        stored["allowedWeekDays"],
        stored["allowedFromTime"],
        stored["allowedUntilTime"],
    ) == (daily.week_days, daily.from_time, daily.until_time)

    advance(account.api, 0)
    page.reload()
    limits = page.locator(f'table[data-smartlock-id="{lock}"] td.limits')
    expect(limits).to_have_text(
        "from 2026-03-01 08:00; until 2026-04-01 00:00; Mon, Sun; 00:30 to 02:00"
    )
    shoot_both(page, "users-window")

    page.get_by_role("link", name="Edit Cleaner").click()
    expect(page.get_by_label("From", exact=True)).to_have_value("2026-03-01T08:00")
    expect(page.get_by_label("Daily from")).to_have_value("00:30")
    expect(page.get_by_label("Mon")).to_be_checked()
    expect(page.get_by_label("Sat")).not_to_be_checked()
    assert errors == []


def test_a_user_is_made_and_deleted_on_the_page(
    vienna: Page, server: RunningServer, account: AccountFixture
) -> None:
    page = vienna
    errors = console_errors(page)
    page.goto(server.base_url + "/web/users")
    sign_in(page, account.email, account.password)
    page.get_by_role("link", name="New user").click()
    email = unique_email("browser-user")
    page.get_by_label("Name").fill("Alice")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Language").select_option("de")
    shoot_both(page, "user-new")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_have_text("The user is created.")
    row = page.locator("tr[data-account-user-id]")
    expect(row.locator("td.email")).to_have_text(email)
    shoot_both(page, "users")

    row.get_by_role("link", name="Delete Alice").click()
    expect(page.get_by_role("heading", name=re.compile("Delete “Alice”"))).to_be_visible()
    shoot_both(page, "user-delete")
    page.get_by_role("button", name="Delete user").click()
    expect(page.get_by_role("status")).to_contain_text("The user is deleted")
    expect(page.locator("tr[data-account-user-id]")).to_have_count(0)
    assert account.api.get("/account/user").json() == []
    assert errors == []
