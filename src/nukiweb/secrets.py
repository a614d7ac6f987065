"""Passwords, API tokens and other secrets: how they are made, stored and compared.

Passwords are hashed with argon2id. Tokens are 256 random bits, so a single SHA-256 is enough to
store them safely (a slow hash would only slow down every request) and lets a token be found by
its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_TOKEN_PREFIX = "nkw_"  # noqa: S105 - a prefix, not a secret
# OAuth2 access tokens have their own prefix: authentication knows where to look them up.
OAUTH_ACCESS_TOKEN_PREFIX = "nko_"  # noqa: S105
OAUTH_REFRESH_TOKEN_PREFIX = "nkr_"  # noqa: S105
MIN_PASSWORD_LENGTH = 7

_hasher = PasswordHasher()
# Checked against unknown emails so that a sign-in takes as long whether or not the email exists.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_api_token() -> str:
    """A token shown once to its owner: recognisable by its prefix, 256 random bits."""
    return API_TOKEN_PREFIX + secrets.token_hex(32)


def new_oauth_access_token() -> str:
    return OAUTH_ACCESS_TOKEN_PREFIX + secrets.token_hex(32)


def new_oauth_refresh_token() -> str:
    return OAUTH_REFRESH_TOKEN_PREFIX + secrets.token_hex(32)


def new_authorization_code() -> str:
    return secrets.token_urlsafe(32)


def new_client_secret() -> str:
    return secrets.token_hex(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_object_id() -> str:
    """A 24-hex id, the shape of the vendor's MongoDB ObjectIds (token ids, auth ids, ...)."""
    return secrets.token_hex(12)


def new_client_id() -> str:
    return secrets.token_hex(16)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
