"""``GET /web/live``, the event stream of live pages, over HTTP: for a signed-in session only,
an ``event: change`` after a change of the account's data and none after another account's,
at most a few streams per session, and every stream ended when its server stops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx

from nukiweb.web.live import MAX_STREAMS_PER_SESSION
from tests.devices import act, add_device
from tests.support import AccountFixture, RunningServer, running_server
from tests.web.support import WebClient

LIVE = "/web/live"
UNLOCK = 1
# How long a read waits for the next line: longer than a poll (0.5 s) and shorter than the
# stream's keep-alive (15 s), which is the only thing an unchanged account's stream says.
QUIET = httpx.Timeout(10, read=3)


@contextmanager
def signed_in(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    with WebClient(server) as client:
        client.sign_in(account.email, account.password)
        yield client


@contextmanager
def stream(client: WebClient) -> Iterator[Iterator[str]]:
    """The stream's lines, once it has read the account's state to compare with (it says
    ``retry`` then)."""
    with client.http.stream("GET", LIVE, timeout=QUIET) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        lines = response.iter_lines()
        assert next(lines) == "retry: 2000"
        yield lines


def next_event(lines: Iterator[str]) -> str | None:
    """The name of the next event; None if the stream says nothing more for a while."""
    try:
        for line in lines:
            if line.startswith("event: "):
                return line.removeprefix("event: ")
    except httpx.ReadTimeout:
        return None
    return None


def test_the_stream_needs_a_signed_in_session(server: RunningServer) -> None:
    response = httpx.get(server.base_url + LIVE, timeout=10)

    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"


def test_a_change_of_the_accounts_device_is_said(
    server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    with signed_in(server, account) as client, stream(client) as lines:
        act(account.api, lock, UNLOCK)

        assert next_event(lines) == "change"


def test_another_accounts_change_is_not_said(
    server: RunningServer, account: AccountFixture, other_account: AccountFixture
) -> None:
    theirs = add_device(other_account, 4, name="Their door")
    with signed_in(server, account) as client, stream(client) as lines:
        act(other_account.api, theirs, UNLOCK)

        assert next_event(lines) is None


def test_a_session_has_a_few_streams_at_most(
    server: RunningServer, account: AccountFixture
) -> None:
    with signed_in(server, account) as client, ExitStack() as streams:
        for _ in range(MAX_STREAMS_PER_SESSION):
            streams.enter_context(stream(client))

        refused = client.get(LIVE)

        assert refused.status_code == 429
    # Closed streams give their places back.
    with signed_in(server, account) as client, stream(client):
        pass


def test_the_stream_ends_when_its_server_stops(
    database_url: str, server: RunningServer, account: AccountFixture
) -> None:
    with ExitStack() as client_side:
        with running_server(
            database_url, secrets=server.ctx.secrets, start=server.ctx.clock.now()
        ) as second:
            client = client_side.enter_context(signed_in(second, account))
            lines = client_side.enter_context(stream(client))
        # uvicorn finishes every response before it stops: the stream has ended, not timed out.
        assert [line for line in lines if line] == []
