"""Sign in and sign out. The sign-in form is protected like the others, with a token that a
cookie of its own carries (there is no session yet to keep it).

An account with two-factor sign-in (one-time passwords, services/otp.py) signs in in two steps:
the right password gives a short-lived proof (sealed, in a cookie of the sign-in path) and the
code's form; the right code gives the session. ``next`` (such as the OAuth consent page) is
kept through both."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from anyio import to_thread
from fastapi import Request
from fastapi.responses import Response

from nukiweb.secrets import same
from nukiweb.services import otp, web_sessions
from nukiweb.services.web_sessions import (
    SECOND_STEP_LIFETIME,
    SecondStep,
    SignInFailed,
    SignInThrottled,
)
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
# The proof that the password was right, while the one-time password is asked for.
SECOND_STEP_COOKIE = "nukiweb_sign_in_step"
SECOND_STEP_PATH = f"{SIGN_IN_PATH}/otp"

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
    ctx = context_of(request)
    try:
        # argon2 takes a while: in a thread, while the event loop serves others.
        account_id = await to_thread.run_sync(
            web_sessions.check_password, ctx, email, form_text(form, "password", 1024), address
        )
    except SignInThrottled as error:
        return _sign_in_form(request, next_url, email, str(error), status=429)
    except SignInFailed as error:
        return _sign_in_form(request, next_url, email, str(error), status=401)
    if otp.is_enabled(ctx, account_id):
        proof, _step = web_sessions.second_step_proof(ctx, account_id)
        response = redirect(f"{SECOND_STEP_PATH}?next={quote(next_url, safe='')}")
        response.set_cookie(
            SECOND_STEP_COOKIE,
            proof,
            max_age=int(SECOND_STEP_LIFETIME.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
            path=SIGN_IN_PATH,
        )
        return response
    return _signed_in(request, next_url, web_sessions.open_session(ctx, account_id))


@router.get(SECOND_STEP_PATH)
async def second_step_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    """The one-time password's form, after the right password of an account with two-factor
    sign-in."""
    next_url = local_path(next)
    step = _second_step(request)
    if step is None:
        return redirect(sign_in_url(next_url))
    return _second_step_form(request, step, next_url)


@router.post(SECOND_STEP_PATH)
async def second_step(request: Request) -> Response:
    form = await request.form()
    next_url = local_path(form_text(form, "next"))
    step = _second_step(request)
    token = form_text(form, "csrf_token")
    if step is None or not token or not same(token, step.csrf_token):
        message = "The sign-in has expired. Please sign in again."
        return _sign_in_form(request, next_url, error=message, status=403)
    ctx = context_of(request)
    try:
        otp.verify(ctx, step.account_id, form_text(form, "otp", 100))
    except otp.OtpNotEnabled:
        pass  # disabled since the password was given (by the operator): the password will do
    except otp.OtpEmpty:
        return _second_step_form(request, step, next_url, "Enter the code.", status=400)
    except otp.OtpThrottled as error:
        return _second_step_form(request, step, next_url, str(error), status=429)
    except otp.OtpWrong:
        message = "The code is not correct. Enter the current code of your authenticator app."
        return _second_step_form(request, step, next_url, message, status=401)
    response = _signed_in(request, next_url, web_sessions.open_session(ctx, step.account_id))
    response.delete_cookie(SECOND_STEP_COOKIE, path=SIGN_IN_PATH)
    return response


def _second_step(request: Request) -> SecondStep | None:
    proof = request.cookies.get(SECOND_STEP_COOKIE)
    return None if not proof else web_sessions.open_second_step(context_of(request), proof)


def _second_step_form(
    request: Request, step: SecondStep, next_url: str, error: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "sign_in_otp.html",
        status_code=status,
        csrf_token=step.csrf_token,
        next_url=next_url,
        error=error,
    )


def _signed_in(request: Request, next_url: str, session_id: str) -> Response:
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
