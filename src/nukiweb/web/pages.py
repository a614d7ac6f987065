"""What every web page shares: templates, the session cookie, CSRF checks, security headers.

Pages are server-rendered HTML forms; every state change is a POST carrying the session's CSRF
token. The session cookie is HttpOnly and SameSite=Lax (a link from another site, such as an
app's "Sign in with Nuki" link to ``/oauth/authorize``, still arrives signed in; a form posted
from another site does not), and Secure when the public URL is https.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from nukiweb.api.errors import (
    SECRET_PARAMETERS,
    UNAVAILABLE_HEADERS,
    log_unavailable,
    status_of,
)
from nukiweb.api.routing import CheckedRoute
from nukiweb.domain.errors import InvalidParameter, NotFound, NukiwebError
from nukiweb.domain.rights import required_rights
from nukiweb.secrets import same
from nukiweb.services import web_sessions
from nukiweb.services.context import ServiceContext
from nukiweb.services.web_sessions import SESSION_LIFETIME, WebSession
from nukiweb.store.faults import StoreUnavailable

SESSION_COOKIE = "nukiweb_session"
SIGN_IN_PATH = "/web/login"
HOME_PATH = "/web/smartlocks"
STATIC_PATH = "/static/web"
MAX_COOKIE_LENGTH = 128
Model = TypeVar("Model", bound=BaseModel)

_templates = Environment(
    loader=PackageLoader("nukiweb.web"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Pages are never framed (clickjacking of Allow), cached, or leak their URL (which may carry an
# authorization request) to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """Raised by pages without a session: answered with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRejected(Exception):
    """A form without this session's CSRF token: answered 403."""


class PageRoute(CheckedRoute):
    """A route of the pages: what it refuses is answered as a page (the API's routes answer
    the same errors with the vendor's JSON body)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_page(request: Request) -> Response:
            try:
                return await handle(request)
            except SignInRequired as error:
                return redirect(sign_in_url(error.next_url))
            except CsrfRejected:
                heading = "This form has expired"
                message = "Please go back, reload the page and try again."
                return _error_page(request, 403, heading, message)
            except NukiwebError as error:
                return _error_page(request, status_of(error), "That did not work", error.message)
            except StoreUnavailable as error:
                log_unavailable(request, error)
                return _unavailable_page(request)

        return handle_page


def page_router() -> APIRouter:
    return APIRouter(include_in_schema=False, route_class=PageRoute)


def _error_page(request: Request, status_code: int, heading: str, message: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        current_session(request),
        status_code=status_code,
        heading=heading,
        message=message,
    )


def _unavailable_page(request: Request) -> HTMLResponse:
    """503, without the signed-in header (finding the session needs the store)."""
    page = render(
        request,
        "error.html",
        None,
        status_code=503,
        heading="Temporarily unavailable",
        message="nukiweb cannot reach its database just now. Please try again in a moment.",
    )
    page.headers.update(UNAVAILABLE_HEADERS)
    return page


def context_of(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def render(
    request: Request,
    template: str,
    session: WebSession | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    html = _templates.get_template(template).render(
        request=request, session=session, static=STATIC_PATH, **values
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    """A redirect after a form (303: the browser follows it with a GET)."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def current_session(request: Request) -> WebSession | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > MAX_COOKIE_LENGTH:
        return None
    return web_sessions.find_session(context_of(request), session_id)


def require_session(request: Request) -> WebSession:
    session = current_session(request)
    if session is None:
        raise SignInRequired(this_url(request))
    return session


def require_rights(session: WebSession, tag: str, method: str, path: str) -> None:
    """What a sub-account needs for a page or a button: the rights of the API operation it
    mirrors (its tag, method and path as the spec has them)."""
    session.caller.require_rights(required_rights(tag, method, path))


def this_url(request: Request) -> str:
    """The path and query of the request: where to come back to after signing in."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def posted_form(request: Request, session: WebSession) -> FormData:
    """The form of a POST, refused unless it carries the session's CSRF token."""
    form = await request.form()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not same(token, session.csrf_token):
        raise CsrfRejected
    return form


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure (sent over https only) when the server is reached over https."""
    return context_of(request).public_url.startswith("https:")


def local_path(url: str | None, default: str = HOME_PATH) -> str:
    """``url`` if it is a path on this server, else ``default``: a ``next`` parameter must not
    send anyone to another site."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    parts = urlsplit(url)
    return default if parts.scheme or parts.netloc else url


def sign_in_url(next_url: str) -> str:
    return f"{SIGN_IN_PATH}?next={quote(next_url, safe='')}"


def validated(model: type[Model], body: dict[str, Any]) -> Model:
    """``body`` as the API operation's request model reads it; refused as the API refuses it,
    an ``InvalidParameter`` naming the field (a secret's value is never repeated)."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        parameter = ".".join(str(part) for part in first["loc"]) or "body"
        value = None if first["type"] == "missing" else first.get("input")
        shown = "*****" if parameter in SECRET_PARAMETERS else str(value)[:100]
        raise InvalidParameter(parameter, shown) from None


_PATH_NUMBER = re.compile(r"[0-9]{1,19}")


def path_id(text: str, what: str, largest: int) -> int:
    """A numeric id in a page's path; one that no object can have names nothing, ``NotFound``
    (as in the API, ``api.parameters``)."""
    if not _PATH_NUMBER.fullmatch(text) or int(text) > largest:
        raise NotFound(what, text[:20])
    return int(text)


def form_text(form: FormData, name: str, max_length: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:max_length] if isinstance(value, str) else ""
