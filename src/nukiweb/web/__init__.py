"""The web pages of nukiweb (sign in, OAuth2 consent, the Web API page, smart locks, users,
activity log, short rental, account settings) and the OAuth2 endpoints, server-rendered with
Jinja2."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from nukiweb.web import (
    access,
    account,
    account_security,
    address_buttons,
    api_page,
    device_page,
    devices,
    integrations,
    live,
    oauth,
    short_rental,
    sign_in,
    simulator_panel,
    sub_accounts,
)
from nukiweb.web import subscriptions as subscription_pages
from nukiweb.web.pages import HOME_PATH, STATIC_PATH, redirect

ROUTERS = (
    sign_in.router,
    oauth.router,
    oauth.token_router,
    api_page.router,
    devices.router,
    short_rental.router,
    address_buttons.router,
    subscription_pages.router,
    account_security.router,
    integrations.router,
    sub_accounts.router,
    account.router,
    live.router,
    access.router,
    device_page.router,
    simulator_panel.router,
)


def install(app: FastAPI) -> None:
    live.install_streams(app)
    app.mount(STATIC_PATH, StaticFiles(directory=Path(__file__).parent / "static"), name="web")
    for router in ROUTERS:
        app.include_router(router)

    async def home() -> Response:
        return redirect(HOME_PATH)

    app.add_api_route("/web", home, include_in_schema=False)
