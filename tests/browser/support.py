"""Steps the browser tests share."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser.conftest import SCREENSHOTS


def shoot(page: Page, name: str) -> None:
    """Keeps a screenshot of the page as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)


def sign_in(page: Page, email: str, password: str) -> None:
    """Fills in and submits the sign-in form the page shows."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
