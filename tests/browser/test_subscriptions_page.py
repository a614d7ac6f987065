"""The Subscriptions pages in a real browser: the URL ``POST /account/subscription/pay`` answers
opened, a paid plan checked out, its payment awaited with a reference, the operator's
confirmation (``nukiweb admin confirm-payment``'s use case), and the subscription seen active;
then terminated with its button."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from nukiweb.services import subscriptions
from tests.api.test_subscriptions import a_plan, held, imported, plan_id
from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.support import AccountFixture, RunningServer


def test_checkout_of_a_paid_plan_confirmed_by_the_operator(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    (paid,) = imported(server, a_plan(plan_id(), price=19.9, length="1m"))
    errors = console_errors(page)
    checkout_url = account.api.post("/account/subscription/pay").json()

    page.goto(checkout_url)
    expect(page).to_have_url(re.compile(r"/web/login\?next="))
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Choose a plan")).to_be_visible()
    page.get_by_label(re.compile(f"Plan {paid} \\(test\\)")).check()
    shoot(page, "subscriptions-checkout")
    page.get_by_role("button", name="Check out").click()

    expect(page.get_by_role("heading", name="Awaiting payment")).to_be_visible()
    reference = page.locator("code.reference").inner_text()
    expect(page.locator(".instructions")).to_contain_text(f"quoting the reference {reference}")
    expect(page.locator(".instructions")).to_contain_text("19.90")
    shoot(page, "subscriptions-awaiting-payment")

    subscriptions.confirm_payment(server.ctx, reference)
    page.reload()
    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
    page.get_by_role("link", name="Back to subscriptions").click()
    row = page.locator("tr[data-subscription-id]")
    expect(row.locator(".status")).to_have_text("active")
    held_id = row.get_attribute("data-subscription-id")
    assert held_id is not None
    assert held(account, held_id)["status"] == "active"
    shoot(page, "subscriptions-active")

    row.get_by_role("button", name="Terminate").click()
    expect(page.get_by_role("status")).to_have_text(
        "The subscription is terminated: it ends with its current period."
    )
    expect(row.locator(".status")).to_contain_text("ends with this period")
    expect(row.get_by_role("button", name="Resume")).to_be_visible()
    assert errors == []
