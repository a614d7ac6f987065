"""Databases for tests: a SQLite file, or a scratch PostgreSQL database made for the run when
``NUKIWEB_TEST_POSTGRES_URL`` names a server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_ENV = "NUKIWEB_TEST_POSTGRES_URL"


@contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test run, dropped at the end."""
    admin_url = make_url(os.environ[POSTGRES_ENV]).set(drivername="postgresql+psycopg")
    name = f"nukiweb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database_for(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'nukiweb.db'}"
        return
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    with scratch_postgres_database() as url:
        yield url
