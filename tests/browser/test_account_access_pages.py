"""The account settings' Sub-accounts and Integrations pages in a real browser: a sub-account
made with two rights ticked and seen in the list, an API token revoked with its button."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.api.test_integrations import new_token
from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.support import AccountFixture, RunningServer, unique_email


def test_a_sub_account_with_two_rights_and_a_revoked_integration(
    page: Page, server: RunningServer, account: AccountFixture
) -> None:
    key_id, token_id, used = new_token(account, "account")
    assert used.get("/account").status_code == 200
    errors = console_errors(page)

    page.goto(server.base_url + "/web/account/sub-accounts")
    expect(page).to_have_url(re.compile(r"/web/login\?next=%2Fweb%2Faccount%2Fsub-accounts$"))
    sign_in(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Sub-accounts", exact=True)).to_be_visible()
    form = page.locator("#new-sub-account")
    email = unique_email("browser-sub")
    form.get_by_label("Name").fill("Cleaner")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill("cleaner password")
    form.get_by_label("Operate smart locks").check()
    form.get_by_label("View activity logs").check()
    shoot(page, "sub-accounts-new")
    form.get_by_role("button", name="Create sub-account").click()
    expect(page.get_by_role("status")).to_have_text("The sub-account is created.")
    [sub] = account.api.get("/account/sub").json()
    assert (sub["email"], sub["rights"]) == (email, 18)
    row = page.locator(f'tr[data-account-id="{sub["accountId"]}"]')
    expect(row.locator("td.name")).to_have_text("Cleaner")
    expect(row.get_by_label("Operate smart locks")).to_be_checked()
    expect(row.get_by_label("View activity logs")).to_be_checked()
    expect(row.get_by_label("Manage smart locks")).not_to_be_checked()
    shoot(page, "sub-accounts-list")

    page.get_by_role("navigation", name="Account settings").get_by_role(
        "link", name="Integrations"
    ).click()
    expect(page.get_by_role("heading", name="Integrations", exact=True)).to_be_visible()
    token_row = page.locator(f'tr[data-integration="{key_id}/{token_id}"]')
    expect(token_row.locator("td.kind")).to_have_text("API token")
    shoot(page, "integrations")
    token_row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text(
        "The integration is revoked: it no longer has access."
    )
    expect(page.locator(f'tr[data-integration="{key_id}/{token_id}"]')).to_have_count(0)
    assert used.get("/account").status_code == 401
    assert errors == []
    used.close()
