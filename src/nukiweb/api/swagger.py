"""Swagger UI at ``/`` and the OpenAPI document at ``/static/swagger/swagger.json``, as on the
vendor's service; the UI's assets are served by nukiweb itself, since servers running it may have
no internet."""

from __future__ import annotations

import re
from base64 import b64encode
from hashlib import sha256
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from nukiweb import __version__
from nukiweb.domain.scopes import CONSENT_LABELS

OPENAPI_PATH = "/static/swagger/swagger.json"
ASSETS_PATH = "/static/swagger-ui"
OAUTH2_REDIRECT_PATH = "/static/swagger-ui/oauth2-redirect"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        document = get_openapi(
            title="Nuki API",
            version=__version__,
            # The vendor's version; the bundled Swagger UI (4.x) cannot render 3.1 documents.
            openapi_version="3.0.3",
            description="The Nuki Web API, served by nukiweb.",
            routes=app.routes,
        )
        document.setdefault("components", {})["securitySchemes"] = {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "implicit": {
                        "authorizationUrl": "/oauth/authorize",
                        "scopes": {scope.value: text for scope, text in CONSENT_LABELS.items()},
                    }
                },
            },
            "api_key": {"type": "apiKey", "in": "header", "name": "Authorization"},
        }
        app.openapi_schema = document
    return app.openapi_schema


def install(app: FastAPI) -> None:
    swagger_ui_page = _unframed(
        get_swagger_ui_html(
            openapi_url=OPENAPI_PATH,
            title="Nuki API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            oauth2_redirect_url=OAUTH2_REDIRECT_PATH,  # the page prefixes its origin
        )
    )
    redirect_page = _unframed(get_swagger_ui_oauth2_redirect_html())

    async def swagger_json() -> JSONResponse:
        return JSONResponse(openapi_document(app))

    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(*swagger_ui_page)

    async def oauth2_redirect() -> HTMLResponse:
        return HTMLResponse(*redirect_page)

    app.add_api_route(OPENAPI_PATH, swagger_json, include_in_schema=False)
    app.add_api_route("/", swagger_ui, include_in_schema=False)
    app.add_api_route(OAUTH2_REDIRECT_PATH, oauth2_redirect, include_in_schema=False)
    # After the redirect page's route, which lies under the assets' path.
    app.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")


def _unframed(page: HTMLResponse) -> tuple[bytes, int, dict[str, str]]:
    """The page's body, status and headers that keep it out of other sites' frames (where a
    click on Authorize could be stolen) and let it run only this server's scripts and its own
    inline script, named by its hash."""
    body = bytes(page.body)
    hashes = " ".join(
        f"'sha256-{b64encode(sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(body.decode())
    )
    policy = (
        f"default-src 'self'; script-src 'self' {hashes}; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return body, page.status_code, headers
