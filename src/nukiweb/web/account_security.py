"""The account's security page: two-factor sign-in with one-time passwords (services/otp.py).

Setting up makes a pending secret, shown as a QR code (drawn here, by segno, as inline SVG: the
pages load nothing from elsewhere) and as text; a code of it confirms it. Disabling asks for a
current code: a session left open somewhere is not enough to remove the second step.
"""

from __future__ import annotations

import segno
from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from nukiweb.api.errors import status_of
from nukiweb.domain import otp as otp_rules
from nukiweb.domain.errors import NukiwebError
from nukiweb.services import otp
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.pages import (
    context_of,
    form_text,
    page_router,
    posted_form,
    redirect,
    render,
    require_session,
)

SECURITY_PATH = "/web/account/security"
NOTICES = {
    "enabled": "Two-factor sign-in is enabled: signing in asks for a code from now on.",
    "disabled": "Two-factor sign-in is disabled.",
}

router = page_router()


@router.get(SECURITY_PATH)
async def security_page(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    return _security_page(request, session, notice=NOTICES.get(notice or ""))


@router.post(f"{SECURITY_PATH}/setup")
async def set_up(request: Request) -> Response:
    """A new pending secret (replacing one not confirmed yet), shown on the page."""
    session = require_session(request)
    await posted_form(request, session)
    otp.create_secret(context_of(request), session.caller)
    return redirect(SECURITY_PATH)


@router.post(f"{SECURITY_PATH}/enable")
async def enable(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    try:
        otp.enable(context_of(request), session.caller, form_text(form, "otp", 100))
    except NukiwebError as error:
        return _security_page(request, session, error=_said(error), status=status_of(error))
    return redirect(f"{SECURITY_PATH}?notice=enabled")


@router.post(f"{SECURITY_PATH}/disable")
async def disable(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    ctx = context_of(request)
    try:
        otp.verify(ctx, session.account.account_id, form_text(form, "otp", 100))
    except otp.OtpNotEnabled:
        return redirect(SECURITY_PATH)
    except NukiwebError as error:
        return _security_page(request, session, error=_said(error), status=status_of(error))
    otp.disable(ctx, session.account.account_id)
    return redirect(f"{SECURITY_PATH}?notice=disabled")


def _said(error: NukiwebError) -> str:
    if isinstance(error, otp.OtpWrong):
        return "The code is not correct. Enter the current code of your authenticator app."
    if isinstance(error, otp.OtpEmpty):
        return "Enter the code."
    return error.message


def _security_page(
    request: Request,
    session: WebSession,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    status_now = otp.status(context_of(request), session.account.account_id)
    pending = None if status_now.enabled else status_now.pending_secret
    qr_code = None
    if pending is not None:
        uri = otp_rules.provisioning_uri(pending, session.account.email)
        svg = segno.make_qr(uri, error="m").svg_inline(scale=4, border=2, title="QR code")
        qr_code = Markup(svg)  # noqa: S704 - drawn here by segno from our own URI
    return render(
        request,
        "account_security.html",
        session,
        status_code=status,
        page="account",
        section="security",
        status=status_now,
        pending_secret=pending,
        qr_code=qr_code,
        notice=notice,
        error=error,
    )
