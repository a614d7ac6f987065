"""Reading and writing OAuth2 clients (API keys), authorization codes and tokens.

Codes and tokens are found by the SHA-256 of their value; the values themselves are never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from nukiweb.store.api_keys import TokenOwner, token_owner
from nukiweb.store.schema import (
    advanced_api_keys,
    api_keys,
    oauth_codes,
    oauth_rotated_refresh_tokens,
    oauth_tokens,
)


@dataclass(frozen=True, slots=True)
class ClientRecord:
    api_key_id: int
    client_id: str
    redirect_uris: list[str]
    client_secret_digest: str | None
    advanced_secret_box: str | None
    """The client secret of the key's advanced API application, encrypted, if it has one."""


@dataclass(frozen=True, slots=True)
class CodeRecord:
    api_key_id: int
    account_id: int
    grant_id: str
    redirect_uri: str
    scopes: list[str]
    code_challenge: str | None
    code_challenge_method: str | None
    used: bool
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    api_key_id: int
    account_id: int
    grant_id: str
    scopes: list[str]
    creation_date: datetime
    """When the grant's first token was issued: each refresh hands it on to the new pair."""


@dataclass(frozen=True, slots=True)
class RotatedRecord:
    """A refresh token that was exchanged for a new one: whose, and of which grant."""

    api_key_id: int
    grant_id: str


def get_client(conn: Connection, client_id: str) -> ClientRecord | None:
    row = conn.execute(
        select(
            api_keys.c.api_key_id,
            api_keys.c.api_key,
            api_keys.c.redirect_uris,
            api_keys.c.client_secret_digest,
            advanced_api_keys.c.secret_box,
        )
        .outerjoin(advanced_api_keys, advanced_api_keys.c.api_key_id == api_keys.c.api_key_id)
        .where(api_keys.c.api_key == client_id)
    ).first()
    if row is None:
        return None
    return ClientRecord(row[0], row[1], list(row[2]), row[3], row[4])


def insert_code(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(oauth_codes).values(**values))


def find_code(conn: Connection, digest: str) -> CodeRecord | None:
    row = conn.execute(
        select(
            oauth_codes.c.api_key_id,
            oauth_codes.c.account_id,
            oauth_codes.c.grant_id,
            oauth_codes.c.redirect_uri,
            oauth_codes.c.scopes,
            oauth_codes.c.code_challenge,
            oauth_codes.c.code_challenge_method,
            oauth_codes.c.used,
            oauth_codes.c.expires_at,
        ).where(oauth_codes.c.code_digest == digest)
    ).first()
    return None if row is None else CodeRecord(*row)


def claim_code(conn: Connection, digest: str, now: datetime) -> bool:
    """Marks an unused, unexpired code used; false if it was not (another request may have
    claimed it first: the update decides, not a read before it)."""
    claimed = conn.execute(
        update(oauth_codes)
        .where(
            oauth_codes.c.code_digest == digest,
            oauth_codes.c.used.is_(False),
            oauth_codes.c.expires_at > now,
        )
        .values(used=True)
    )
    return claimed.rowcount == 1


def delete_expired_codes(conn: Connection, now: datetime) -> None:
    conn.execute(delete(oauth_codes).where(oauth_codes.c.expires_at <= now))


def insert_token(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(oauth_tokens).values(**values))


def find_refresh_token(conn: Connection, refresh_digest: str) -> TokenRecord | None:
    row = conn.execute(
        select(
            oauth_tokens.c.id,
            oauth_tokens.c.api_key_id,
            oauth_tokens.c.account_id,
            oauth_tokens.c.grant_id,
            oauth_tokens.c.scopes,
            oauth_tokens.c.creation_date,
        ).where(oauth_tokens.c.refresh_digest == refresh_digest)
    ).first()
    return None if row is None else TokenRecord(*row)


def rotate_refresh_token(conn: Connection, record: TokenRecord, refresh_digest: str) -> bool:
    """Removes the token pair of a refresh token that is being exchanged, and remembers the
    refresh token's digest with its grant. False if the pair was gone already: a concurrent
    request exchanged it first (the delete decides, not the read before it)."""
    removed = conn.execute(delete(oauth_tokens).where(oauth_tokens.c.id == record.id))
    if removed.rowcount != 1:
        return False
    conn.execute(
        insert(oauth_rotated_refresh_tokens).values(
            refresh_digest=refresh_digest,
            api_key_id=record.api_key_id,
            account_id=record.account_id,
            grant_id=record.grant_id,
        )
    )
    return True


def find_rotated_refresh_token(conn: Connection, refresh_digest: str) -> RotatedRecord | None:
    row = conn.execute(
        select(
            oauth_rotated_refresh_tokens.c.api_key_id, oauth_rotated_refresh_tokens.c.grant_id
        ).where(oauth_rotated_refresh_tokens.c.refresh_digest == refresh_digest)
    ).first()
    return None if row is None else RotatedRecord(*row)


def delete_grant_tokens(conn: Connection, grant_id: str) -> None:
    """Revokes a grant: its tokens, and the memory of its rotated refresh tokens (which has
    nothing left to protect)."""
    conn.execute(delete(oauth_tokens).where(oauth_tokens.c.grant_id == grant_id))
    conn.execute(
        delete(oauth_rotated_refresh_tokens).where(
            oauth_rotated_refresh_tokens.c.grant_id == grant_id
        )
    )


def delete_expired_tokens(conn: Connection, now: datetime) -> None:
    """Expired tokens that cannot be refreshed (the implicit grant's) are of no more use."""
    conn.execute(
        delete(oauth_tokens).where(
            and_(oauth_tokens.c.expires_at <= now, oauth_tokens.c.refresh_digest.is_(None))
        )
    )


def delete_account_grants(conn: Connection, account_id: int) -> None:
    """Revokes every OAuth2 token and code of the account (a new password)."""
    for table in (oauth_tokens, oauth_rotated_refresh_tokens, oauth_codes):
        conn.execute(delete(table).where(table.c.account_id == account_id))


def find_token_owner(conn: Connection, access_digest: str) -> TokenOwner | None:
    return token_owner(conn, oauth_tokens.c.access_digest, access_digest, oauth_tokens.c.expires_at)
