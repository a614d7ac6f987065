"""Fixtures: every API test runs against a real server on SQLite, and again on PostgreSQL when
``NUKIWEB_TEST_POSTGRES_URL`` names a server (each run makes its own scratch database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nukiweb.api.app import ROUTERS, implemented_operation_ids
from tests.contract.validation import ContractValidator
from tests.databases import BACKENDS, database_for
from tests.mqtt import broker, mqtt_url  # noqa: F401 - fixtures: the tests' own Mosquitto
from tests.support import AccountFixture, RunningServer, make_account, running_server


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with database_for(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


VALIDATOR = pytest.StashKey[ContractValidator]()


@pytest.fixture(scope="session")
def contract(request: pytest.FixtureRequest) -> ContractValidator:
    validator = ContractValidator()
    request.config.stash[VALIDATOR] = validator
    return validator


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After a full, green run: every implemented operation must have had a successful
    response validated against the vendor's spec, or the run fails."""
    options = session.config.option
    whole_suite = not session.config.args or session.config.args == ["tests"]
    if exitstatus != 0 or not whole_suite or options.keyword or options.markexpr:
        return
    validated = session.config.stash.get(VALIDATOR, ContractValidator()).validated
    unvalidated = implemented_operation_ids(ROUTERS) - validated
    if unvalidated:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"FAILED: no validated response for implemented operations: {sorted(unvalidated)}",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
