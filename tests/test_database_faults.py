"""The database blips, and no request answers 500: a real server over real HTTP, its store cut
off and given back.

- PostgreSQL ends the server's sessions (``pg_terminate_backend``): the next requests, reads and
  writes alike, answer as if nothing happened.
- PostgreSQL out of reach (a TCP proxy in front of it, cut): requests answer 503 with
  ``Retry-After``, each surface in its own shape; when the proxy lets connections through again
  they answer 200, and a webhook event written before the cut reaches its receiver.
- SQLite's write lock held by another process beyond the busy timeout: 503, not 500; admin
  commands writing while the server is under load succeed, and the load sees no error.
- A simulated device whose timed step meets an unavailable store finishes its action once the
  store answers again: its operation is never left hanging.

No timing assertions: every wait is bounded polling with a generous deadline.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import make_url, select

from nukiweb.domain.webhooks import FIRST_RETRY_SECONDS
from nukiweb.secretbox import SecretBox
from nukiweb.store.schema import webhook_subscribers
from tests.contract.validation import ContractValidator
from tests.databases import POSTGRES_ENV, scratch_postgres_database
from tests.devices import add_device, advance, simulate
from tests.support import AccountFixture, RunningServer, make_account, running_server
from tests.tcp_proxy import TcpProxy, tcp_proxy
from tests.webhooks import receiver, wait_until

DEADLINE = 30.0
CLI_TIMEOUT = 120
MOTOR = 1.5  # the test server's motor time
LOCK, UNLOCK = 2, 1
LOCKED, UNLOCKED = 1, 3  # SmartlockState.state


@contextmanager
def _account(server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(server, contract)
    try:
        yield made
    finally:
        made.api.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of the test's own: no other test's server reads its sessions,
    serves its webhooks, or has its sessions ended."""
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"PostgreSQL's sessions and connections: tests need {POSTGRES_ENV}")
    with scratch_postgres_database() as url:
        yield url


def _no_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    """One warning line per failure is the most an outage may leave: no error, no traceback."""
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)


def _terminate_sessions(database_url: str) -> int:
    """Ends every other session on the server's database, waiting until each has gone."""
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        ended = conn.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(1 for (done,) in ended if done)


# --- PostgreSQL ends the sessions ------------------------------------------------------------


def test_sessions_ended_by_postgresql_are_replaced_and_no_request_fails(
    postgres_url: str, contract: ContractValidator, caplog: pytest.LogCaptureFixture
) -> None:
    with running_server(postgres_url) as server, _account(server, contract) as account:
        api = account.api
        smartlock_id = add_device(account, 4)
        simulate(api, smartlock_id, "door", open=True)
        advance(api, 1)
        requests = [
            ("GET", "/account", None),
            ("GET", "/smartlock", None),
            ("GET", f"/smartlock/{smartlock_id}", None),
            ("GET", "/smartlock/log", None),
            ("GET", f"/smartlock/{smartlock_id}/log", None),
            ("POST", f"/smartlock/{smartlock_id}/action", {"action": UNLOCK}),
            ("POST", "/simulator/clock/advance", {"seconds": MOTOR}),
            ("POST", "/account", {"name": "Renamed", "language": "de"}),
            ("GET", "/account/setting", None),
        ]
        for _round in range(2):
            for method, path, body in requests:
                assert _terminate_sessions(postgres_url) > 0
                # Who the token is, read again: the token cache would otherwise hide the read.
                server.ctx.tokens.invalidate()
                response = api.request(method, path, json=body)
                assert response.status_code < 500, (method, path, response.text)
                assert path.endswith("setting") or response.status_code < 300, response.text
        assert api.get(f"/smartlock/{smartlock_id}").json()["state"]["state"] == UNLOCKED
        assert api.get("/account").json()["name"] == "Renamed"
    _no_error_logged(caplog)


# --- PostgreSQL out of reach -----------------------------------------------------------------


@contextmanager
def _server_behind_a_proxy(database_url: str) -> Iterator[tuple[RunningServer, TcpProxy]]:
    url = make_url(database_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with running_server(proxied) as server:
            yield server, proxy


def _unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert 1 <= int(response.headers["Retry-After"]) <= 30


def _subscriber_failures(server: RunningServer, account_id: int) -> int:
    failures = select(webhook_subscribers.c.failures).where(
        webhook_subscribers.c.account_id == account_id
    )
    with server.ctx.db.read() as conn:
        return int(conn.execute(failures).scalar_one())


def test_a_database_out_of_reach_is_503_and_nothing_is_lost(
    postgres_url: str, contract: ContractValidator, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        _server_behind_a_proxy(postgres_url) as (server, proxy),
        receiver() as hook,
        _account(server, contract) as account,
    ):
        api = account.api
        smartlock_id = add_device(account, 4)
        body = {"webhookUrl": hook.url, "webhookFeatures": ["DEVICE_LOGS"]}
        assert api.put("/api/decentralWebhook", json=body).status_code == 200
        # An event written before the cut, which the receiver does not take yet.
        hook.status = 500
        simulate(api, smartlock_id, "door", open=True)
        advance(api, 1)
        first = hook.wait_for_attempts(1)[0]
        wait_until(lambda: _subscriber_failures(server, account.account_id) >= 1)

        proxy.cut()
        headers = {"Authorization": f"Bearer {account.token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            for _read_again in range(2):
                for path in ("/account", "/smartlock", f"/smartlock/{smartlock_id}/log"):
                    response = client.get(path)
                    _unavailable(response)
                    assert response.json()["detailMessage"]
                    assert response.json()["stackTrace"] == []
                server.ctx.tokens.invalidate()  # and again, authenticating on the store
            action = client.post(f"/smartlock/{smartlock_id}/action", json={"action": LOCK})
            _unavailable(action)
            page = client.get("/web/smartlocks", headers={"Cookie": "nukiweb_session=" + "x" * 40})
            _unavailable(page)
            assert page.headers["content-type"].startswith("text/html")
            assert "Traceback" not in page.text
            token = client.post("/oauth/token", data={"grant_type": "authorization_code"})
            _unavailable(token)
            assert token.json() == {"error": "temporarily_unavailable"}

            # The delivery worker meets the outage too, and waits it out.
            wait_until(lambda: _logged(caplog, "webhook delivery: the store is unavailable"))
            hook.status = 200
            proxy.restore()
            statuses = []

            def answers() -> bool:
                statuses.append(client.get("/account").status_code)
                return statuses[-1] == 200

            wait_until(answers, DEADLINE)
            assert set(statuses) <= {200, 503}, statuses
        for path in ("/account", "/smartlock", f"/smartlock/{smartlock_id}/log"):
            assert api.get(path).status_code == 200
        # The event written before the cut, delivered after it: nothing lost.
        deadline = time.monotonic() + DEADLINE
        while not hook.received and time.monotonic() < deadline:
            advance(api, FIRST_RETRY_SECONDS)
            time.sleep(0.1)
        assert [item.event_id for item in hook.received] == [first.event_id]
        assert hook.received[0].body == first.body
    _no_error_logged(caplog)


# --- SQLite's write lock ---------------------------------------------------------------------


@contextmanager
def _write_lock_held(database: Path) -> Iterator[None]:
    """Another process's write transaction, open for as long as the block runs."""
    with closing(sqlite3.connect(database, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")


def _client(server: RunningServer, account: AccountFixture) -> httpx.Client:
    """A client that checks nothing itself (the contract's checks refuse every 5xx)."""
    headers = {"Authorization": f"Bearer {account.token}"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=30)


def test_a_write_lock_held_beyond_the_busy_timeout_is_503_not_500(
    tmp_path: Path, contract: ContractValidator, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "nukiweb.db"
    with (
        running_server(f"sqlite:///{database}", sqlite_busy_timeout=0.2) as server,
        _account(server, contract) as account,
    ):
        rename = {"name": "Held", "language": "en"}
        with _client(server, account) as client:
            with _write_lock_held(database):
                response = client.post("/account", json=rename)
                _unavailable(response)
                assert response.json()["detailMessage"]
                token = client.post("/oauth/token", data={"grant_type": "authorization_code"})
                _unavailable(token)
                assert token.json() == {"error": "temporarily_unavailable"}
                # Readers are not held up by a writer (WAL).
                assert client.get("/account").status_code == 200
            assert client.post("/account", json=rename).status_code == 204
        assert account.api.get("/account").json()["name"] == "Held"
    _no_error_logged(caplog)


def test_a_timed_step_that_meets_a_held_lock_waits_and_the_action_finishes(
    tmp_path: Path, contract: ContractValidator, caplog: pytest.LogCaptureFixture
) -> None:
    """The device's chain pauses while the store cannot take its step, and goes on, in order,
    once it can: the operation ends, and the device takes commands again."""
    database = tmp_path / "nukiweb.db"
    with (
        running_server(f"sqlite:///{database}", sqlite_busy_timeout=0.1) as server,
        _account(server, contract) as account,
    ):
        api = account.api
        smartlock_id = add_device(account, 4)
        assert api.get(f"/smartlock/{smartlock_id}").json()["state"]["state"] == LOCKED
        response = api.post(f"/smartlock/{smartlock_id}/action", json={"action": UNLOCK})
        assert response.status_code == 204, response.text
        with _write_lock_held(database), _client(server, account) as client:
            moved = client.post("/simulator/clock/advance", json={"seconds": MOTOR})
            assert moved.status_code == 204, moved.text
        assert _logged(caplog, "event waits for the store")
        busy = api.post(f"/smartlock/{smartlock_id}/action", json={"action": LOCK})
        assert busy.status_code == 423
        advance(api, 60)
        shown = api.get(f"/smartlock/{smartlock_id}").json()
        assert shown["state"]["state"] == UNLOCKED
        assert "error" not in shown or not shown["error"], shown
        entries = api.get(f"/smartlock/{smartlock_id}/log").json()
        assert [entry["action"] for entry in entries] == [UNLOCK]
        again = api.post(f"/smartlock/{smartlock_id}/action", json={"action": LOCK})
        assert again.status_code == 204, again.text


def _admin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nukiweb", "admin", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def test_admin_commands_write_while_the_server_is_under_load(
    tmp_path: Path, contract: ContractValidator, caplog: pytest.LogCaptureFixture
) -> None:
    """The CLI takes the same path as the server (busy timeout, BEGIN IMMEDIATE): it waits for
    the server's short writes, the server for its, and nobody sees "database is locked"."""
    database = tmp_path / "nukiweb.db"
    secrets = SecretBox.for_data_dir(tmp_path)  # the one the CLI reads from its data dir
    with (
        running_server(f"sqlite:///{database}", secrets=secrets) as server,
        _account(server, contract) as account,
    ):
        statuses: Counter[int] = Counter()
        stop = threading.Event()

        def load() -> None:
            with _client(server, account) as client:
                while not stop.is_set():
                    statuses[client.put("/account/setting", json={"web": {}}).status_code] += 1
                    statuses[client.get("/account").status_code] += 1

        workers = [threading.Thread(target=load) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            tokens = []
            for _command in range(3):
                made = _admin("create-token", "--email", account.email, cwd=tmp_path)
                assert made.returncode == 0, made.stderr
                tokens.append(made.stdout.strip())
        finally:
            stop.set()
            for worker in workers:
                worker.join(DEADLINE)
        assert statuses
        assert set(statuses) == {200}, statuses
        for token in tokens:
            assert account.api.with_token(token).get("/account").status_code == 200
    _no_error_logged(caplog)
