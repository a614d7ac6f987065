"""Reading and revoking what has access to an account (its API tokens and the OAuth2 tokens of
the apps it allowed), and recording when tokens were last used.

"The accounts of ``account_id``" are the account itself and, if it is a master account, its
sub-accounts: a master account sees and revokes its sub-accounts' integrations too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, or_, select, update

from nukiweb.domain.integrations import (
    App,
    GrantedToken,
    Holder,
    Integration,
    api_token_integration,
)
from nukiweb.store.schema import (
    accounts,
    advanced_api_keys,
    api_keys,
    api_tokens,
    oauth_codes,
    oauth_rotated_refresh_tokens,
    oauth_tokens,
)

# The largest id an API key can have (an INTEGER column): a larger one names none.
MAX_API_KEY_ID = 2**31 - 1
# Ids per UPDATE when recording activity: well under every driver's limit of bound parameters.
_BATCH = 500


def _accounts_of(account_id: int) -> ColumnElement[bool]:
    return or_(accounts.c.account_id == account_id, accounts.c.master_account_id == account_id)


def _held_by(table: Table, account_id: int) -> ColumnElement[bool]:
    return table.c.account_id.in_(select(accounts.c.account_id).where(_accounts_of(account_id)))


def _holder(row: Any) -> Holder:  # a Row of either query below
    return Holder(row.holder_id, row.holder_name, row.master_account_id is not None)


def list_api_token_integrations(conn: Connection, account_id: int) -> list[Integration]:
    rows = conn.execute(
        select(
            api_tokens.c.id,
            api_tokens.c.api_key_id,
            api_tokens.c.description,
            api_tokens.c.scopes,
            api_tokens.c.creation_date,
            api_tokens.c.last_active_at,
            accounts.c.account_id.label("holder_id"),
            accounts.c.name.label("holder_name"),
            accounts.c.master_account_id,
        )
        .join(accounts, accounts.c.account_id == api_tokens.c.account_id)
        .where(_accounts_of(account_id))
    )
    return [
        api_token_integration(
            row.api_key_id,
            _holder(row),
            row.id,
            row.description,
            row.scopes,
            row.creation_date,
            row.last_active_at,
        )
        for row in rows
    ]


def list_granted_tokens(conn: Connection, account_id: int) -> list[GrantedToken]:
    rows = conn.execute(
        select(
            oauth_tokens.c.scopes,
            oauth_tokens.c.creation_date,
            oauth_tokens.c.last_active_at,
            api_keys.c.api_key_id,
            api_keys.c.api_key,
            api_keys.c.description,
            advanced_api_keys.c.name.label("advanced_name"),
            advanced_api_keys.c.type.label("advanced_type"),
            advanced_api_keys.c.status.label("advanced_state"),
            accounts.c.account_id.label("holder_id"),
            accounts.c.name.label("holder_name"),
            accounts.c.master_account_id,
        )
        .join(accounts, accounts.c.account_id == oauth_tokens.c.account_id)
        .join(api_keys, api_keys.c.api_key_id == oauth_tokens.c.api_key_id)
        .outerjoin(advanced_api_keys, advanced_api_keys.c.api_key_id == api_keys.c.api_key_id)
        .where(_accounts_of(account_id))
    )
    return [
        GrantedToken(
            app=App(
                row.api_key_id,
                row.api_key,
                row.description,
                row.advanced_name,
                row.advanced_type,
                row.advanced_state,
            ),
            holder=_holder(row),
            scopes=row.scopes,
            created_at=row.creation_date,
            last_active_at=row.last_active_at,
        )
        for row in rows
    ]


def delete_api_token(
    conn: Connection, account_id: int, token_id: str, api_key_id: int | None
) -> bool:
    """Deletes an API token of the accounts of ``account_id`` (under ``api_key_id`` if given);
    false if they have none of that id."""
    conditions = [api_tokens.c.id == token_id, _held_by(api_tokens, account_id)]
    if api_key_id is not None:
        conditions.append(api_tokens.c.api_key_id == api_key_id)
    return conn.execute(delete(api_tokens).where(*conditions)).rowcount > 0


def delete_key_access(conn: Connection, account_id: int, api_key_id: int) -> bool:
    """Revokes everything the accounts of ``account_id`` gave through one API key: the API
    tokens issued under it and every OAuth2 grant to it as an app (tokens, codes not yet
    exchanged, the memory of rotated refresh tokens). The key itself stays. False if there
    was nothing."""
    revoked = conn.execute(
        delete(api_tokens).where(
            api_tokens.c.api_key_id == api_key_id, _held_by(api_tokens, account_id)
        )
    ).rowcount
    for table in (oauth_tokens, oauth_codes, oauth_rotated_refresh_tokens):
        deleted = conn.execute(
            delete(table).where(table.c.api_key_id == api_key_id, _held_by(table, account_id))
        ).rowcount
        if table is oauth_tokens:
            revoked += deleted
    return revoked > 0


def record_activity(
    conn: Connection, api_token_ids: Collection[str], oauth_token_ids: Collection[str], at: datetime
) -> None:
    """Marks tokens used at ``at``: a few statements per batch, whatever its size. Tokens
    deleted meanwhile are simply not there to update."""
    for table, ids in ((api_tokens, api_token_ids), (oauth_tokens, oauth_token_ids)):
        for chunk in _chunks(sorted(ids)):
            conn.execute(update(table).where(table.c.id.in_(chunk)).values(last_active_at=at))


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]
