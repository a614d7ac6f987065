"""Forms hold text: a field that decodes to something UTF-8 cannot encode (a multipart form in
a charset such as UTF-7 can carry a lone surrogate) is refused with 400, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.devices import add_device, device
from tests.support import AccountFixture, RunningServer
from tests.web.oauth_support import register_app
from tests.web.support import WebClient, csrf_token

LONE_IN_UTF_7 = "+2AA-"  # UTF-7 for U+D800, half a surrogate pair
BOUNDARY = "nukiweb-form-boundary"


def utf_7_form(fields: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """A multipart form whose text is declared to be UTF-7."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = ("".join(parts) + f"--{BOUNDARY}--\r\n").encode("ascii")
    content_type = f"multipart/form-data; charset=utf-7; boundary={BOUNDARY}"
    return body, {"Content-Type": content_type}


@pytest.mark.parametrize("field", ["email", "password", "csrf_token", LONE_IN_UTF_7])
def test_a_sign_in_form_with_a_lone_surrogate_is_400_and_signs_nobody_in(
    server: RunningServer, account: AccountFixture, field: str
) -> None:
    with WebClient(server) as client:
        token = csrf_token(client.get("/web/login").text)
        fields = {"csrf_token": token, "email": account.email, "password": account.password}
        body, headers = utf_7_form(fields | {field: LONE_IN_UTF_7})

        response = client.http.post("/web/login", content=body, headers=headers)

        assert response.status_code == 400, response.text
        assert "nukiweb_session" not in response.headers.get("set-cookie", "")
        assert "\\ud800" in response.text


def test_a_page_form_with_a_lone_surrogate_is_400_and_does_nothing(
    server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4)
    before = device(account.api, lock)
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        body, headers = utf_7_form({"csrf_token": LONE_IN_UTF_7})

        response = client.http.post(f"/web/smartlocks/{lock}/unlock", content=body, headers=headers)

    assert response.status_code == 400, response.text
    assert device(account.api, lock) == before


def test_a_token_request_with_a_lone_surrogate_is_400_json(
    server: RunningServer, other_account: AccountFixture
) -> None:
    app = register_app(other_account)
    body, headers = utf_7_form(
        {"grant_type": "authorization_code", "client_id": app.client_id, "code": LONE_IN_UTF_7}
    )

    response = httpx.post(f"{server.base_url}/oauth/token", content=body, headers=headers)

    assert response.status_code == 400, response.text
    assert "'code'" in response.json()["detailMessage"]
