"""The OAuth2 authorization server (doc §4.4): the authorization code grant (with PKCE), the
implicit grant, and refresh tokens with rotation. Clients are API keys; their client secrets are
made in ``services.api_keys``.

The grant logic is Authlib's framework-free server core; this module gives it nukiweb's store.
One server is made per HTTP request, bound to that request's transaction, so that what a request
checks and what it writes (claiming a code, rotating a refresh token) commit together.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    OAuth2Payload,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import Connection

from nukiweb.domain.accounts import is_allowed_redirect_uri
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.scopes import Scope, parse_scopes
from nukiweb.secrets import (
    new_authorization_code,
    new_oauth_access_token,
    new_oauth_refresh_token,
    new_object_id,
    same,
    token_digest,
)
from nukiweb.services.context import ServiceContext
from nukiweb.store import oauth as store
from nukiweb.store.oauth import ClientRecord, CodeRecord, TokenRecord

# The vendor's lifetimes (doc §4.4, §4.4.1.5): code-flow access tokens 30 days, implicit 1 hour.
ACCESS_TOKEN_LIFETIME = timedelta(days=30)
IMPLICIT_TOKEN_LIFETIME = timedelta(hours=1)
# Codes are exchanged at once by the client's server; RFC 6749 §4.1.2 advises 10 minutes at most.
CODE_LIFETIME = timedelta(minutes=5)
# A used code is kept this long past its expiry, so that a replay still revokes its tokens.
USED_CODE_MEMORY = timedelta(days=1)

TOKEN_TYPE = "bearer"  # noqa: S105 - the vendor's spelling (doc §4.4.1.5)
# No client authentication is possible at the authorization endpoint: the implicit grant names
# its client by id only (its redirect URI is what binds it).
AUTHORIZATION_ENDPOINT = "authorization_endpoint"
_CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
_SCOPE_SEPARATOR = re.compile(r"[\s,]+")
# The syntax RFC 6749 (Appendix A) gives the parameters that Authlib writes into an error's
# description, whose characters the RFC restricts (Authlib raises ValueError for others): a
# value outside it names no response type and no redirect URI a client could have registered.
_PARAMETER_SYNTAX = {
    "response_type": re.compile(r"[A-Za-z0-9_]+( [A-Za-z0-9_]+)*"),
    "redirect_uri": re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"),  # RFC 3986's
}


@dataclass(frozen=True, slots=True)
class ResourceOwner:
    """The signed-in account that allows an app access."""

    account_id: int


class OAuthRequest(OAuth2Request):  # type: ignore[misc]
    """An HTTP request as Authlib reads it: its parameters (the query of an authorization
    request, the form of a token request) and its headers, with the transaction to work in."""

    def __init__(
        self,
        conn: Connection,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        parameters: Iterable[tuple[str, str]],
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self.conn = conn
        self.payload = _Payload(parameters)
        for name, syntax in _PARAMETER_SYNTAX.items():
            if not all(syntax.fullmatch(value) for value in self.payload.datalist.get(name, [])):
                raise InvalidRequestError(f"Invalid '{name}' in request.")
        if not _basic_credentials_are_text(headers.get("authorization", "")):
            # Authlib decodes them as UTF-8 without expecting it to fail.
            raise InvalidClientError("The client's credentials are not UTF-8.", status_code=401)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


def _basic_credentials_are_text(authorization: str) -> bool:
    """Whether HTTP Basic credentials (RFC 7617), if these are, decode to UTF-8 text."""
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return True
    try:
        base64.b64decode(credentials.strip()).decode()
    except binascii.Error:
        return True  # Authlib reads these as no credentials
    except UnicodeDecodeError:
        return False
    return True


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, parameters: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in parameters:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


@dataclass(frozen=True)
class Client(ClientMixin):  # type: ignore[misc]
    """An API key in its role of OAuth2 client: its ``apiKey`` is the client id."""

    record: ClientRecord
    ctx: ServiceContext
    own_redirect_uris: frozenset[str]
    """Redirect URIs of nukiweb's own pages (Swagger UI's), allowed for every key."""

    @property
    def api_key_id(self) -> int:
        return self.record.api_key_id

    @property
    def has_secret(self) -> bool:
        return (
            self.record.client_secret_digest is not None
            or self.record.advanced_secret_box is not None
        )

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the redirect URI is mandatory (doc §4.4.1.1)

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(sorted(requested_scopes(scope)))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exactly one of the key's redirect URIs: no prefixes, no wildcards (doc §4.4.1.1);
        and one that the rules allow today, whatever was stored before they did."""
        listed = redirect_uri in self.record.redirect_uris or redirect_uri in self.own_redirect_uris
        return listed and is_allowed_redirect_uri(redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        digest = self.record.client_secret_digest
        if digest is not None and same(token_digest(client_secret), digest):
            return True
        # An advanced API application's secret is also the key's client secret (doc §4.5).
        box = self.record.advanced_secret_box
        return box is not None and same(self.ctx.secrets.open(box), client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:  # noqa: ARG002
        if method == AUTHORIZATION_ENDPOINT:
            return True
        # A client with a secret must present it; one without must use PKCE instead.
        return self.has_secret != (method == "none")

    def check_response_type(self, response_type: str) -> bool:
        return response_type in {"code", "token"}

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in {"authorization_code", "refresh_token", "implicit"}


@dataclass(frozen=True)
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    record: CodeRecord

    @property
    def code_challenge(self) -> str | None:
        return self.record.code_challenge

    @property
    def code_challenge_method(self) -> str | None:
        return self.record.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return " ".join(self.record.scopes)


@dataclass(frozen=True)
class RefreshToken(TokenMixin):  # type: ignore[misc]
    """A refresh token: it lives until it is used, or revoked with its API key or password."""

    record: TokenRecord

    def check_client(self, client: Client) -> bool:
        return self.record.api_key_id == client.api_key_id

    def get_scope(self) -> str:
        return " ".join(self.record.scopes)


def requested_scopes(scope: str | None) -> frozenset[Scope]:
    """The scopes of a ``scope`` parameter: space-separated (RFC 6749 §3.3), commas tolerated;
    ``InvalidScopeError`` for none or an unknown one."""
    names = [name for name in _SCOPE_SEPARATOR.split(scope or "") if name]
    try:
        parsed = parse_scopes(names, "scope")
    except InvalidParameter as error:
        # Not the value sent: an error's description holds only some ASCII (RFC 6749 §5.2).
        known = " ".join(sorted(Scope))
        raise InvalidScopeError(f"Unknown scope: the scopes are {known}.") from error
    if not parsed:
        raise InvalidScopeError("Request at least one scope.")
    return parsed


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE (RFC 7636) with S256 only, required of clients without a client secret."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: grants.BaseGrant, redirect_uri: str) -> None:
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Use code_challenge_method=S256.")
        if not data.get("code_challenge") and not grant.request.client.has_secret:
            raise InvalidRequestError(
                "This client has no client secret: it must use PKCE (code_challenge, S256)."
            )


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _CLIENT_AUTH_METHODS
    request: OAuthRequest
    server: NukiAuthorizationServer

    def save_authorization_code(self, code: str, request: OAuthRequest) -> None:
        now = self.server.ctx.clock.now()
        store.delete_expired_codes(request.conn, now - USED_CODE_MEMORY)
        store.insert_code(
            request.conn,
            {
                "code_digest": token_digest(code),
                "api_key_id": request.client.api_key_id,
                "account_id": request.user.account_id,
                "grant_id": new_object_id(),
                "redirect_uri": request.payload.redirect_uri,
                "scopes": request.scope.split(),
                "code_challenge": request.payload.data.get("code_challenge"),
                "code_challenge_method": request.payload.data.get("code_challenge_method"),
                "used": False,
                "expires_at": now + CODE_LIFETIME,
            },
        )

    def generate_authorization_code(self) -> str:
        return new_authorization_code()

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        """The code, claimed for this request: a second use fails, and revokes the tokens the
        first one gave (RFC 6749 §4.1.2)."""
        conn = self.request.conn
        digest = token_digest(code)
        record = store.find_code(conn, digest)
        if record is None or record.api_key_id != client.api_key_id:
            return None
        if not store.claim_code(conn, digest, self.server.ctx.clock.now()):
            if record.used:
                store.delete_grant_tokens(conn, record.grant_id)
                self.server.ctx.tokens.invalidate()
            return None
        return AuthorizationCode(record)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: the code was marked used when it was claimed."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> ResourceOwner:
        return ResourceOwner(authorization_code.record.account_id)


class ImplicitGrant(grants.ImplicitGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [AUTHORIZATION_ENDPOINT]


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # refresh tokens rotate
    request: OAuthRequest

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        """The token pair of this refresh token, rotated out of the store here, so that two
        requests with one refresh token cannot both succeed. A refresh token presented after
        it was rotated was stolen (by whoever presented it first or now): its whole grant is
        revoked (RFC 9700 §4.14.2)."""
        conn = self.request.conn
        client_key = self.request.client.api_key_id
        digest = token_digest(refresh_token)
        record = store.find_refresh_token(conn, digest)
        if record is None:
            rotated = store.find_rotated_refresh_token(conn, digest)
            if rotated is not None and rotated.api_key_id == client_key:
                self._revoke_grant(rotated.grant_id)
            return None
        if record.api_key_id != client_key:
            return None
        if self.request.payload.scope and not requested_scopes(self.request.payload.scope).issubset(
            record.scopes
        ):
            raise InvalidScopeError("A refresh cannot widen the scopes granted.")
        if not store.rotate_refresh_token(conn, record, digest):
            self._revoke_grant(record.grant_id)  # rotated by a concurrent request meanwhile
            return None
        self.server.ctx.tokens.invalidate()
        return RefreshToken(record)

    def _revoke_grant(self, grant_id: str) -> None:
        store.delete_grant_tokens(self.request.conn, grant_id)
        self.server.ctx.tokens.invalidate()

    def authenticate_user(self, refresh_token: RefreshToken) -> ResourceOwner:
        return ResourceOwner(refresh_token.record.account_id)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        """Nothing to do: the old pair was rotated out when the refresh token was read."""


class NukiAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(
        self, ctx: ServiceContext, conn: Connection, own_redirect_uris: frozenset[str]
    ) -> None:
        super().__init__(scopes_supported=[scope.value for scope in Scope])
        self.ctx = ctx
        self.conn = conn
        self.own_redirect_uris = own_redirect_uris
        self.register_token_generator("default", self._generate_token)
        self.register_client_auth_method(AUTHORIZATION_ENDPOINT, _client_named_in_request)
        self.register_grant(CodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(ImplicitGrant)
        self.register_grant(RefreshGrant)

    def query_client(self, client_id: str) -> Client | None:
        record = store.get_client(self.conn, client_id)
        return None if record is None else Client(record, self.ctx, self.own_redirect_uris)

    def validate_requested_scope(self, scope: str | None) -> None:
        requested_scopes(scope)

    def create_oauth2_request(self, request: OAuthRequest) -> OAuthRequest:
        return request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """nukiweb listens to none of Authlib's signals."""

    def _generate_token(
        self,
        grant_type: str,
        client: Client,  # noqa: ARG002
        user: ResourceOwner | None = None,  # noqa: ARG002
        scope: str | None = None,  # noqa: ARG002
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        lifetime = IMPLICIT_TOKEN_LIFETIME if grant_type == "implicit" else ACCESS_TOKEN_LIFETIME
        token: dict[str, Any] = {
            "access_token": new_oauth_access_token(),
            "token_type": TOKEN_TYPE,
            "expires_in": expires_in or int(lifetime.total_seconds()),
        }
        if include_refresh_token:
            token["refresh_token"] = new_oauth_refresh_token()
        return token

    def save_token(self, token: dict[str, Any], request: OAuthRequest) -> None:
        now = self.ctx.clock.now()
        # A refresh hands the grant's creation on and counts as its app's activity
        # (GET /account/integration).
        created, last_active = now, None
        if request.authorization_code is not None:
            grant_id, scopes = _origin(request.authorization_code.record)
        elif request.refresh_token is not None:
            grant_id, scopes = _origin(request.refresh_token.record)
            created, last_active = request.refresh_token.record.creation_date, now
            if request.payload.scope:
                scopes = sorted(requested_scopes(request.payload.scope))
        else:  # implicit
            grant_id, scopes = new_object_id(), request.scope.split()
        store.delete_expired_tokens(self.conn, now)
        refresh_token = token.get("refresh_token")
        store.insert_token(
            self.conn,
            {
                "id": new_object_id(),
                "api_key_id": request.client.api_key_id,
                "account_id": request.user.account_id,
                "grant_id": grant_id,
                "scopes": scopes,
                "access_digest": token_digest(token["access_token"]),
                "refresh_digest": None if refresh_token is None else token_digest(refresh_token),
                "expires_at": now + timedelta(seconds=token["expires_in"]),
                "creation_date": created,
                "last_active_at": last_active,
            },
        )


def _origin(record: CodeRecord | TokenRecord) -> tuple[str, list[str]]:
    return record.grant_id, list(record.scopes)


def _client_named_in_request(query_client: Any, request: OAuthRequest) -> Client | None:
    client_id = request.payload.client_id
    return None if not client_id else query_client(client_id)
