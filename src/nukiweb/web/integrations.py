"""Account settings, Integrations: what has access to the account (its API tokens and the
OAuth2 apps it allowed, a master account's sub-accounts' too), each with a Revoke button."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from nukiweb.api.models.common import INT32_MAX
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.integrations import VendorKey
from nukiweb.domain.scopes import SCOPE_LABELS
from nukiweb.services import integrations
from nukiweb.web.pages import (
    context_of,
    form_text,
    page_router,
    posted_form,
    redirect,
    render,
    require_rights,
    require_session,
)

PAGE = "/web/account/integrations"
KINDS = {VendorKey.OAUTH_APP: "App (OAuth2)", VendorKey.API_TOKEN: "API token"}

router = page_router()


@router.get(PAGE)
async def integrations_page(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    require_rights(session, "Account", "GET", "/account/integration")
    found = integrations.list_integrations(context_of(request), session.caller)
    return render(
        request,
        "integrations.html",
        session,
        page="account",
        section="integrations",
        integrations=found,
        kinds=KINDS,
        labels={scope.value: label for scope, label in SCOPE_LABELS.items()},
        notice="The integration is revoked: it no longer has access." if notice else None,
    )


@router.post(f"{PAGE}/revoke")
async def revoke(request: Request) -> Response:
    """One API token (its key and token id), or an app's every grant (its key id alone)."""
    session = require_session(request)
    form = await posted_form(request, session)
    require_rights(session, "Account", "DELETE", "/account/integration")
    key = form_text(form, "api_key_id", 20)
    if not key.isdecimal() or int(key) > INT32_MAX:  # the ids of API keys
        raise InvalidParameter("apiKeyId", key)
    token_id = form_text(form, "token_id", 24) or None
    integrations.revoke(context_of(request), session.caller, int(key), token_id)
    return redirect(f"{PAGE}?notice=revoked")
