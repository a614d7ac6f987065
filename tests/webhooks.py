"""A real webhook receiver for the tests: an HTTP server on a free loopback port, in a thread,
that records every POST (headers and raw body). It can be told to answer with an error status,
or to be down (stop listening) and to come back on the same port."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support import free_port

SIGNATURE_HEADER = "X-Nuki-Signature-SHA256"
EVENT_ID_HEADER = "X-Nuki-Event-Id"
POLL = 0.05


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def event_id(self) -> str:
        return self.headers[EVENT_ID_HEADER.lower()]

    @property
    def signature(self) -> str:
        return self.headers[SIGNATURE_HEADER.lower()]

    def signed_with(self, secret: str) -> bool:
        return signature_valid(secret, self.body, self.signature)


def signature_valid(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver checks: the hex HMAC-SHA256 of the raw body, keyed with the secret."""
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class Receiver:
    """Records what it is sent; answers ``status`` (200 unless told otherwise)."""

    def __init__(
        self, port: int | None = None, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.tls = tls  # answers https with this server context
        self.status = 200
        self.delay = 0.0  # seconds to take before answering: a slow receiver
        self.answer: bytes | None = None  # the body to answer with instead of a short JSON
        self.answer_headers: dict[str, str] = {}  # more headers to answer with
        # Answered 500, whatever ``status`` says: the POSTs whose JSON body this holds for.
        self.refuse: Callable[[dict[str, Any]], bool] | None = None
        self._received: list[Received] = []
        self._attempts: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/hook"

    # --- up and down ---------------------------------------------------------------------

    @property
    def up(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Listen (again) on this receiver's port."""
        if self._server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver.status
                refuse = receiver.refuse
                if refuse is not None and refuse(json.loads(body)):
                    status = 500
                time.sleep(receiver.delay)
                accepted = 200 <= status < 300
                receiver._record(Received(self.path, headers, body), accepted=accepted)
                answer = b'{"ok":true}' if status < 300 else b'{"error":"told to fail"}'
                answer = receiver.answer if receiver.answer is not None else answer
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                for name, value in receiver.answer_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(ConnectionError):  # a client that read enough
                    self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        deadline = time.monotonic() + 5
        while True:
            try:
                server = ThreadingHTTPServer((self.host, self.port), Handler)
                break
            except OSError:  # the port is still being released
                if time.monotonic() > deadline:
                    raise
                time.sleep(POLL)
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = False
        server.block_on_close = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: connections to the port are refused until ``start``."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join(10)
        server.server_close()

    # --- what arrived ---------------------------------------------------------------------

    def _record(self, received: Received, *, accepted: bool) -> None:
        with self._lock:
            self._attempts.append(received)
            if accepted:
                self._received.append(received)

    @property
    def received(self) -> list[Received]:
        """What was accepted (answered 2xx), in the order it arrived."""
        with self._lock:
            return list(self._received)

    @property
    def all_attempts(self) -> list[Received]:
        """Every POST, accepted or not."""
        with self._lock:
            return list(self._attempts)

    def payloads(self, feature: str | None = None) -> list[dict[str, Any]]:
        bodies = [item.json for item in self.received]
        return [body for body in bodies if feature is None or body.get("feature") == feature]

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._attempts.clear()

    def wait_for(
        self,
        predicate: Callable[[list[Received]], bool],
        timeout: float = 10.0,
        message: str = "",
    ) -> list[Received]:
        """Polls until ``predicate`` holds for what was received; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.received
            if predicate(received):
                return received
            if time.monotonic() > deadline:
                summary = [item.json for item in received]
                raise AssertionError(f"not received within {timeout} s {message}: {summary}")
            time.sleep(POLL)

    def wait_for_count(self, count: int, timeout: float = 10.0, **match: Any) -> list[Received]:
        """Waits until ``count`` payloads whose fields equal ``match`` have arrived; those."""

        def matching(received: list[Received]) -> list[Received]:
            return [r for r in received if all(r.json.get(k) == v for k, v in match.items())]

        self.wait_for(lambda received: len(matching(received)) >= count, timeout, str(match))
        return matching(self.received)

    def has_attempts(self, count: int) -> bool:
        return len(self.all_attempts) >= count

    def wait_for_attempts(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.all_attempts) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} attempts within {timeout} s")
            time.sleep(POLL)
        return self.all_attempts

    def stays_quiet(self, seconds: float = 0.5) -> bool:
        """Nothing new arrives (not even a failed attempt) for ``seconds``."""
        before = len(self.all_attempts)
        time.sleep(seconds)
        return len(self.all_attempts) == before


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, message: str = "") -> Any:
    """Polls ``condition`` until it returns something truthy; that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s {message}")
        time.sleep(POLL)


@contextmanager
def receiver(
    *,
    up: bool = True,
    port: int | None = None,
    host: str = "127.0.0.1",
    tls: ssl.SSLContext | None = None,
) -> Iterator[Receiver]:
    made = Receiver(port, host, tls)
    if up:
        made.start()
    try:
        yield made
    finally:
        made.stop()
