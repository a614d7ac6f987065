"""The activity log: written by devices, read newest first with an id cursor.

Every query walks one of the indexes (account_id, seq) or (smartlock_id, seq) backwards from
the cursor, so a page costs the same however long the log is.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from nukiweb.domain.smartlocks import LogEntry, LogQuery
from nukiweb.store.schema import smartlock_logs

_ENTRY_COLUMNS = [c for c in smartlock_logs.c if c.name != "seq"]


def insert_entry(conn: Connection, entry: LogEntry) -> None:
    conn.execute(insert(smartlock_logs).values(**asdict(entry)))


def _entry(row: Row[Any]) -> LogEntry:
    return LogEntry(**row._asdict())


def query_entries(conn: Connection, account_id: int, query: LogQuery) -> list[LogEntry]:
    table = smartlock_logs
    statement = select(*_ENTRY_COLUMNS).where(table.c.account_id == account_id)
    if query.smartlock_id is not None:
        statement = statement.where(table.c.smartlock_id == query.smartlock_id)
    if query.before_id is not None:
        cursor = (
            select(table.c.seq)
            .where(table.c.id == query.before_id, table.c.account_id == account_id)
            .scalar_subquery()
        )
        statement = statement.where(table.c.seq < cursor)
    if query.account_user_id is not None:
        statement = statement.where(table.c.account_user_id == query.account_user_id)
    if query.auth_id is not None:
        statement = statement.where(table.c.auth_id == query.auth_id)
    if query.action is not None:
        statement = statement.where(table.c.action == query.action)
    if query.from_date is not None:
        statement = statement.where(table.c.date >= query.from_date)
    if query.to_date is not None:
        statement = statement.where(table.c.date <= query.to_date)
    statement = statement.order_by(table.c.seq.desc()).limit(query.limit)
    return [_entry(row) for row in conn.execute(statement)]
