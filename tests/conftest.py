"""Fixtures: every API test runs against a real server on SQLite, and again on PostgreSQL when
``NUKIWEB_TEST_POSTGRES_URL`` names a server (each run makes its own scratch database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.validation import ContractValidator
from tests.databases import BACKENDS, database_for
from tests.support import AccountFixture, RunningServer, make_account, running_server


@pytest.fixture(scope="session", params=BACKENDS)
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
