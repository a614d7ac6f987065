"""A forgotten password in a real browser: "Forgot password?" on the sign-in page, the reset
link read from the mail the test's SMTP server received, a new password, and signing in with
it; and an email change confirmed through its mailed link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import shoot, sign_in
from tests.contract.validation import ContractValidator
from tests.mail import SmtpServer, link_in, server_with_mail, smtp_server
from tests.support import AccountFixture, RunningServer, make_account, unique_email


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def mail_server(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> Iterator[RunningServer]:
    with server_with_mail("sqlite", tmp_path_factory.mktemp("browser-mail"), smtp) as server:
        yield server


@pytest.fixture
def user(mail_server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(mail_server, contract)
    yield made
    made.api.close()


def test_a_forgotten_password_is_reset_through_the_mailed_link(
    page: Page, mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    page.goto(f"{mail_server.base_url}/web/smartlocks")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(user.email)
    shoot(page, "password-forgot")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    mail = smtp.mailbox.wait_for(user.email, 2)[1]  # after the new account's verification
    assert mail["Subject"] == "Reset your nukiweb password"
    page.goto(link_in(mail))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("reset in a browser")
    page.get_by_label("New password again").fill("reset in a browser")
    shoot(page, "password-reset")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    sign_in(page, user.email, user.password)  # the old password no longer works
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    sign_in(page, user.email, "reset in a browser")
    expect(page.get_by_role("link", name="Account")).to_be_visible()

    page.goto(link_in(mail))  # the link was used
    expect(page.get_by_role("heading", name="That did not work")).to_be_visible()
    expect(page.get_by_text("already been used")).to_be_visible()


def test_an_email_change_is_confirmed_through_the_mailed_link(
    page: Page, mail_server: RunningServer, smtp: SmtpServer, user: AccountFixture
) -> None:
    page.goto(f"{mail_server.base_url}/web/account")
    sign_in(page, user.email, user.password)
    new_email = unique_email("browser")
    page.get_by_label("New email").fill(new_email)
    page.get_by_role("button", name="Change email").click()
    expect(page.get_by_role("status").first).to_contain_text("Check your inbox")
    expect(page.get_by_text(f"Pending: {new_email}")).to_be_visible()
    shoot(page, "account-email-pending")

    page.goto(link_in(smtp.mailbox.wait_for(new_email)[0]))
    page.get_by_role("button", name=f"Confirm {new_email}").click()
    expect(page.get_by_role("heading", name="Your email address is confirmed")).to_be_visible()
    page.get_by_role("link", name="Your account").click()
    expect(page.locator(".current-email")).to_contain_text(new_email)
    expect(page.locator(".current-email")).to_contain_text("(confirmed)")
    shoot(page, "account-profile")
