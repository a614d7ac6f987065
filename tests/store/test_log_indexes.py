"""The activity log's indexes, as the migrations make them, are those of schema.py down to the
entries they leave out (which Alembic's comparison of the two does not look at): a page's
query can use an index only if it asks for no entry the index leaves out."""

from __future__ import annotations

import re

from sqlalchemy import inspect

from nukiweb.store.database import Database
from nukiweb.store.schema import smartlock_logs


def _not_null(where: object) -> frozenset[str]:
    """The columns an index's WHERE requires to be set, however the database writes it."""
    return frozenset(re.findall(r"(\w+)\)? IS NOT NULL", str(where), flags=re.IGNORECASE))


def test_migrated_log_indexes_hold_the_entries_schema_py_says(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        dialect = database.engine.dialect.name
        reflected = {
            index["name"]: (
                index["column_names"],
                _not_null(index.get("dialect_options", {}).get(f"{dialect}_where")),
            )
            for index in inspect(database.engine).get_indexes(smartlock_logs.name)
        }
    finally:
        database.dispose()
    expected = {
        index.name: (
            [column.name for column in index.columns],
            _not_null(index.dialect_options[dialect]["where"]),
        )
        for index in smartlock_logs.indexes
    }
    assert {name: reflected[name] for name in expected} == expected
    assert any(optional for _columns, optional in expected.values())
