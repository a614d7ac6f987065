"""The Short rental pages in a real browser: an address made on two locks, a booking feed served
by a local HTTP server linked through the page ``POST /service/{id}/link`` answers, the guest's
code issued a day before check-in, and the Revoke button; at phone width nothing but the tables
scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.api.test_short_rental import (
    DAY,
    TIME_ZONE,
    issued,
    keypad_locks,
    today,
    until_check_in,
)
from tests.booking_feeds import FeedServer, booking, feed_server
from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.devices import advance
from tests.support import AccountFixture, RunningServer

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    with feed_server() as served:
        yield served


def fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def create_address(page: Page, name: str, devices: list[str]) -> None:
    """Fills in and submits the New address form of the Short rental page."""
    form = page.locator("#new-address")
    form.get_by_label("Name").fill(name)
    for device in devices:
        form.get_by_label(device).check()
    form.get_by_label("Time zone").fill(TIME_ZONE)
    form.get_by_label("Check-in time").fill("15:00")
    form.get_by_label("Check-out time").fill("11:00")
    shoot(page, "short-rental-new-address")
    form.get_by_role("button", name="Create address").click()
    expect(page.get_by_role("status")).to_have_text("The address is created.")


def link_feed(page: Page, link: str, feed_url: str, address: str) -> None:
    """On the link page: the feed's URL pasted, the address chosen, Link."""
    page.goto(link)
    expect(page.get_by_role("heading", name="Link a listing from Airbnb")).to_be_visible()
    page.get_by_label("Feed URL").fill(feed_url)
    page.get_by_label("Address").select_option(label=address)
    shoot(page, "short-rental-link")
    page.get_by_role("button", name="Link", exact=True).click()


def test_an_address_a_linked_feed_and_its_guests_code(
    page: Page, server: RunningServer, account: AccountFixture, feed: FeedServer
) -> None:
    api = account.api
    locks = keypad_locks(account, 2)
    start = today(api) + timedelta(days=3)
    feed.bookings = [booking("abnb-42", start, nights=2, name="Ada Guest", email="ada@example.com")]
    errors = console_errors(page)

    page.goto(server.base_url + "/web/short-rental")
    expect(page).to_have_url(re.compile(r"/web/login\?next=%2Fweb%2Fshort-rental$"))
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Short rental", exact=True)).to_be_visible()
    create_address(page, "Seaside flat", ["Door 0", "Door 1"])
    [address] = api.get("/address").json()
    assert sorted(address["smartlockIds"]) == sorted(locks)
    assert address["timeZone"] == TIME_ZONE

    # The page the vendor's link operation sends the user to.
    link_feed(page, api.post("/service/airbnb/link").json(), feed.url, "Seaside flat")
    address_page = f"{server.base_url}/web/short-rental/{address['addressId']}"
    expect(page).to_have_url(f"{address_page}?notice=linked")
    row = page.locator("tr[data-reservation-id]")
    expect(row.locator("td.guest")).to_have_text("Ada Guest")
    expect(row.locator("td.check-in")).to_have_text(f"{start.isoformat()} 15:00")
    expect(row.locator("td.access")).to_have_text("none")
    expect(page.locator("dd.host")).to_have_text("127.0.0.1")

    # A day before check-in the code goes to both locks. Days have passed: the session has
    # ended, and signing in again comes back to the address.
    advance(api, until_check_in(api, address, start) - DAY + 1)
    advance(api, 0)
    page.goto(address_page)
    sign_in(page, account.email, account.password)
    expect(page).to_have_url(address_page)
    expect(row.locator("td.access")).to_have_text("keypad code issued, app invite issued")
    codes = [auth for auth in issued(api, locks) if auth["type"] == 13]
    assert sorted(auth["smartlockId"] for auth in codes) == sorted(locks)
    shoot(page, "short-rental-issued")

    row.get_by_role("button", name="Revoke access for Ada Guest").click()
    expect(page.get_by_role("status")).to_have_text("The guest's access is being revoked.")
    advance(api, 0)
    page.reload()
    expect(row.locator("td.access")).to_have_text("revoked by hand")
    assert issued(api, locks) == []

    # At phone width only the tables scroll sideways.
    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_width(page)
    shoot(page, "short-rental-address-phone")
    page.get_by_role("link", name="Short rental").click()
    assert fits_the_width(page)
    shoot(page, "short-rental-phone")
    assert errors == []
