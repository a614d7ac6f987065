"""Reading and writing accounts. Every query that reaches another account's data says whose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from nukiweb.domain.accounts import Account
from nukiweb.domain.errors import Conflict
from nukiweb.domain.rights import Rights
from nukiweb.store.async_readers import AsyncReaders
from nukiweb.store.hot import HotQuery
from nukiweb.store.schema import accounts

# Secrets (the password's hash, the one-time-password secrets) are read only where they are used.
_ACCOUNT_COLUMNS = [
    c
    for c in accounts.c
    if c.name
    not in (
        "password_hash",
        "email_key",
        "setting",
        "otp_secret",
        "otp_pending_secret",
        "otp_last_step",
    )
]


def _account(row: Row[Any]) -> Account:
    rights = row.rights
    return Account(
        account_id=row.account_id,
        type=row.type,
        email=row.email,
        email_verified=row.email_verified,
        name=row.name,
        master_account_id=row.master_account_id,
        rights=None if rights is None else Rights(rights),
        language=row.language,
        config=row.config,
        profile=row.profile,
        creation_date=row.creation_date,
        update_date=row.update_date,
    )


def _email_taken() -> Conflict:
    return Conflict("E-Mail address already exists")


def insert_account(conn: Connection, values: dict[str, Any]) -> int:
    try:
        with conn.begin_nested():
            result = conn.execute(insert(accounts).values(**values))
    except IntegrityError:
        raise _email_taken() from None
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# Built once: on the hot path, building a statement costs as much as running it.
_SELECT_ACCOUNT = select(*_ACCOUNT_COLUMNS).where(accounts.c.account_id == bindparam("account_id"))


_HOT_ACCOUNT = HotQuery(_SELECT_ACCOUNT)
_ACCOUNT_FIELDS = [column.name for column in _ACCOUNT_COLUMNS]


def get_account(conn: Connection, account_id: int) -> Account | None:
    """Every authenticated ``GET /account`` reads this: through the thin path."""
    return _hot_account(_HOT_ACCOUNT.first(conn, {"account_id": account_id}))


async def get_account_async(readers: AsyncReaders, account_id: int) -> Account | None:
    """``get_account`` awaited on PostgreSQL's asynchronous readers."""
    return _hot_account(await _HOT_ACCOUNT.first_async(readers, {"account_id": account_id}))


def _hot_account(row: tuple[Any, ...] | None) -> Account | None:
    if row is None:
        return None
    values = dict(zip(_ACCOUNT_FIELDS, row, strict=True))
    rights = values["rights"]
    return Account(**values | {"rights": None if rights is None else Rights(rights)})


def get_sub_account(conn: Connection, master_account_id: int, account_id: int) -> Account | None:
    row = conn.execute(
        select(*_ACCOUNT_COLUMNS).where(
            accounts.c.account_id == account_id,
            accounts.c.master_account_id == master_account_id,
        )
    ).first()
    return None if row is None else _account(row)


def list_sub_accounts(conn: Connection, master_account_id: int) -> list[Account]:
    rows = conn.execute(
        select(*_ACCOUNT_COLUMNS)
        .where(accounts.c.master_account_id == master_account_id)
        .order_by(accounts.c.account_id)
    )
    return [_account(row) for row in rows]


def count_sub_accounts(conn: Connection, master_account_id: int) -> int:
    counted = select(func.count()).where(accounts.c.master_account_id == master_account_id)
    return int(conn.execute(counted).scalar_one())


def find_credentials(conn: Connection, email_key: str) -> tuple[int, str] | None:
    """The id and password hash of the account with this (lower-cased) email."""
    row = conn.execute(
        select(accounts.c.account_id, accounts.c.password_hash).where(
            accounts.c.email_key == email_key
        )
    ).first()
    return None if row is None else (row.account_id, row.password_hash)


def update_account(
    conn: Connection, account_id: int, values: dict[str, Any], now: datetime
) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                update(accounts)
                .where(accounts.c.account_id == account_id)
                .values(**values, update_date=now)
            )
    except IntegrityError:
        raise _email_taken() from None


def lock_account(conn: Connection, account_id: int) -> None:
    """Holds the account's row until the transaction ends, so that what counts an account's
    API keys, tokens or subscribers and then adds one runs for one account at a time, in every
    instance. An UPDATE (of nothing) rather than SELECT … FOR UPDATE: SQLite has no row locks,
    but an UPDATE takes its write lock; run it first in the transaction."""
    conn.execute(
        update(accounts)
        .where(accounts.c.account_id == account_id)
        .values(update_date=accounts.c.update_date)
    )


def delete_account(conn: Connection, account_id: int) -> None:
    conn.execute(delete(accounts).where(accounts.c.account_id == account_id))


def get_setting(conn: Connection, account_id: int) -> dict[str, Any] | None:
    setting: dict[str, Any] | None = conn.execute(
        select(accounts.c.setting).where(accounts.c.account_id == account_id)
    ).scalar()
    return setting


def set_setting(conn: Connection, account_id: int, setting: dict[str, Any] | None) -> None:
    conn.execute(
        update(accounts).where(accounts.c.account_id == account_id).values(setting=setting)
    )
