"""Reading and writing addresses, their devices, units and address tokens. Queries that serve a
caller say whose account."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, insert, select, update

from nukiweb.domain.short_rental import Address
from nukiweb.store.schema import (
    address_smartlocks,
    address_tokens,
    address_units,
    addresses,
    smartlock_auths,
    smartlocks,
)


def _address(row: Row[Any], smartlock_ids: Iterable[int]) -> Address:
    return Address(**row._asdict(), smartlock_ids=tuple(smartlock_ids))


def _smartlock_ids(conn: Connection, address_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {address_id: [] for address_id in address_ids}
    rows = conn.execute(
        select(address_smartlocks.c.address_id, address_smartlocks.c.smartlock_id)
        .where(address_smartlocks.c.address_id.in_(address_ids))
        .order_by(address_smartlocks.c.address_id, address_smartlocks.c.smartlock_id)
    )
    for address_id, smartlock_id in rows:
        found[address_id].append(smartlock_id)
    return found


def list_addresses(conn: Connection, account_id: int) -> list[Address]:
    rows = conn.execute(
        select(addresses)
        .where(addresses.c.account_id == account_id)
        .order_by(addresses.c.address_id)
    ).all()
    ids = _smartlock_ids(conn, [row.address_id for row in rows])
    return [_address(row, ids[row.address_id]) for row in rows]


def get_address(
    conn: Connection, account_id: int | None, address_id: int, *, for_update: bool = False
) -> Address | None:
    """The account's address (any account's with ``account_id`` ``None``: for jobs, which
    know the address, not its owner); ``for_update`` locks its row to the end of the
    transaction (PostgreSQL; SQLite's write transaction holds the file)."""
    statement = select(addresses).where(addresses.c.address_id == address_id)
    if account_id is not None:
        statement = statement.where(addresses.c.account_id == account_id)
    if for_update:
        statement = statement.with_for_update()
    row = conn.execute(statement).first()
    if row is None:
        return None
    return _address(row, _smartlock_ids(conn, [address_id])[address_id])


def insert_address(conn: Connection, values: dict[str, Any]) -> int:
    address_id: int = conn.execute(
        insert(addresses).values(**values).returning(addresses.c.address_id)
    ).scalar_one()
    return address_id


def update_address(conn: Connection, address_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(addresses).where(addresses.c.address_id == address_id).values(**values))


def set_smartlocks(conn: Connection, address_id: int, smartlock_ids: Iterable[int]) -> None:
    conn.execute(delete(address_smartlocks).where(address_smartlocks.c.address_id == address_id))
    rows = [
        {"address_id": address_id, "smartlock_id": smartlock_id} for smartlock_id in smartlock_ids
    ]
    if rows:
        conn.execute(insert(address_smartlocks), rows)


def delete_address(conn: Connection, address_id: int) -> None:
    """Its devices' links, units, tokens, feed and reservations go with it (cascades)."""
    conn.execute(delete(addresses).where(addresses.c.address_id == address_id))


def smartlock_names(conn: Connection, address_id: int) -> list[str]:
    rows = conn.execute(
        select(smartlocks.c.name)
        .join(address_smartlocks, address_smartlocks.c.smartlock_id == smartlocks.c.smartlock_id)
        .where(address_smartlocks.c.address_id == address_id)
        .order_by(smartlocks.c.smartlock_id)
    )
    return list(rows.scalars())


# --- units and address tokens ----------------------------------------------------------------


_UNIT_COLUMNS = (
    address_units.c.id,
    address_units.c.name,
    address_units.c.address_id,
    address_units.c.address_token_id,
    address_units.c.operation_id,
    address_units.c.creation_date,
    address_tokens.c.redeem_date,
    address_tokens.c.redeem_result,
)
_SELECT_UNITS: Select[Any] = select(*_UNIT_COLUMNS).join(
    address_tokens, address_tokens.c.id == address_units.c.address_token_id
)


def list_units(conn: Connection, address_id: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            _SELECT_UNITS.where(address_units.c.address_id == address_id).order_by(
                address_units.c.creation_date, address_units.c.id
            )
        )
    )


def get_unit(conn: Connection, address_id: int, unit_id: str) -> Row[Any] | None:
    return conn.execute(
        _SELECT_UNITS.where(address_units.c.address_id == address_id, address_units.c.id == unit_id)
    ).first()


def insert_unit(conn: Connection, unit: dict[str, Any], token: dict[str, Any]) -> None:
    conn.execute(insert(address_tokens).values(**token))
    conn.execute(insert(address_units).values(**unit))


def mark_unit_leaving(conn: Connection, unit_id: str, operation_id: str) -> None:
    """The unit is being deleted: it goes with the last authorization its token issued."""
    conn.execute(
        update(address_units).where(address_units.c.id == unit_id).values(operation_id=operation_id)
    )


def delete_unit(conn: Connection, unit_id: str) -> None:
    """The unit and its token."""
    token_id = conn.execute(
        delete(address_units)
        .where(address_units.c.id == unit_id)
        .returning(address_units.c.address_token_id)
    ).scalar()
    if token_id is not None:
        conn.execute(delete(address_tokens).where(address_tokens.c.id == token_id))


def list_tokens(conn: Connection, address_id: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(address_tokens)
            .where(address_tokens.c.address_id == address_id)
            .order_by(address_tokens.c.creation_date, address_tokens.c.id)
        )
    )


def get_token(conn: Connection, token_id: str, *, for_update: bool = False) -> Row[Any] | None:
    statement = select(address_tokens).where(address_tokens.c.id == token_id)
    if for_update:
        statement = statement.with_for_update()
    return conn.execute(statement).first()


def update_token(conn: Connection, token_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(address_tokens).where(address_tokens.c.id == token_id).values(**values))


def token_unit(conn: Connection, token_id: str) -> Row[Any] | None:
    return conn.execute(
        select(address_units).where(address_units.c.address_token_id == token_id)
    ).first()


def settle_leaving_unit(conn: Connection, address_token_id: str) -> None:
    """A unit being deleted goes with the last authorization its token issued."""
    unit = token_unit(conn, address_token_id)
    if unit is None or unit.operation_id is None:
        return
    left = conn.execute(
        select(smartlock_auths.c.id).where(smartlock_auths.c.address_token_id == address_token_id)
    ).first()
    if left is None:
        delete_unit(conn, unit.id)
