"""Fixtures: every API test runs against a real server on SQLite, and again on PostgreSQL when
``NUKIWEB_TEST_POSTGRES_URL`` names a server (each run makes its own scratch database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.contract.validation import ContractValidator
from tests.support import AccountFixture, RunningServer, make_account, running_server

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


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with database_for(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture(scope="session")
def contract() -> ContractValidator:
    return ContractValidator()


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[RunningServer]:
    with running_server(database_url) as running:
        yield running


@pytest.fixture
def account(server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(server, contract)
    yield made
    made.api.close()


@pytest.fixture
def other_account(server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(server, contract)
    yield made
    made.api.close()
