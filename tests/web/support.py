"""A browser-like HTTP client for the web pages: it keeps cookies and fills in the CSRF token
that each form carries."""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any, Self

import httpx

from tests.support import RunningServer

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class WebClient:
    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=10, follow_redirects=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def submit(self, page_path: str, action: str, fields: dict[str, Any]) -> httpx.Response:
        """Posts ``fields`` to ``action`` with the CSRF token of the form on ``page_path``."""
        page = self.http.get(page_path)
        assert page.status_code == 200, page.text
        return self.http.post(action, data={"csrf_token": csrf_token(page.text), **fields})

    def sign_in(self, email: str, password: str, next_url: str = "") -> httpx.Response:
        response = self.submit(
            "/web/login", "/web/login", {"email": email, "password": password, "next": next_url}
        )
        assert response.status_code == 303, response.text
        return response
