"""Every filter combination of the activity log is read from its own index, in the index's order:
the plan of each page's query, on SQLite and on PostgreSQL, reads that index and sorts nothing,
with or without date bounds and a cursor (how long it takes is bench/logs.py's to measure)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from nukiweb.domain.smartlocks import LogQuery
from nukiweb.store import logs as log_store
from nukiweb.store.database import Database
from nukiweb.store.schema import LOG_INDEXES, smartlock_logs

VALUES = {"action": 2, "account_user_id": 7, "auth_id": "a" * 24}
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
BOUNDS = {
    "no bounds": {},
    "dates": {"from_date": MOMENT, "to_date": MOMENT},
    "cursor": {"from_date": MOMENT},
}


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[Database]:
    migrated = Database(database_url)
    migrated.upgrade()
    yield migrated
    migrated.dispose()


def _index_for(owner: str, filters: tuple[str, ...]) -> str:
    columns = [owner, *filters, "date", "seq"]
    (index,) = [i for i in smartlock_logs.indexes if [c.name for c in i.columns] == columns]
    return str(index.name)


def _plan(database: Database, query: LogQuery, cursor: log_store.Position | None) -> str:
    """The plan as text: the indexes it reads and the steps it takes."""
    statement = log_store.page_statement(1, query, cursor)
    with database.read() as conn:
        log_store.read_in_index_order(conn)
        sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if database.is_postgresql:
            document = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar()
            return json.dumps(document)
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
        return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("bounds", list(BOUNDS))
@pytest.mark.parametrize(("owner", "filters"), LOG_INDEXES, ids=str)
def test_each_filter_combination_reads_its_own_index_without_sorting(
    database: Database, owner: str, filters: tuple[str, ...], bounds: str
) -> None:
    fields: dict[str, Any] = {column: VALUES[column] for column in filters}
    if owner == "smartlock_id":
        fields["smartlock_id"] = 5
    query = LogQuery(limit=50, **fields, **BOUNDS[bounds])
    cursor = (MOMENT, 99) if bounds == "cursor" else None
    plan = _plan(database, query, cursor)
    own = _index_for(owner, filters)
    assert own in plan
    assert "Sort" not in plan
    assert "TEMP B-TREE" not in plan
    others = {str(index.name) for index in smartlock_logs.indexes} - {own}
    assert not [name for name in others if f'{name}"' in plan or f"{name} " in plan]
