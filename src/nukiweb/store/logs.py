"""The activity log: written by devices, read newest first (by date, then by the order written)
with an id cursor.

A page is one range of one index, read backwards from where it starts, whatever the filters:
the table has an index for each set of equality filters a query can have (see ``schema.py``),
whose columns are those filters followed by ``date`` and ``seq``, so that the date bounds and
the cursor are the two ends of the range and the order is the index's own; and the query names
its index by repeating that index's WHERE (``schema.log_index_rows``). A page costs the same
however long the log is, and however rare the entries it asks for, or when none match.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, tuple_

from nukiweb.domain.smartlocks import LogEntry, LogQuery
from nukiweb.store.schema import LOG_FILTERS, log_index_rows, smartlock_logs

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
    """For the rest of the transaction, PostgreSQL reads a page in its index's order rather
    than collecting every matching entry and sorting them.

    Its planner picks the latter when it expects few matching entries, and it expects too few
    for a device's authorization or an account's user: values that belong to one device or
    account, which it takes for independent of them. At 1 million entries a page for a common
    authorization then read some 2,000 pages of the table instead of 50 (bench/logs.py).
    SQLite, without statistics, reads in the index's order."""
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
    """The SELECT of a page: entries older than ``cursor`` (the position of ``before_id``).
    (Given an ``auth_id``, the account's log filters by it too, without an index of its own.)"""
    table = smartlock_logs
    owner = "account_id" if query.smartlock_id is None else "smartlock_id"
    equal = {
        "smartlock_id": query.smartlock_id,
        "action": query.action,
        "account_user_id": query.account_user_id,
        "auth_id": query.auth_id,
    }
    filters = tuple(column for column in LOG_FILTERS[owner] if equal[column] is not None)
    statement = select(*_ENTRY_COLUMNS).where(
        table.c.account_id == account_id,
        *(table.c[column] == value for column, value in equal.items() if value is not None),
        log_index_rows(owner, filters),
    )
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
