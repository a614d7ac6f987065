"""OAuth2 (doc §4.4) as a third-party app meets it: Authlib's client does the code flow,
refreshes and calls the API; the server refuses what RFC 6749 says it must."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import urlencode

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from nukiweb.api.swagger import OAUTH2_REDIRECT_PATH
from nukiweb.secrets import token_digest
from nukiweb.store import api_keys as key_store
from nukiweb.store import oauth as oauth_store
from tests.contract.validation import ContractValidator
from tests.devices import advance
from tests.support import AccountFixture, ApiClient, RunningServer, make_account
from tests.web.oauth_support import (
    CALLBACK,
    OAuthApp,
    consent,
    exchange,
    redirect_parameters,
    refresh,
    register_app,
    token_request,
)
from tests.web.support import WebClient, csrf_token

SCOPES = "smartlock account"


@pytest.fixture
def app(other_account: AccountFixture) -> OAuthApp:
    """The developer's app (``other_account`` develops it; ``account`` uses it)."""
    return register_app(other_account)


@pytest.fixture
def web(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    """The user's browser, signed in."""
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        yield client


def authlib_client(server: RunningServer, app: OAuthApp, **options: object) -> OAuth2Client:
    return OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        scope=SCOPES,
        redirect_uri=app.redirect_uri,
        token_endpoint_auth_method="client_secret_post",
        base_url=server.base_url,
        **options,
    )


def authorize_url(server: RunningServer, app: OAuthApp, **parameters: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": SCOPES,
        "state": "xyz",
        **parameters,
    }
    return f"{server.base_url}/oauth/authorize?{urlencode(query)}"


def code_for(web: WebClient, server: RunningServer, app: OAuthApp, **parameters: str) -> str:
    allowed = consent(web, authorize_url(server, app, **parameters))
    return redirect_parameters(allowed)["code"]


def test_a_third_party_client_completes_the_code_flow_refreshes_and_calls_the_api(
    server: RunningServer,
    account: AccountFixture,
    app: OAuthApp,
    web: WebClient,
    contract: ContractValidator,
) -> None:
    client = authlib_client(server, app)
    url, state = client.create_authorization_url(f"{server.base_url}/oauth/authorize")
    allowed = consent(web, url)
    callback = allowed.headers["location"]
    assert callback.startswith(CALLBACK + "?")
    assert redirect_parameters(allowed)["state"] == state

    token = client.fetch_token("/oauth/token", authorization_response=callback)
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 2592000
    assert token["refresh_token"]

    api = ApiClient(server, token["access_token"], contract)
    me = api.get("/account")
    assert me.status_code == 200
    assert me.json()["accountId"] == account.account_id  # the user's account, not the developer's
    assert api.get("/smartlock").status_code == 200

    refreshed = client.refresh_token("/oauth/token", refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert api.with_token(refreshed["access_token"]).get("/smartlock").status_code == 200
    # Rotation: the old pair is gone.
    assert api.get("/smartlock").status_code == 401
    again = refresh(server, app, token["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    api.close()
    client.close()


def test_a_rotated_refresh_token_presented_again_revokes_the_whole_grant(
    server: RunningServer, app: OAuthApp, web: WebClient, contract: ContractValidator
) -> None:
    """RFC 9700 §4.14.2: a refresh token used twice was stolen, by whoever used it first or
    second; every token of its grant ends, the thief's and the app's."""
    first = exchange(server, app, code_for(web, server, app)).json()
    other_grant = exchange(server, app, code_for(web, server, app)).json()
    second = refresh(server, app, first["refresh_token"]).json()
    third = refresh(server, app, second["refresh_token"]).json()
    api = ApiClient(server, third["access_token"], contract)
    assert api.get("/smartlock").status_code == 200

    assert remembered_as_rotated(server, first["refresh_token"])
    replayed = refresh(server, app, first["refresh_token"])
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    assert api.get("/smartlock").status_code == 401
    assert not remembered_as_rotated(server, first["refresh_token"])
    for refresh_token in (third["refresh_token"], second["refresh_token"]):
        assert refresh(server, app, refresh_token).json()["error"] == "invalid_grant"
    # Other grants of the same user and app go on.
    other = api.with_token(other_grant["access_token"])
    assert other.get("/smartlock").status_code == 200
    assert refresh(server, app, other_grant["refresh_token"]).status_code == 200
    api.close()


def test_of_two_refreshes_with_one_token_one_succeeds_and_the_other_revokes_the_grant(
    server: RunningServer, app: OAuthApp, web: WebClient, contract: ContractValidator
) -> None:
    token = exchange(server, app, code_for(web, server, app)).json()
    start = threading.Barrier(2)

    def refresh_at_once() -> httpx.Response:
        start.wait()
        return refresh(server, app, token["refresh_token"])

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: refresh_at_once(), range(2)))
    assert sorted(answer.status_code for answer in answers) == [200, 400]
    (granted,) = [answer.json() for answer in answers if answer.status_code == 200]
    (refused,) = [answer.json() for answer in answers if answer.status_code == 400]
    assert refused["error"] == "invalid_grant"
    api = ApiClient(server, granted["access_token"], contract)
    assert api.get("/smartlock").status_code == 401
    assert refresh(server, app, granted["refresh_token"]).json()["error"] == "invalid_grant"
    api.close()


def test_a_rotated_refresh_token_of_another_client_revokes_nothing(
    server: RunningServer, app: OAuthApp, web: WebClient, contract: ContractValidator
) -> None:
    first = exchange(server, app, code_for(web, server, app)).json()
    second = refresh(server, app, first["refresh_token"]).json()
    third = make_account(server, contract)
    stranger = register_app(third)
    refused = refresh(server, stranger, first["refresh_token"])
    assert refused.json()["error"] == "invalid_grant"
    api = ApiClient(server, second["access_token"], contract)
    assert api.get("/smartlock").status_code == 200
    api.close()
    third.api.close()


def test_the_token_has_only_the_scopes_granted(
    server: RunningServer, app: OAuthApp, web: WebClient, contract: ContractValidator
) -> None:
    code = code_for(web, server, app, scope="smartlock.readOnly")
    token = exchange(server, app, code).json()["access_token"]
    api = ApiClient(server, token, contract)
    assert api.get("/smartlock").status_code == 200
    assert api.get("/account").status_code == 401
    api.close()


def test_the_consent_page_names_the_scopes_with_the_docs_words(
    server: RunningServer, account: AccountFixture, app: OAuthApp, web: WebClient
) -> None:
    page = web.get(authorize_url(server, app, scope="account smartlock.action"))
    assert page.status_code == 200
    assert "This app would like to:" in page.text
    assert "View and manage your account" in page.text
    assert "Operate your smartlocks" in page.text
    assert "View your smartlocks" not in page.text
    assert account.email in page.text
    assert "Not you" in page.text


def test_the_authorization_request_leads_through_sign_in_back_to_consent(
    server: RunningServer, account: AccountFixture, app: OAuthApp
) -> None:
    url = authorize_url(server, app)
    with WebClient(server) as browser:
        first = browser.get(url)
        assert first.status_code == 303
        assert first.headers["location"].startswith("/web/login?next=")
        signed_in = browser.sign_in(
            account.email, account.password, next_url=url.removeprefix(server.base_url)
        )
        assert signed_in.headers["location"] == url.removeprefix(server.base_url)
        assert "This app would like to:" in browser.get(signed_in.headers["location"]).text


def test_cancel_redirects_with_access_denied(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    cancelled = consent(web, authorize_url(server, app), decision="cancel")
    parameters = redirect_parameters(cancelled)
    assert parameters["error"] == "access_denied"
    assert parameters["state"] == "xyz"
    assert "code" not in parameters


def test_a_redirect_uri_not_on_the_list_is_refused_before_any_redirect(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    with WebClient(server) as stranger:
        for uri in (CALLBACK + "/more", "https://evil.example.com/callback", CALLBACK.upper()):
            for client in (web, stranger):  # signed in, and not
                refused = client.get(authorize_url(server, app, redirect_uri=uri))
                assert refused.status_code == 400
                assert "location" not in refused.headers
                assert "invalid_request" in refused.text
    missing = web.get(authorize_url(server, app).replace("redirect_uri=", "ignored="))
    assert missing.status_code == 400
    assert "location" not in missing.headers


def test_an_unknown_client_is_refused_without_redirect(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    refused = web.get(authorize_url(server, app, client_id="not-a-client"))
    assert refused.status_code == 400
    assert "location" not in refused.headers
    assert "invalid_client" in refused.text


def test_errors_after_the_redirect_uri_is_checked_go_back_to_the_app(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    unknown_scope = web.get(authorize_url(server, app, scope="smartlock everything"))
    assert redirect_parameters(unknown_scope)["error"] == "invalid_scope"
    no_scope = web.get(authorize_url(server, app, scope=""))
    assert redirect_parameters(no_scope)["error"] == "invalid_scope"
    wrong_type = web.get(authorize_url(server, app, response_type="id_token"))
    assert redirect_parameters(wrong_type)["error"] == "unsupported_response_type"


NO_URI_CHARACTERS = ['"', "\\", "é", " ", "<"]


@pytest.mark.parametrize("character", NO_URI_CHARACTERS)
def test_a_redirect_uri_that_is_no_uri_is_refused_before_any_redirect(
    server: RunningServer, app: OAuthApp, web: WebClient, character: str
) -> None:
    for uri in (CALLBACK + character, "https://evil.example.com/" + character):
        refused = web.get(authorize_url(server, app, redirect_uri=uri))
        assert refused.status_code == 400, refused.text
        assert "location" not in refused.headers
        assert "invalid_request" in refused.text


@pytest.mark.parametrize("character", ['"', "\\", "é"])
def test_a_response_type_that_is_no_name_is_refused_before_any_redirect(
    server: RunningServer, app: OAuthApp, web: WebClient, character: str
) -> None:
    refused = web.get(authorize_url(server, app, response_type="code" + character))
    assert refused.status_code == 400, refused.text
    assert "location" not in refused.headers
    assert "invalid_request" in refused.text


@pytest.mark.parametrize("scope", ['account"', "smartlock\\", "smärtlock", '"'])
def test_a_scope_no_scope_has_goes_back_to_the_app_as_invalid_scope(
    server: RunningServer, app: OAuthApp, web: WebClient, scope: str
) -> None:
    refused = web.get(authorize_url(server, app, scope=scope))
    assert redirect_parameters(refused)["error"] == "invalid_scope"


@pytest.mark.parametrize("scope", ['account"', "smartlock\\", "smärtlock"])
def test_a_refresh_with_a_scope_no_scope_has_is_invalid_scope_and_keeps_the_token(
    server: RunningServer, app: OAuthApp, web: WebClient, scope: str
) -> None:
    refresh_token = exchange(server, app, code_for(web, server, app)).json()["refresh_token"]

    refused = token_request(
        server, app, grant_type="refresh_token", refresh_token=refresh_token, scope=scope
    )

    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_scope"
    assert refresh(server, app, refresh_token).status_code == 200


def test_a_code_is_refused_the_second_time_and_its_tokens_are_revoked(
    server: RunningServer, app: OAuthApp, web: WebClient, contract: ContractValidator
) -> None:
    code = code_for(web, server, app)
    first = exchange(server, app, code)
    assert first.status_code == 200
    second = exchange(server, app, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    api = ApiClient(server, first.json()["access_token"], contract)
    assert api.get("/smartlock").status_code == 401
    api.close()


def test_a_code_issued_to_one_client_is_refused_for_another(
    server: RunningServer,
    app: OAuthApp,
    web: WebClient,
    contract: ContractValidator,
) -> None:
    third = make_account(server, contract)
    other_app = register_app(third)
    code = code_for(web, server, app)
    stolen = exchange(
        server,
        app,
        code,
        client_id=other_app.client_id,
        client_secret=other_app.client_secret or "",
    )
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    assert exchange(server, app, code).status_code == 200  # the rightful client still can
    third.api.close()


def test_codes_expire(
    server: RunningServer, account: AccountFixture, app: OAuthApp, web: WebClient
) -> None:
    code = code_for(web, server, app)
    advance(account.api, 301)
    expired = exchange(server, app, code)
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"


def test_the_redirect_uri_of_the_token_request_must_be_the_authorizations(
    server: RunningServer, other_account: AccountFixture, web: WebClient
) -> None:
    app = register_app(other_account, [CALLBACK, "https://app.example.com/other"])
    code = code_for(web, server, app)
    refused = exchange(server, app, code, redirect_uri="https://app.example.com/other")
    assert refused.json()["error"] == "invalid_grant"


def test_the_client_must_authenticate_with_its_secret(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    code = code_for(web, server, app)
    wrong = exchange(server, app, code, client_secret="0" * 64)
    assert wrong.status_code in (400, 401)
    assert wrong.json()["error"] == "invalid_client"
    without = httpx.post(
        f"{server.base_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
            "client_id": app.client_id,
        },
    )
    assert without.json()["error"] == "invalid_client"
    basic = httpx.post(
        f"{server.base_url}/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri},
        auth=(app.client_id, app.client_secret or ""),
    )
    assert basic.status_code == 200, basic.text


def test_a_client_without_secret_must_use_pkce_s256(
    server: RunningServer, other_account: AccountFixture, web: WebClient
) -> None:
    app = register_app(other_account, with_secret=False)
    without = web.get(authorize_url(server, app))
    assert redirect_parameters(without)["error"] == "invalid_request"
    plain = web.get(authorize_url(server, app, code_challenge="a" * 43))
    assert redirect_parameters(plain)["error"] == "invalid_request"

    verifier = "v" * 64
    challenge = {
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    code = code_for(web, server, app, **challenge)
    assert exchange(server, app, code, code_verifier="w" * 64).json()["error"] == "invalid_grant"
    code = code_for(web, server, app, **challenge)
    granted = exchange(server, app, code, code_verifier=verifier)
    assert granted.status_code == 200, granted.text
    assert granted.json()["refresh_token"]


def test_pkce_is_accepted_from_a_client_with_a_secret(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    client = authlib_client(server, app, code_challenge_method="S256")
    verifier = "x" * 50
    url, _state = client.create_authorization_url(
        f"{server.base_url}/oauth/authorize", code_verifier=verifier
    )
    callback = consent(web, url).headers["location"]
    token = client.fetch_token(
        "/oauth/token", authorization_response=callback, code_verifier=verifier
    )
    assert token["access_token"]
    client.close()


def test_implicit_tokens_live_one_hour(
    server: RunningServer, app: OAuthApp, web: WebClient, contract: ContractValidator
) -> None:
    allowed = consent(web, authorize_url(server, app, response_type="token"))
    token = redirect_parameters(allowed, fragment=True)
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == "3600"
    assert token["state"] == "xyz"
    assert "refresh_token" not in token
    api = ApiClient(server, token["access_token"], contract)
    assert api.get("/smartlock").status_code == 200
    advance(api, 3599)
    assert api.get("/smartlock").status_code == 200
    advance(api, 2)
    assert api.get("/smartlock").status_code == 401
    api.close()


def test_swagger_ui_of_this_server_may_receive_implicit_tokens(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    swagger = server.base_url + OAUTH2_REDIRECT_PATH
    allowed = consent(web, authorize_url(server, app, response_type="token", redirect_uri=swagger))
    assert allowed.headers["location"].startswith(swagger + "#access_token=")


def assert_refused_without_redirect(web: WebClient, url: str, **options: object) -> None:
    """Neither the consent page nor a decision posted to it leads anywhere but an error page."""
    path = url.removeprefix(web.server.base_url)
    shown = web.get(path, **options)
    assert shown.status_code == 400, shown.text
    assert "location" not in shown.headers
    token = csrf_token(web.get("/web/api").text)
    for decision in ("allow", "cancel"):
        posted = web.http.post(path, data={"csrf_token": token, "decision": decision}, **options)
        assert posted.status_code == 400, posted.text
        assert "location" not in posted.headers


def test_a_forged_host_cannot_make_another_sites_swagger_ui_a_redirect_uri(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    evil = "https://evil.example" + OAUTH2_REDIRECT_PATH
    url = authorize_url(server, app, response_type="token", redirect_uri=evil)
    for forged in (
        {"Host": "evil.example", "X-Forwarded-Proto": "https"},
        {"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    ):
        assert_refused_without_redirect(web, url, headers=forged)


@pytest.mark.parametrize(
    "stored",
    [
        "javascript:alert(document.cookie)//",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "myapp://callback",
        "http://app.example.com/callback",
    ],
)
def test_a_stored_redirect_uri_that_is_not_safe_is_never_redirected_to(
    server: RunningServer, app: OAuthApp, web: WebClient, stored: str
) -> None:
    """Redirect URIs stored before the rule existed are not trusted either."""
    with server.ctx.db.transaction() as conn:
        key_store.update_api_key(conn, app.api_key_id, {"redirect_uris": [CALLBACK, stored]})
    for response_type in ("code", "token"):
        url = authorize_url(server, replace(app, redirect_uri=stored), response_type=response_type)
        assert_refused_without_redirect(web, url)
    assert redirect_parameters(consent(web, authorize_url(server, app)))["code"]


def test_the_consent_form_needs_its_csrf_token(
    server: RunningServer, app: OAuthApp, web: WebClient
) -> None:
    url = authorize_url(server, app).removeprefix(server.base_url)
    forged = web.http.post(url, data={"decision": "allow"})
    assert forged.status_code == 403
    assert "location" not in forged.headers


@pytest.mark.parametrize("revocation", ["password", "api key"])
def test_a_new_password_or_deleting_the_api_key_revokes_oauth_tokens(
    server: RunningServer,
    account: AccountFixture,
    other_account: AccountFixture,
    app: OAuthApp,
    web: WebClient,
    contract: ContractValidator,
    revocation: str,
) -> None:
    rotated = exchange(server, app, code_for(web, server, app)).json()["refresh_token"]
    token = refresh(server, app, rotated).json()
    api = ApiClient(server, token["access_token"], contract)
    assert api.get("/smartlock").status_code == 200
    if revocation == "password":
        changed = account.api.post(
            "/account", json={"language": "en", "password": "a brand new secret"}
        )
        assert changed.status_code == 204
    else:
        assert other_account.api.delete(f"/api/key/{app.api_key_id}").status_code == 204
    assert api.get("/smartlock").status_code == 401
    assert refresh(server, app, token["refresh_token"]).status_code in (400, 401)
    assert not remembered_as_rotated(server, rotated)  # nothing of the grant is left
    api.close()


def remembered_as_rotated(server: RunningServer, refresh_token: str) -> bool:
    with server.ctx.db.read() as conn:
        return oauth_store.find_rotated_refresh_token(conn, token_digest(refresh_token)) is not None


def test_token_endpoint_errors_are_rfc_6749_json(server: RunningServer, app: OAuthApp) -> None:
    unsupported = httpx.post(
        f"{server.base_url}/oauth/token",
        data={"grant_type": "password", "username": "a", "password": "b"},
    )
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    assert unsupported.headers["cache-control"] == "no-store"
    missing = httpx.post(
        f"{server.base_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
    )
    assert missing.json()["error"] == "invalid_request"
    not_a_form = httpx.post(f"{server.base_url}/oauth/token", content=b"\xff\xfe", timeout=5)
    assert not_a_form.status_code == 400


@pytest.mark.parametrize("secret", [b"\xff\xfe", b"\xc3", "geheim\u00e9".encode("latin-1")])
def test_basic_credentials_that_are_not_text_are_invalid_client(
    server: RunningServer, app: OAuthApp, secret: bytes
) -> None:
    for credentials in (app.client_id.encode() + b":" + secret, secret + b":" + secret):
        response = httpx.post(
            f"{server.base_url}/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": "nkr_unknown"},
            headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
        )

        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"
