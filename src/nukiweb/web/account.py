"""The account's profile page (name, language, password, email) and the pages that mailed links
lead to: confirming an email address, and resetting a forgotten password ("Forgot password?"
on the sign-in page).

A link's page shows a button; only the button's POST changes anything, so that a mail scanner
that follows the link uses nothing up. The link pages need no session (whoever holds the link
may use it) and carry no CSRF token: the link's token is the proof, and a form posted from
another site without it changes nothing.
"""

from __future__ import annotations

from functools import partial

from anyio import to_thread
from fastapi import Request
from fastapi.responses import Response

from nukiweb.api.errors import status_of
from nukiweb.domain.errors import InvalidParameter, NukiwebError
from nukiweb.services import account_links, accounts, email_and_password
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.pages import (
    SIGN_IN_PATH,
    context_of,
    current_session,
    form_text,
    page_router,
    posted_form,
    redirect,
    render,
    require_session,
)

PROFILE_PATH = "/web/account"
VERIFY_EMAIL_PATH = account_links.VERIFY_EMAIL_PATH
FORGOT_PASSWORD_PATH = "/web/password/forgot"  # noqa: S105 - a path
RESET_PASSWORD_PATH = account_links.RESET_PASSWORD_PATH
LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "it": "Italiano",
    "es": "Español",
    "nl": "Nederlands",
    "cs": "Čeština",
    "pl": "Polski",
}
NOTICES = {
    "saved": "Your profile is saved.",
    "email": "Check your inbox: the new address changes when you follow the link we mailed to it.",
    "verify": "Check your inbox: we mailed you a link to confirm your address.",
}
MAX_PASSWORD_LENGTH = 1024

router = page_router()


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


# --- profile ------------------------------------------------------------------------------


@router.get(PROFILE_PATH)
async def profile_page(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    return _profile(request, session, notice=NOTICES.get(notice or ""))


def _profile(
    request: Request,
    session: WebSession,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    ctx = context_of(request)
    account = accounts.get_my_account(ctx, session.caller)
    languages = dict(LANGUAGES)
    languages.setdefault(account.language, account.language)
    return render(
        request,
        "account.html",
        session,
        status_code=status,
        page="account",
        section="profile",
        account=account,
        languages=languages,
        pending_email=account_links.pending_email(ctx, account.account_id, account.email),
        notice=notice,
        error=error,
    )


@router.post(PROFILE_PATH + "/profile")
async def save_profile(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    changes = {"name": form_text(form, "name", 100), "language": form_text(form, "language", 8)}
    try:
        accounts.update_my_account(
            context_of(request), session.caller, changes, delete_api_tokens=False
        )
    except NukiwebError as error:
        return _profile(request, session, error=error.message, status=status_of(error))
    return redirect(f"{PROFILE_PATH}?notice=saved")


@router.post(PROFILE_PATH + "/password")
async def change_password(request: Request) -> Response:
    """A new password, with the current one: it ends every session (this one too) and OAuth2
    grant, and the API tokens if asked, as ``POST /account`` does."""
    session = require_session(request)
    form = await posted_form(request, session)
    current = form_text(form, "current_password", MAX_PASSWORD_LENGTH)
    new = form_text(form, "new_password", MAX_PASSWORD_LENGTH)
    if new != form_text(form, "new_password_again", MAX_PASSWORD_LENGTH):
        return _profile(request, session, error="The new passwords differ.", status=400)
    try:
        await to_thread.run_sync(
            partial(
                email_and_password.change_password,
                context_of(request),
                session.caller,
                current,
                new,
                delete_api_tokens=form.get("delete_api_tokens") == "on",
            )
        )
    except NukiwebError as error:
        return _profile(request, session, error=error.message, status=status_of(error))
    return render(
        request,
        "message.html",
        heading="Your password is changed",
        message="Please sign in again with your new password.",
        link=SIGN_IN_PATH,
        link_text="Sign in",
    )


@router.post(PROFILE_PATH + "/email")
async def change_email(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    try:
        email_and_password.request_email_change(
            context_of(request), session.caller, form_text(form, "email", 254)
        )
    except NukiwebError as error:
        return _profile(request, session, error=error.message, status=status_of(error))
    return redirect(f"{PROFILE_PATH}?notice=email")


@router.post(PROFILE_PATH + "/email/verify")
async def resend_verification(request: Request) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    try:
        email_and_password.resend_verification(context_of(request), session.caller)
    except NukiwebError as error:
        return _profile(request, session, error=error.message, status=status_of(error))
    return redirect(f"{PROFILE_PATH}?notice=verify")


# --- the verification link ----------------------------------------------------------------


@router.get(VERIFY_EMAIL_PATH)
async def verification_page(request: Request, token: str = "") -> Response:
    link = email_and_password.verification_link(context_of(request), token[:100], _client(request))
    return render(
        request, "verify_email.html", current_session(request), email=link.email, token=token
    )


@router.post(VERIFY_EMAIL_PATH)
async def verify_email(request: Request) -> Response:
    form = await request.form()
    ctx = context_of(request)
    email = email_and_password.verify_email(ctx, form_text(form, "token", 100), _client(request))
    return render(
        request,
        "message.html",
        current_session(request),
        heading="Your email address is confirmed",
        message=f"{email} is the email address of your account.",
        link=PROFILE_PATH,
        link_text="Your account",
    )


# --- forgotten password -------------------------------------------------------------------


@router.get(FORGOT_PASSWORD_PATH)
async def forgot_password_page(request: Request) -> Response:
    return render(request, "password_forgot.html")


@router.post(FORGOT_PASSWORD_PATH)
async def forgot_password(request: Request) -> Response:
    form = await request.form()
    email = form_text(form, "email", 254)
    try:
        email_and_password.request_password_reset(
            context_of(request), email, form.get("delete_api_tokens") == "on"
        )
    except InvalidParameter:
        return render(
            request,
            "password_forgot.html",
            status_code=400,
            email=email,
            error="Please enter an email address.",
        )
    return render(
        request,
        "message.html",
        heading="Check your inbox",
        message=f"If {email} is the address of a nukiweb account, a link to choose a new "
        "password is on its way. It works once, for an hour.",
        link=SIGN_IN_PATH,
        link_text="Back to sign in",
    )


@router.get(RESET_PASSWORD_PATH)
async def reset_password_page(request: Request, token: str = "") -> Response:
    link = email_and_password.reset_link(context_of(request), token[:100], _client(request))
    return render(request, "password_reset.html", email=link.email, token=token)


@router.post(RESET_PASSWORD_PATH)
async def reset_password(request: Request) -> Response:
    form = await request.form()
    ctx = context_of(request)
    token = form_text(form, "token", 100)
    password = form_text(form, "password", MAX_PASSWORD_LENGTH)
    if password != form_text(form, "password_again", MAX_PASSWORD_LENGTH):
        link = email_and_password.reset_link(ctx, token, _client(request))
        return render(
            request,
            "password_reset.html",
            status_code=400,
            email=link.email,
            token=token,
            error="The passwords differ.",
        )
    try:
        await to_thread.run_sync(
            email_and_password.reset_password, ctx, token, password, _client(request)
        )
    except InvalidParameter as error:  # too short: the form again, the link still unused
        link = email_and_password.reset_link(ctx, token, _client(request))
        return render(
            request,
            "password_reset.html",
            status_code=400,
            email=link.email,
            token=token,
            error=error.message,
        )
    return render(
        request,
        "message.html",
        heading="Your password is changed",
        message="Sign in with your new password.",
        link=SIGN_IN_PATH,
        link_text="Sign in",
    )
