"""Reading and writing account users, always within one account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from nukiweb.domain.errors import Conflict
from nukiweb.domain.smartlocks import AccountUser
from nukiweb.store.schema import account_users, smartlock_auths

_COLUMNS = [c for c in account_users.c if c.name != "email_key"]


def _user(row: Row[Any]) -> AccountUser:
    return AccountUser(**row._asdict())


def insert_user(conn: Connection, values: dict[str, Any]) -> int:
    try:
        with conn.begin_nested():
            key = conn.execute(insert(account_users).values(**values)).inserted_primary_key
    except IntegrityError:
        raise Conflict("E-Mail address already exists") from None
    assert key is not None
    return int(key[0])


def update_user(conn: Connection, account_user_id: int, values: dict[str, Any]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                update(account_users)
                .where(account_users.c.account_user_id == account_user_id)
                .values(**values)
            )
    except IntegrityError:
        raise Conflict("E-Mail address already exists") from None


def get_user(conn: Connection, account_id: int, account_user_id: int) -> AccountUser | None:
    row = conn.execute(
        select(*_COLUMNS).where(
            account_users.c.account_id == account_id,
            account_users.c.account_user_id == account_user_id,
        )
    ).first()
    return None if row is None else _user(row)


def list_users(
    conn: Connection, account_id: int, email: str | None, offset: int, limit: int
) -> list[AccountUser]:
    statement = select(*_COLUMNS).where(account_users.c.account_id == account_id)
    if email:
        pattern = "%" + email.lower().replace("%", r"\%").replace("_", r"\_") + "%"
        statement = statement.where(account_users.c.email_key.like(pattern, escape="\\"))
    statement = statement.order_by(account_users.c.account_user_id).offset(offset).limit(limit)
    return [_user(row) for row in conn.execute(statement)]


def delete_user(conn: Connection, account_user_id: int) -> None:
    conn.execute(delete(account_users).where(account_users.c.account_user_id == account_user_id))


def settle_leaving_user(conn: Connection, account_user_id: int) -> bool:
    """A user being deleted goes once none of its authorizations is left; if some are left
    but none is in flight any more (their devices could not be reached), the delete is over
    and the user stays."""
    left = conn.execute(
        select(smartlock_auths.c.operation_id).where(
            smartlock_auths.c.account_user_id == account_user_id
        )
    ).all()
    leaving = account_users.c.account_user_id == account_user_id
    if not left:
        result = conn.execute(
            delete(account_users).where(leaving, account_users.c.operation_id.is_not(None))
        )
        return result.rowcount == 1
    if all(row.operation_id is None for row in left):
        conn.execute(update(account_users).where(leaving).values(operation_id=None))
    return False


def by_email_key(conn: Connection, account_id: int, key: str) -> AccountUser | None:
    row = conn.execute(
        select(*_COLUMNS).where(
            account_users.c.account_id == account_id, account_users.c.email_key == key
        )
    ).first()
    return None if row is None else _user(row)
