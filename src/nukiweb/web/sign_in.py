"""Sign in and sign out. The sign-in form is protected like the others, with a token that a
cookie of its own carries (there is no session yet to keep it)."""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.responses import Response

from nukiweb.secrets import same
from nukiweb.services import web_sessions
from nukiweb.services.web_sessions import SignInFailed, SignInThrottled
from nukiweb.web.pages import (
    SESSION_COOKIE,
    SIGN_IN_PATH,
    clear_session_cookie,
    context_of,
    current_session,
    form_text,
    local_path,
    page_router,
    posted_form,
    redirect,
    render,
    secure_cookies,
    set_session_cookie,
    sign_in_url,
)

SIGN_IN_COOKIE = "nukiweb_sign_in"

router = page_router()


@router.get(SIGN_IN_PATH)
async def sign_in_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    next_url = local_path(next)
    if current_session(request) is not None:
        return redirect(next_url)
    return _sign_in_form(request, next_url)


@router.post(SIGN_IN_PATH)
async def sign_in(request: Request) -> Response:
    form = await request.form()
    next_url = local_path(form_text(form, "next"))
    token = form_text(form, "csrf_token")
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not token or not expected or not same(token, expected):
        return _sign_in_form(
            request, next_url, error="The form has expired. Please sign in again.", status=403
        )
    email = form_text(form, "email", 254)
    address = request.client.host if request.client else ""
    try:
        session_id = web_sessions.sign_in(
            context_of(request), email, form_text(form, "password", 1024), address
        )
    except SignInThrottled as error:
        return _sign_in_form(request, next_url, email, str(error), status=429)
    except SignInFailed as error:
        return _sign_in_form(request, next_url, email, str(error), status=401)
    response = redirect(next_url)
    set_session_cookie(response, request, session_id)
    response.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH)
    return response


@router.post("/web/logout")
async def sign_out(request: Request) -> Response:
    """Signs out; ``next`` (the consent page's "Not you") leads to signing in again."""
    session = current_session(request)
    next_url = SIGN_IN_PATH
    if session is not None:
        form = await posted_form(request, session)
        if form_text(form, "next"):
            next_url = sign_in_url(local_path(form_text(form, "next")))
        web_sessions.sign_out(context_of(request), request.cookies[SESSION_COOKIE])
    response = redirect(next_url)
    clear_session_cookie(response, request)
    return response


def _sign_in_form(
    request: Request, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        status_code=status,
        csrf_token=token,
        next_url=next_url,
        email=email,
        error=error,
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path=SIGN_IN_PATH,
    )
    return response
