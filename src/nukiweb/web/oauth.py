"""The OAuth2 endpoints (doc §4.4): ``/oauth/authorize`` with its consent page and
``/oauth/token``. The grant logic is in ``services.oauth`` (Authlib); this is the HTTP side."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from http import HTTPStatus
from typing import Any

from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import Connection

from nukiweb.api.errors import UNAVAILABLE_HEADERS, log_unavailable
from nukiweb.api.routing import CheckedRoute
from nukiweb.api.swagger import OAUTH2_REDIRECT_PATH
from nukiweb.domain.scopes import CONSENT_LABELS, Scope
from nukiweb.services.context import ServiceContext
from nukiweb.services.oauth import (
    NukiAuthorizationServer,
    OAuthRequest,
    ResourceOwner,
    requested_scopes,
)
from nukiweb.store.faults import StoreUnavailable
from nukiweb.web.pages import (
    SECURITY_HEADERS,
    context_of,
    current_session,
    page_router,
    posted_form,
    redirect,
    render,
    sign_in_url,
    this_url,
)

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
MAX_FORM_FIELDS = 50


class TokenRoute(CheckedRoute):
    """The token endpoint is not a page: its errors are RFC 6749 JSON, and so is a store that
    cannot answer (``temporarily_unavailable``, the RFC's word for it)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_token(request: Request) -> Response:
            try:
                return await handle(request)
            except StoreUnavailable as error:
                log_unavailable(request, error)
                body = {"error": "temporarily_unavailable"}
                headers = {**UNAVAILABLE_HEADERS, "Cache-Control": "no-store"}
                return JSONResponse(body, status_code=503, headers=headers)

        return handle_token


router = page_router()
token_router = APIRouter(include_in_schema=False, route_class=TokenRoute)


@router.get(AUTHORIZE_PATH)
async def authorize(request: Request) -> Response:
    """Checks the request before anything else (an unknown client or a redirect URI not on the
    key's list is answered here, never redirected), then asks the signed-in account."""
    ctx = context_of(request)
    with ctx.db.transaction() as conn:
        server = _server(ctx, conn)
        try:
            oauth_request = _oauth_request(ctx, conn, request, request.query_params.multi_items())
            grant = server.get_consent_grant(oauth_request)
        except OAuth2Error as error:
            return _error_response(request, error)
    session = current_session(request)
    if session is None:
        return redirect(sign_in_url(this_url(request)))
    scopes = sorted(requested_scopes(grant.request.scope), key=list(Scope).index)
    return render(
        request,
        "consent.html",
        session,
        action=this_url(request),
        permissions=[CONSENT_LABELS[scope] for scope in scopes],
    )


@router.post(AUTHORIZE_PATH)
async def decide(request: Request) -> Response:
    """Allow or Cancel on the consent page: a redirect to the app with a code or token, or
    with ``error=access_denied``."""
    session = current_session(request)
    if session is None:
        return redirect(sign_in_url(this_url(request)))
    form = await posted_form(request, session)
    owner = ResourceOwner(session.account.account_id) if form.get("decision") == "allow" else None
    ctx = context_of(request)
    with ctx.db.transaction() as conn:
        server = _server(ctx, conn)
        try:
            oauth_request = _oauth_request(ctx, conn, request, request.query_params.multi_items())
            grant = server.get_consent_grant(oauth_request, end_user=owner)
        except OAuth2Error as error:
            return _error_response(request, error)
        status, body, headers = server.create_authorization_response(
            oauth_request, grant_user=owner, grant=grant
        )
    return _response(request, status, body, headers)


@token_router.post(TOKEN_PATH)
async def token(request: Request) -> Response:
    """The token endpoint: form-encoded, answered with JSON (RFC 6749 §5)."""
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    parameters = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    ctx = context_of(request)
    with ctx.db.transaction() as conn:
        server = _server(ctx, conn)
        try:
            oauth_request = _oauth_request(ctx, conn, request, parameters)
        except OAuth2Error as error:
            return _json(*error())
        status, body, headers = server.create_token_response(oauth_request)
    return _json(status, body, headers)


def _server(ctx: ServiceContext, conn: Connection) -> NukiAuthorizationServer:
    # Swagger UI of this server may always receive tokens: the doc's way to try the API (§3.2)
    # is to paste the API key into it and sign in. Its address is the public URL's, never the
    # request's Host, which any client may set.
    swagger = ctx.public_url + OAUTH2_REDIRECT_PATH
    return NukiAuthorizationServer(ctx, conn, frozenset({swagger}))


def _oauth_request(
    ctx: ServiceContext,
    conn: Connection,
    request: Request,
    parameters: Iterable[tuple[str, str]],
) -> OAuthRequest:
    """The request as Authlib reads it, at the public URL (where Authlib checks that OAuth runs
    over https, or on loopback)."""
    return OAuthRequest(
        conn,
        request.method,
        ctx.public_url + this_url(request),
        request.headers,
        parameters,
    )


def _error_response(request: Request, error: OAuth2Error) -> Response:
    status, body, headers = error()
    return _response(request, status, body, headers)


def _response(
    request: Request, status: int, body: object, headers: list[tuple[str, str]]
) -> Response:
    """A redirect back to the app, or, when there is nowhere safe to redirect to, a page that
    says what is wrong with the request."""
    location = dict(headers).get("Location")
    if status == HTTPStatus.FOUND and location:
        return RedirectResponse(location, status_code=302, headers=SECURITY_HEADERS)
    error = body if isinstance(body, dict) else {}
    return render(
        request,
        "oauth_error.html",
        status_code=status,
        error_code=error.get("error", "invalid_request"),
        description=error.get("error_description", ""),
    )


def _json(status: int, body: object, headers: list[tuple[str, str]]) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=dict(headers))
