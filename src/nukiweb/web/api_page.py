"""The Web API page (doc §3.2, §4.3): activate and deactivate the Web API, the OAuth2 API key
with its redirect URLs and client secret, and the account's API tokens."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from nukiweb.domain.accounts import ApiKey
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.scopes import SCOPE_LABELS, TOKEN_DIALOG_SCOPES
from nukiweb.services import api_keys
from nukiweb.services.web_sessions import WebSession as Session
from nukiweb.web.pages import (
    context_of,
    form_text,
    page_router,
    posted_form,
    redirect,
    render,
    require_session,
)

PAGE = "/web/api"
TOKEN_FORM = "/web/api/tokens/new"  # noqa: S105 - a path

router = page_router()


@router.get(PAGE)
async def web_api(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    return _page(request, session, notice=_NOTICES.get(notice or ""))


@router.post(f"{PAGE}/activate")
async def activate(request: Request) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    if _api_key(request, session) is None:
        api_keys.create_api_key(context_of(request), session.caller, None, [])
    return redirect(f"{PAGE}?notice=activated")


@router.post(f"{PAGE}/deactivate")
async def deactivate(request: Request) -> Response:
    """Deletes the API key and, with it, every API token and OAuth2 grant (doc §3.2)."""
    session = require_session(request)
    await posted_form(request, session)
    key = _api_key(request, session)
    if key is not None:
        api_keys.delete_api_key(context_of(request), session.caller, key.api_key_id)
    return redirect(f"{PAGE}?notice=deactivated")


@router.post(f"{PAGE}/redirect-urls")
async def save_redirect_urls(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    key = _required_api_key(request, session)
    entered = form_text(form, "redirect_urls", 20_000)
    urls = [url.strip() for url in entered.split(",") if url.strip()]
    try:
        api_keys.update_api_key(
            context_of(request), session.caller, key.api_key_id, {"redirectUris": urls}
        )
    except InvalidParameter as error:
        return _page(request, session, status_code=400, error=error.message, redirect_urls=entered)
    return redirect(f"{PAGE}?notice=saved")


@router.post(f"{PAGE}/client-secret")
async def create_client_secret(request: Request) -> Response:
    """A new client secret, shown this once; the previous one stops working."""
    session = require_session(request)
    await posted_form(request, session)
    key = _required_api_key(request, session)
    secret = api_keys.create_client_secret(context_of(request), session.caller, key.api_key_id)
    return _page(request, session, client_secret=secret)


@router.get(TOKEN_FORM)
async def token_form(request: Request) -> Response:
    session = require_session(request)
    _required_api_key(request, session)
    return _token_form(request, session)


@router.post(f"{PAGE}/tokens")
async def generate_token(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    key = _required_api_key(request, session)
    name = form_text(form, "name", 255)
    scopes = [value for value in form.getlist("scopes") if isinstance(value, str)]
    try:
        token, value = api_keys.create_token(
            context_of(request), session.caller, key.api_key_id, name or None, scopes
        )
    except InvalidParameter as error:
        return _token_form(request, session, 400, error=error.message, name=name, checked=scopes)
    return render(
        request,
        "token_created.html",
        session,
        page="api",
        token=token,
        value=value,
        labels=[SCOPE_LABELS[scope] for scope in TOKEN_DIALOG_SCOPES if scope in token.scopes],
    )


@router.post(PAGE + "/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: str) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    key = _required_api_key(request, session)
    api_keys.delete_token(context_of(request), session.caller, key.api_key_id, token_id[:24])
    return redirect(f"{PAGE}?notice=revoked")


_NOTICES = {
    "activated": "The Nuki Web API is active.",
    "deactivated": "The Nuki Web API is deactivated: its API tokens are deleted.",
    "saved": "The OAuth2 redirect URLs are saved.",
    "revoked": "The API token is revoked.",
}


def _api_key(request: Request, session: Session) -> ApiKey | None:
    """The account's API key: Nuki Web shows one (the API can make more; the first is shown)."""
    keys = api_keys.list_api_keys(context_of(request), session.caller)
    return keys[0] if keys else None


def _required_api_key(request: Request, session: Session) -> ApiKey:
    key = _api_key(request, session)
    if key is None:
        raise InvalidParameter("apiKey", None, "Activate the Nuki Web API first.")
    return key


def _page(
    request: Request,
    session: Session,
    status_code: int = 200,
    redirect_urls: str | None = None,
    **values: object,
) -> Response:
    key = _api_key(request, session)
    tokens = (
        []
        if key is None
        else api_keys.list_tokens(context_of(request), session.caller, key.api_key_id)
    )
    if redirect_urls is None and key is not None:
        redirect_urls = ", ".join(key.redirect_uris)
    return render(
        request,
        "web_api.html",
        session,
        status_code=status_code,
        page="api",
        api_key=key,
        tokens=tokens,
        redirect_urls=redirect_urls or "",
        swagger_url=context_of(request).public_url + "/",
        labels=SCOPE_LABELS,
        **values,
    )


def _token_form(
    request: Request,
    session: Session,
    status_code: int = 200,
    error: str | None = None,
    name: str = "",
    checked: list[str] | None = None,
) -> Response:
    return render(
        request,
        "token_form.html",
        session,
        status_code=status_code,
        page="api",
        error=error,
        name=name,
        choices=[(scope.value, SCOPE_LABELS[scope]) for scope in TOKEN_DIALOG_SCOPES],
        checked=set(checked if checked is not None else [s.value for s in TOKEN_DIALOG_SCOPES]),
    )
