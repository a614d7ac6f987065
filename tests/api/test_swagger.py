"""Swagger UI at ``/`` and its OAuth2 redirect page: served from this server, never framed."""

from __future__ import annotations

import httpx
import pytest

from nukiweb.api.swagger import OAUTH2_REDIRECT_PATH
from tests.support import RunningServer


@pytest.mark.parametrize("path", ["/", OAUTH2_REDIRECT_PATH])
def test_swagger_pages_may_not_be_framed(server: RunningServer, path: str) -> None:
    page = httpx.get(server.base_url + path)
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    policy = [part.strip() for part in page.headers["content-security-policy"].split(";")]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
