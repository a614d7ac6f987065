"""Reading and writing API keys and API tokens, always within one account."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Row, delete, func, insert, select, update

from nukiweb.domain.accounts import ApiKey, ApiToken
from nukiweb.domain.scopes import Scope
from nukiweb.store.schema import accounts, api_keys, api_tokens


def _api_key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        api_key_id=row.api_key_id,
        account_id=row.account_id,
        api_key=row.api_key,
        description=row.description,
        redirect_uris=list(row.redirect_uris),
        has_client_secret=row.client_secret_digest is not None,
        creation_date=row.creation_date,
    )


def _api_token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        api_key_id=row.api_key_id,
        account_id=row.account_id,
        description=row.description,
        scopes=frozenset(Scope(s) for s in row.scopes),
        creation_date=row.creation_date,
    )


def insert_api_key(conn: Connection, values: dict[str, Any]) -> int:
    key = conn.execute(insert(api_keys).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def list_api_keys(conn: Connection, account_id: int) -> list[ApiKey]:
    rows = conn.execute(
        select(api_keys).where(api_keys.c.account_id == account_id).order_by(api_keys.c.api_key_id)
    )
    return [_api_key(row) for row in rows]


def count_api_keys(conn: Connection, account_id: int) -> int:
    counted = select(func.count()).where(api_keys.c.account_id == account_id)
    return int(conn.execute(counted).scalar_one())


def get_api_key(conn: Connection, account_id: int, api_key_id: int) -> ApiKey | None:
    row = conn.execute(
        select(api_keys).where(
            api_keys.c.account_id == account_id, api_keys.c.api_key_id == api_key_id
        )
    ).first()
    return None if row is None else _api_key(row)


def update_api_key(conn: Connection, api_key_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(api_keys).where(api_keys.c.api_key_id == api_key_id).values(**values))


def delete_api_key(conn: Connection, api_key_id: int) -> None:
    conn.execute(delete(api_keys).where(api_keys.c.api_key_id == api_key_id))


def insert_api_token(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(api_tokens).values(**values))


def list_api_tokens(conn: Connection, api_key_id: int) -> list[ApiToken]:
    rows = conn.execute(
        select(api_tokens)
        .where(api_tokens.c.api_key_id == api_key_id)
        .order_by(api_tokens.c.creation_date, api_tokens.c.id)
    )
    return [_api_token(row) for row in rows]


def count_api_tokens(conn: Connection, api_key_id: int) -> int:
    counted = select(func.count()).where(api_tokens.c.api_key_id == api_key_id)
    return int(conn.execute(counted).scalar_one())


def get_api_token(conn: Connection, api_key_id: int, token_id: str) -> ApiToken | None:
    row = conn.execute(
        select(api_tokens).where(api_tokens.c.api_key_id == api_key_id, api_tokens.c.id == token_id)
    ).first()
    return None if row is None else _api_token(row)


def update_api_token(conn: Connection, token_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(**values))


def delete_api_tokens(conn: Connection, token_ids: Iterable[str]) -> None:
    conn.execute(delete(api_tokens).where(api_tokens.c.id.in_(list(token_ids))))


def delete_account_tokens(conn: Connection, account_id: int) -> None:
    conn.execute(delete(api_tokens).where(api_tokens.c.account_id == account_id))


def set_client_secret_digest(conn: Connection, api_key_id: int, digest: str | None) -> None:
    conn.execute(
        update(api_keys)
        .where(api_keys.c.api_key_id == api_key_id)
        .values(client_secret_digest=digest)
    )


@dataclass(frozen=True, slots=True)
class TokenOwner:
    token_id: str
    api_key_id: int
    scopes: list[str]
    account_id: int
    master_account_id: int | None
    rights: int | None
    expires_at: datetime | None = None


def find_token_owner(conn: Connection, digest: str) -> TokenOwner | None:
    return token_owner(conn, api_tokens.c.token_digest, digest)


def token_owner(
    conn: Connection,
    digest_column: Column[str],
    digest: str,
    expires_column: Column[datetime] | None = None,
) -> TokenOwner | None:
    """The token whose ``digest_column`` holds ``digest`` (in a table of tokens: API tokens,
    OAuth2 access tokens) and its account: what authentication needs, in one indexed query."""
    tokens = digest_column.table
    row = conn.execute(
        select(
            tokens.c.id,
            tokens.c.api_key_id,
            tokens.c.scopes,
            accounts.c.account_id,
            accounts.c.master_account_id,
            accounts.c.rights,
            *([] if expires_column is None else [expires_column]),
        )
        .join(accounts, accounts.c.account_id == tokens.c.account_id)
        .where(digest_column == digest)
    ).first()
    return None if row is None else TokenOwner(*row)
