"""Every page of the demo, signed in, at a desktop's and a phone's width in the real Chromium:
each answers, fits the phone's width without scrolling sideways, labels every field it asks for,
breaks no rule of its Content-Security-Policy, and leaves a screenshot in
``artifacts/screenshots/`` (``demo-<page>-desktop.png``, ``demo-<page>-phone.png``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from nukiweb.domain.devices import DeviceType
from nukiweb.domain.identity import acting_for
from nukiweb.services import account_users, accounts, addresses, authorizations, demo, smartlocks
from nukiweb.services.context import ServiceContext
from tests.browser.support import shoot, sign_in
from tests.browser.test_smartlocks_page import console_errors
from tests.support import RunningServer, running_server

WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}

# Fields without a label a screen reader can name (a hidden field needs none).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((field) => field.type !== 'hidden' && field.offsetParent !== null)
  .filter((field) => !(field.labels && field.labels.length) && !field.getAttribute('aria-label')
    && !field.getAttribute('aria-labelledby'))
  .map((field) => field.outerHTML)"""
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own, seeded as ``nukiweb serve --demo`` seeds it."""
    database = Path(tmp_path_factory.mktemp("tour")) / "demo.db"
    with running_server(f"sqlite:///{database}") as server:
        demo.seed_demo(server.ctx)
        yield server


def tour(ctx: ServiceContext) -> dict[str, str]:
    """The pages to visit, by the name of their screenshots."""
    account_id = accounts.find_account_by_email(ctx, demo.DEMO_EMAIL).account_id
    account = acting_for(account_id, "page tour")
    address = addresses.list_addresses(ctx, account)[0]
    devices = {device.type: device.smartlock_id for device in smartlocks.list_devices(ctx, account)}
    user = account_users.list_users(ctx, account, None, 0, 1)[0]
    code = next(auth for auth in authorizations.list_authorizations(ctx, account) if auth.code)
    auth_path = f"/web/users/authorizations/{code.smartlock_id}/{code.id}"
    return {
        "smartlocks": "/web/smartlocks",
        **{
            f"device-{kind.name.lower().replace('_', '-')}": f"/web/smartlocks/{devices[kind]}"
            for kind in DeviceType
            if kind in devices
        },
        "users": "/web/users",
        "user-new": "/web/users/new",
        "user-edit": f"/web/users/{user.account_user_id}/edit",
        "authorization-new": "/web/users/authorizations/new",
        "authorization-edit": f"{auth_path}/edit",
        "authorization-delete": f"{auth_path}/delete",
        "simulator": "/web/simulator",
        "activity": "/web/activity",
        "short-rental": "/web/short-rental",
        "short-rental-address": f"/web/short-rental/{address.address_id}",
        "web-api": "/web/api",
        "account": "/web/account",
        "account-security": "/web/account/security",
        "sub-accounts": "/web/account/sub-accounts",
        "integrations": "/web/account/integrations",
        "subscriptions": "/web/account/subscriptions",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_names_its_fields_and_is_photographed(
    browser: Browser, demo_server: RunningServer, width: str
) -> None:
    context = browser.new_context(viewport=WIDTHS[width])
    page: Page = context.new_page()
    errors = console_errors(page)
    page.goto(demo_server.base_url + "/web/login")
    sign_in(page, demo.DEMO_EMAIL, demo.DEMO_PASSWORD)
    page.wait_for_url("**/web/smartlocks")
    problems: dict[str, object] = {}
    for name, path in tour(demo_server.ctx).items():
        response = page.goto(demo_server.base_url + path)
        assert response is not None
        assert response.status == 200, path
        if unlabelled := page.evaluate(UNLABELLED):
            problems[f"{path}: fields without a label"] = unlabelled
        if width == "phone" and (overflow := page.evaluate(SIDEWAYS)) > 0:
            problems[f"{path}: wider than the phone by"] = f"{overflow}px"
        shoot(page, f"demo-{name}-{width}")
    context.close()
    assert problems == {}
    assert errors == []
