"""Posting a webhook: one HTTP/1.1 request, on a kept-alive connection to a checked address.

The delivery worker sends a subscriber's events one after another, each once the previous one
was answered (that is what keeps them in order), so the cost of one request bounds how many
deliveries a second a subscriber gets. httpx's layers cost several times the request itself
(bench/README.md, "Webhooks"); this client writes a request in one piece and reads the answer
with h11, the parser httpx uses too. It does only what a webhook needs: a POST, no redirects,
no proxies, no cookies, no decompression (an answer is kept as it came, and only its start).

Where a request goes is decided as ``addresses`` says: the host name is resolved once per
connection, every address it resolves to is checked, and the connection is made to one of
them; the request keeps its host name (the Host header, the TLS server name and the
certificate's verification are the host name's). Connections are kept per scheme, host and port
for ``IDLE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from dataclasses import dataclass, field

import h11
import httpx

from nukiweb.webhooks.addresses import Resolver, checked_addresses

IDLE_SECONDS = 5.0  # a kept connection is closed after this long unused
MAX_IDLE_PER_ORIGIN = 32  # as many as subscribers are served at once
READ_SIZE = 64 * 1024
MAX_HEAD = 100 * 1024  # an answer's status line and headers, as httpcore allows
DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host (its ASCII form), port


class BadAnswer(Exception):
    """The receiver answered something that is not HTTP/1.1, or closed the connection first."""


class _ClosedBeforeAnswer(BadAnswer):
    """A kept connection the receiver had closed: nothing was answered on it."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]  # names lower-cased
    start: bytes  # the body as it came (not decompressed), up to the limit asked for
    complete: bool  # whether that was all of it


@dataclass(frozen=True, slots=True)
class _Target:
    origin: Origin
    host_header: str
    path: str  # with the query


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    parser: h11.Connection = field(
        default_factory=lambda: h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
    )
    idle_since: float = 0.0

    def stale(self, now: float) -> bool:
        """Closed by the receiver, or unused too long, or holding bytes nobody asked for."""
        return (
            now - self.idle_since > IDLE_SECONDS
            or self.writer.is_closing()
            or self.reader.at_eof()
            or bool(getattr(self.reader, "_buffer", b""))  # asyncio has no public peek
        )

    def close(self) -> None:
        self.writer.close()


class Poster:
    """Posts webhooks; keeps the connections it made for the next request to their origin."""

    def __init__(self, resolve: Resolver, *, allow_local: bool, timeout: float) -> None:
        self._resolve = resolve
        self._allow_local = allow_local
        self._timeout = timeout
        # As httpx makes it: certifi's authorities, or SSL_CERT_FILE's when it is set.
        self._tls = httpx.create_ssl_context()
        self._idle: dict[Origin, list[_Connection]] = {}
        self._swept = time.monotonic()

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], answer_limit: int
    ) -> Answer:
        """POSTs ``body`` to ``url``; the answer, of whose body no more than ``answer_limit``
        bytes are read. Everything within the timeout, connecting included."""
        target = _target(url)
        request = _request(target, headers, body)
        self._sweep()
        try:
            async with asyncio.timeout(self._timeout):
                kept = self._take_idle(target.origin)
                if kept is not None:
                    try:
                        return await self._exchange(kept, target.origin, request, answer_limit)
                    except (_ClosedBeforeAnswer, ConnectionError):
                        pass  # closed while it was kept: once more, on a new connection
                made = await self._connect(target.origin)
                return await self._exchange(made, target.origin, request, answer_limit)
        except TimeoutError:
            raise TimeoutError(f"no answer within {self._timeout:g} s") from None

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    def _take_idle(self, origin: Origin) -> _Connection | None:
        connections = self._idle.get(origin)
        now = time.monotonic()
        while connections:
            connection = connections.pop()
            if not connection.stale(now):
                return connection
            connection.close()
        return None

    def _keep(self, origin: Origin, connection: _Connection) -> None:
        connections = self._idle.setdefault(origin, [])
        if len(connections) >= MAX_IDLE_PER_ORIGIN:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        connections.append(connection)

    def _sweep(self) -> None:
        """Closes the connections kept too long, now and then."""
        now = time.monotonic()
        if now - self._swept < IDLE_SECONDS:
            return
        self._swept = now
        for origin, connections in list(self._idle.items()):
            for connection in [c for c in connections if c.stale(now)]:
                connection.close()
                connections.remove(connection)
            if not connections:
                del self._idle[origin]

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        addresses = await checked_addresses(
            self._resolve, host, port, None, allow_local=self._allow_local
        )
        tls = self._tls if scheme == "https" else None
        failure: OSError | None = None
        for address in addresses:
            try:
                reader, writer = await asyncio.open_connection(
                    address, port, ssl=tls, server_hostname=host if tls else None
                )
            except ssl.SSLCertVerificationError:
                raise  # another address would present the same certificate
            except OSError as error:
                failure = error
            else:
                return _Connection(reader, writer)
        assert failure is not None  # there was at least one address
        raise failure

    async def _exchange(
        self, connection: _Connection, origin: Origin, request: list[h11.Event], limit: int
    ) -> Answer:
        parser = connection.parser
        try:
            connection.writer.write(b"".join(parser.send(event) or b"" for event in request))
            await connection.writer.drain()
            answer = await _read_answer(connection, limit)
        except h11.ProtocolError as error:
            connection.close()
            raise BadAnswer(f"{type(error).__name__}: {error}") from None
        except BaseException:  # cancelled too: the connection is in no state to be kept
            connection.close()
            raise
        if parser.our_state is h11.DONE and parser.their_state is h11.DONE:
            parser.start_next_cycle()
            self._keep(origin, connection)
        else:
            connection.close()
        return answer


async def _read_answer(connection: _Connection, limit: int) -> Answer:
    parser = connection.parser
    response: h11.Response | None = None
    start = bytearray()
    while True:
        event = parser.next_event()
        if event is h11.NEED_DATA:
            data = await connection.reader.read(READ_SIZE)
            if not data and response is None and parser.their_state is h11.SEND_RESPONSE:
                raise _ClosedBeforeAnswer("the receiver closed the connection without answering")
            parser.receive_data(data)
        elif isinstance(event, h11.Response):
            response = event
        elif isinstance(event, h11.Data):
            start += event.data
            if len(start) > limit:  # no more is read: the connection is closed
                assert response is not None
                return _answer(response, bytes(start[:limit]), complete=False)
        elif isinstance(event, h11.EndOfMessage):
            assert response is not None
            return _answer(response, bytes(start), complete=True)
        elif isinstance(event, h11.ConnectionClosed):
            raise BadAnswer("the receiver closed the connection")
        # An informational answer (1xx) is passed: the real one follows.


def _answer(response: h11.Response, start: bytes, *, complete: bool) -> Answer:
    headers = [(name.decode("latin-1"), text.decode("latin-1")) for name, text in response.headers]
    return Answer(response.status_code, headers, start, complete)


@functools.lru_cache(maxsize=1024)
def _target(url: str) -> _Target:
    parsed = httpx.URL(url)
    scheme = parsed.scheme
    if scheme not in DEFAULT_PORTS or not parsed.host:
        raise httpx.InvalidURL(f"not an http or https URL with a host: {url}")
    host = parsed.raw_host.decode("ascii")
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if parsed.port is None else f"{shown}:{parsed.port}"
    port = parsed.port or DEFAULT_PORTS[scheme]
    return _Target((scheme, host, port), host_header, parsed.raw_path.decode("ascii"))


def _request(target: _Target, headers: dict[str, str], body: bytes) -> list[h11.Event]:
    fields = [
        ("Host", target.host_header),
        *headers.items(),
        ("Content-Length", str(len(body))),
        # An answer is read only in part, as it came: ask for it uncompressed.
        ("Accept-Encoding", "identity"),
    ]
    return [
        h11.Request(method="POST", target=target.path, headers=fields),
        h11.Data(data=body),
        h11.EndOfMessage(),
    ]
