"""The activity log: written by devices, read newest first (by date, then by the order written)
with an id cursor.

A page is one range of one index, read backwards from where it starts, whatever the filters:
the table has an index for each set of equality filters a query can have (see ``schema.py``),
whose columns are those filters followed by ``date`` and ``seq``, so that the date bounds and
the cursor are the two ends of the range and the order is the index's own. A page costs the same
however long the log is, and however rare the entries it asks for.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, tuple_

from nukiweb.domain.smartlocks import LogEntry, LogQuery
from nukiweb.store.schema import smartlock_logs, smartlocks

_ENTRY_COLUMNS = [c for c in smartlock_logs.c if c.name != "seq"]

Position = tuple[datetime, int]
"""Where an entry stands in the log's order: its date, then its ``seq``."""


def insert_entry(conn: Connection, entry: LogEntry) -> None:
    conn.execute(insert(smartlock_logs).values(**asdict(entry)))


def _entry(row: Row[Any]) -> LogEntry:
    return LogEntry(**row._asdict())


def query_entries(conn: Connection, account_id: int, query: LogQuery) -> list[LogEntry]:
    """A page of the account's log, or of its device's; none after an id that is not an entry
    of the account's."""
    cursor = None
    if query.before_id is not None:
        cursor = entry_position(conn, account_id, query.before_id)
        if cursor is None:
            return []
    statement = page_statement(account_id, query, cursor)
    read_in_index_order(conn)
    return [_entry(row) for row in conn.execute(statement)]


def read_in_index_order(conn: Connection) -> None:
    """For the rest of the transaction, PostgreSQL reads a page from the index that has its
    order rather than collecting every matching entry and sorting them.

    Its planner picks the latter when it expects few matching entries, and it expects too few
    for a device's authorization or an account's user: those values belong to one device or
    account, while the planner takes them for independent of it and assumes an average device.
    At 1 million entries a page for a common authorization then read some 2,000 pages of the
    table instead of 50 (bench/logs.py). SQLite, without statistics, always takes the index."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_sort = off")


def entry_position(conn: Connection, account_id: int, entry_id: str) -> Position | None:
    """Where the account's entry stands in the log's order; None if it has no such entry."""
    table = smartlock_logs
    row = conn.execute(
        select(table.c.date, table.c.seq).where(
            table.c.id == entry_id, table.c.account_id == account_id
        )
    ).first()
    return None if row is None else (row.date, row.seq)


def page_statement(account_id: int, query: LogQuery, cursor: Position | None) -> Select[Any]:
    """The SELECT of a page: entries older than ``cursor`` (the position of ``before_id``)."""
    table = smartlock_logs
    if query.smartlock_id is None:
        statement = select(*_ENTRY_COLUMNS).where(table.c.account_id == account_id)
    else:
        # The device, if it is the account's: one value, looked up first, so that the device's
        # indexes are the only ones a planner can pick (no account_id term to match others).
        device = (
            select(smartlocks.c.smartlock_id)
            .where(
                smartlocks.c.smartlock_id == query.smartlock_id,
                smartlocks.c.account_id == account_id,
            )
            .scalar_subquery()
        )
        statement = select(*_ENTRY_COLUMNS).where(table.c.smartlock_id == device)
    if query.action is not None:
        statement = statement.where(table.c.action == query.action)
    if query.account_user_id is not None:
        statement = statement.where(table.c.account_user_id == query.account_user_id)
    if query.auth_id is not None:
        statement = statement.where(table.c.auth_id == query.auth_id)
    if query.from_date is not None:
        statement = statement.where(table.c.date >= query.from_date)
    to_date, cursor = _tighter_end(query.to_date, cursor)
    if to_date is not None:
        statement = statement.where(table.c.date <= to_date)
    if cursor is not None:
        statement = statement.where(tuple_(table.c.date, table.c.seq) < cursor)
    return statement.order_by(table.c.date.desc(), table.c.seq.desc()).limit(query.limit)


def _tighter_end(
    to_date: datetime | None, cursor: Position | None
) -> tuple[datetime | None, Position | None]:
    """Of ``toDate`` and the cursor, the one that ends the range first (the other then excludes
    nothing more). Given both, a database may start its backward scan from either and filter
    with the other, which reads every entry between the two: pages deep into a log with a
    ``toDate`` would cost more the deeper they are."""
    if to_date is None or cursor is None:
        return to_date, cursor
    if to_date < cursor[0]:
        return to_date, None
    return None, cursor
