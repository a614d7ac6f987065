"""The web pages of nukiweb (sign in, OAuth2 consent, the Web API page, smart locks, users,
activity log) and the OAuth2 endpoints, server-rendered with Jinja2."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from nukiweb.api.errors import error_response, status_of
from nukiweb.domain.errors import NukiwebError
from nukiweb.web import api_page, devices, oauth, sign_in
from nukiweb.web.pages import (
    HOME_PATH,
    STATIC_PATH,
    CsrfRejected,
    SignInRequired,
    current_session,
    redirect,
    render,
    sign_in_url,
)

ROUTERS = (sign_in.router, oauth.router, api_page.router, devices.router)
PAGES_PREFIX = "/web/"


def install(app: FastAPI) -> None:
    app.mount(STATIC_PATH, StaticFiles(directory=Path(__file__).parent / "static"), name="web")
    for router in ROUTERS:
        app.include_router(router)

    async def home() -> Response:
        return redirect(HOME_PATH)

    app.add_api_route("/web", home, include_in_schema=False)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(_request: Request, error: SignInRequired) -> Response:
        return redirect(sign_in_url(error.next_url))

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, _error: CsrfRejected) -> Response:
        return render(
            request,
            "error.html",
            current_session(request),
            status_code=403,
            heading="This form has expired",
            message="Please go back, reload the page and try again.",
        )

    @app.exception_handler(NukiwebError)
    async def domain_error(request: Request, error: NukiwebError) -> Response:
        """Errors of the pages as pages; of the API as the vendor's JSON body."""
        if not request.url.path.startswith(PAGES_PREFIX):
            return error_response(status_of(error), error.message)
        return render(
            request,
            "error.html",
            current_session(request),
            status_code=status_of(error),
            heading="That did not work",
            message=error.message,
        )
