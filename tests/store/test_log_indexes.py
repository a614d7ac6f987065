"""The activity log's indexes, as the migrations make them, are those of schema.py down to their
WHERE (which Alembic's comparison of the two does not look at): a page's query can use an index
only if it repeats that WHERE, and each page's query has one index it can use."""

from __future__ import annotations

import re

from sqlalchemy import inspect

from nukiweb.store.database import Database
from nukiweb.store.schema import LOG_INDEXES, log_index_rows, smartlock_logs

Rows = tuple[frozenset[str], int]


def _rows(where: object) -> Rows:
    """The columns an index's WHERE requires to be set, and its mark (``seq <> -n``), however
    the database writes them."""
    text = str(where)
    mark = re.search(r"seq (?:<>|!=) '?-(\d+)", text)
    assert mark is not None, text
    not_null = re.findall(r"(\w+)\)? IS NOT NULL", text, flags=re.IGNORECASE)
    return frozenset(not_null), int(mark.group(1))


def test_migrated_log_indexes_hold_the_entries_schema_py_says(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        dialect = database.engine.dialect.name
        reflected = {
            index["name"]: (
                index["column_names"],
                _rows(index["dialect_options"][f"{dialect}_where"]),
            )
            for index in inspect(database.engine).get_indexes(smartlock_logs.name)
            if index["name"] in {index.name for index in smartlock_logs.indexes}
        }
    finally:
        database.dispose()
    expected = {
        index.name: (
            [column.name for column in index.columns],
            _rows(index.dialect_options[dialect]["where"]),
        )
        for index in smartlock_logs.indexes
    }
    assert reflected == expected


def test_every_log_index_has_a_mark_of_its_own() -> None:
    marks = [_rows(log_index_rows(owner, filters))[1] for owner, filters in LOG_INDEXES]
    assert sorted(marks) == list(range(1, len(LOG_INDEXES) + 1))
    assert len(smartlock_logs.indexes) == len(LOG_INDEXES) == 4 + 8
