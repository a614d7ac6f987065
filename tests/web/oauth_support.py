"""An OAuth2 app registered by one account (the developer) and used by another (the user)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from nukiweb.services import api_keys
from tests.support import AccountFixture, RunningServer
from tests.web.support import WebClient, csrf_token

CALLBACK = "https://app.example.com/callback"


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str | None
    api_key_id: int
    redirect_uri: str = CALLBACK


def register_app(
    developer: AccountFixture,
    redirect_uris: list[str] | None = None,
    *,
    with_secret: bool = True,
) -> OAuthApp:
    """The developer activates an API key with redirect URIs (and a client secret)."""
    uris = redirect_uris or [CALLBACK]
    created = developer.api.put("/api/key", json={"description": "app", "redirectUris": uris})
    assert created.status_code == 200, created.text
    key = created.json()
    secret = None
    if with_secret:
        caller = developer.api.server.ctx.tokens.authenticate(f"Bearer {developer.token}")
        secret = api_keys.create_client_secret(developer.api.server.ctx, caller, key["apiKeyId"])
    return OAuthApp(key["apiKey"], secret, key["apiKeyId"], uris[0])


def consent(web: WebClient, authorize_url: str, decision: str = "allow") -> httpx.Response:
    """A signed-in user answers the consent page of ``authorize_url``."""
    path = authorize_url.removeprefix(web.server.base_url)
    page = web.get(path)
    assert page.status_code == 200, page.text
    assert "This app would like to:" in page.text
    return web.http.post(path, data={"csrf_token": csrf_token(page.text), "decision": decision})


def redirect_parameters(response: httpx.Response, *, fragment: bool = False) -> dict[str, str]:
    assert response.status_code == 302, response.text
    parts = urlsplit(response.headers["location"])
    values = parse_qs(parts.fragment if fragment else parts.query)
    return {name: found[0] for name, found in values.items()}


def token_request(server: RunningServer, app: OAuthApp, **fields: str) -> httpx.Response:
    """``POST /oauth/token`` as the app, authenticated with its secret in the form if it has
    one."""
    form = {
        "client_id": app.client_id,
        **({"client_secret": app.client_secret} if app.client_secret else {}),
        **fields,
    }
    return httpx.post(f"{server.base_url}/oauth/token", data=form)


def exchange(server: RunningServer, app: OAuthApp, code: str, **fields: str) -> httpx.Response:
    return token_request(
        server,
        app,
        **{
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
            **fields,
        },
    )


def refresh(server: RunningServer, app: OAuthApp, refresh_token: str) -> httpx.Response:
    return token_request(server, app, grant_type="refresh_token", refresh_token=refresh_token)
