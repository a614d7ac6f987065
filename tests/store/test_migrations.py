"""The migrations create exactly the tables that the code describes, on both backends, and
running them again, or from several processes at once, changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from nukiweb.store.database import Database
from nukiweb.store.schema import metadata
from tests.databases import BACKENDS, database_for


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        with database.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert differences == []
    finally:
        database.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_upgrades_from_several_processes(backend: str, tmp_path: Path) -> None:
    with database_for(backend, tmp_path) as url:
        upgrade_from_processes(url, count=4)


def upgrade_from_processes(url: str, count: int) -> None:
    command = [sys.executable, "-m", "nukiweb", "db", "upgrade", "--database-url", url]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(count)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    database = Database(url)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert {"accounts", "api_keys", "api_tokens", "alembic_version"} <= tables
    finally:
        database.dispose()
