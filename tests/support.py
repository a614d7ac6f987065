"""What the tests share: a real nukiweb server on a loopback port, and HTTP clients whose every
response is checked against the vendor's OpenAPI description."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from nukiweb.api.app import create_app
from nukiweb.bridges.broker import BrokerSettings
from nukiweb.bridges.mqtt import DEFAULT_COMMAND_TIMEOUT
from nukiweb.domain.limits import Limits
from nukiweb.domain.scopes import ALL_SCOPES, Scope
from nukiweb.mail.transports import Transport
from nukiweb.runtime import build_context
from nukiweb.secretbox import SecretBox
from nukiweb.services import accounts, api_keys
from nukiweb.services.context import ServiceContext
from nukiweb.serving import Server, server_config
from nukiweb.store.database import SQLITE_BUSY_TIMEOUT, Database
from nukiweb.webhooks.addresses import Resolver
from tests.contract.validation import ContractValidator

# Where the test server's simulated time starts: a Thursday, midnight UTC.
SIMULATION_START = datetime(2026, 1, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    ctx: ServiceContext
    base_url: str


@contextmanager
def running_server(
    database_url: str,
    *,
    public_url: str | None = None,
    forwarded_allow_ips: Sequence[str] = (),
    webhook_resolver: Resolver | None = None,
    secrets: SecretBox | None = None,
    limits: Limits | None = None,
    sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT,
    mail_transport: Transport | None = None,
    broker: BrokerSettings | None = None,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    start: datetime = SIMULATION_START,
    simulator_api: bool = True,
) -> Iterator[RunningServer]:
    """nukiweb under uvicorn in a thread, on a free loopback port, migrated and ready, configured
    as ``nukiweb serve`` configures it; ``webhook_resolver`` resolves webhooks' host names instead
    of the system's resolver; ``secrets``: the secret key (default: one of its own; servers that
    share a store share it too); ``sqlite_busy_timeout``: how long a write waits for SQLite's
    lock; ``mail_transport``: where its mails go (default: the log only); ``broker``: the MQTT
    broker of its real locks (default: none); ``start``: where its manual clock starts (a server
    sharing another's store starts at that one's time, or that one's job worker would find this
    one's deadlines long past); ``simulator_api``: whether it serves the simulator control API
    and panel (as ``serve --simulator`` does)."""
    database = Database(database_url, sqlite_busy_timeout=sqlite_busy_timeout)
    secrets = secrets or SecretBox.ephemeral()
    database.upgrade(secrets)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Simulated time stands still until a test advances it (POST /simulator/clock/advance).
    ctx = build_context(
        database,
        manual_clock=True,
        start=start,
        secrets=secrets,
        allow_local_webhooks=True,
        public_url=public_url or base_url,
        limits=limits,
        mail_transport=mail_transport,
        broker=broker,
        command_timeout=command_timeout,
    )
    app = create_app(ctx, simulator_api=simulator_api, webhook_resolver=webhook_resolver)
    config = server_config(
        app, "127.0.0.1", port, forwarded_allow_ips=forwarded_allow_ips, log_level="warning"
    )
    server = Server(config, app)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    if ctx.broker is not None:
        deadline = time.monotonic() + 10
        while not ctx.broker.connected.is_set():
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not reach its MQTT broker")
            time.sleep(0.01)
    try:
        yield RunningServer(ctx, base_url)
    finally:
        server.should_exit = True
        thread.join(10)
        database.dispose()


class ApiClient:
    """An HTTP client for one bearer token; every response is validated against the vendor spec."""

    def __init__(
        self, server: RunningServer, token: str | None, validator: ContractValidator
    ) -> None:
        self.server = server
        self.token = token
        self._validator = validator
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=server.base_url, headers=headers, timeout=10)
        self._derived: list[ApiClient] = []

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        self._validator.validate(response)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def with_token(self, token: str | None) -> ApiClient:
        """A client for another token, closed with this one."""
        derived = ApiClient(self.server, token, self._validator)
        self._derived.append(derived)
        return derived

    def close(self) -> None:
        for derived in self._derived:
            derived.close()
        self._http.close()


@dataclass
class AccountFixture:
    """An account made for one test, with an all-scopes token and a client that uses it."""

    account_id: int
    email: str
    password: str
    token: str
    api: ApiClient

    def token_with(self, *scopes: Scope) -> str:
        _token, value = api_keys.issue_token_for_account(
            self.api.server.ctx, self.account_id, "test", frozenset(scopes)
        )
        return value

    def client_with(self, *scopes: Scope) -> ApiClient:
        return self.api.with_token(self.token_with(*scopes))


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def make_account(
    server: RunningServer,
    validator: ContractValidator,
    password: str = "correct horse",  # noqa: S107
) -> AccountFixture:
    email = unique_email()
    account = accounts.create_account(server.ctx, email, password, "Test User")
    _token, value = api_keys.issue_token_for_account(
        server.ctx, account.account_id, "test", ALL_SCOPES
    )
    return AccountFixture(
        account.account_id, email, password, value, ApiClient(server, value, validator)
    )


T = TypeVar("T")


def run_on_a_loop_of_its_own(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """The coroutine ``make`` makes, run to its end on a new event loop in a thread of its own:
    the test's thread may have a loop running already (Playwright's sync API keeps one while
    the browser tests' session lasts), and ``asyncio.run`` refuses to start there."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(make())).result()
