"""Fetching a booking feed from a real HTTP server on a loopback port: what a platform answers
(a feed, an error, too much, nothing in time, a redirect), and where nukiweb refuses to go.

Host names are resolved by a stub (the injectable edge): a name can point at the server here,
or at a private address that nothing is ever sent to."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from nukiweb.domain.bookings import FeedError, parse_feed
from nukiweb.domain.errors import InvalidParameter
from nukiweb.feeds.fetching import check_feed_url, feed_host, fetch_feed
from nukiweb.webhooks.addresses import resolve_with_system
from tests.api.test_webhook_addresses import TLS_NAME, Authority, authority  # noqa: F401
from tests.domain.test_bookings import AIRBNB
from tests.support import run_on_a_loop_of_its_own

SECRET = "s=7f3a9c1e5b2d4f6a8c0e"  # as a platform's export link carries it
CHUNK = b"BEGIN:VCALENDAR\r\n" + b"X-PADDING:" + b"x" * 65_000 + b"\r\n"
HUGE = 200_000_000  # what /huge would send, were it read to the end


ROUTES = {
    "/feed.ics": "feed",
    "/login": "login",
    "/missing": "missing",
    "/broken": "broken",
    "/slow": "slow",
    "/huge": "huge",
    "/declared-huge": "declared_huge",
}


@dataclass
class Seen:
    path: str
    headers: dict[str, str]  # names lower-cased


@dataclass
class FeedServer:
    """An HTTP server in a thread, answering as the path says."""

    server: ThreadingHTTPServer
    tls: bool = False
    seen: list[Seen] = field(default_factory=list)
    huge_sent: list[int] = field(default_factory=list)  # bytes /huge sent before it was left
    release: threading.Event = field(default_factory=threading.Event)  # ends /slow's wait

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [urlsplit(seen.path).path for seen in self.seen]


class FeedHTTPServer(ThreadingHTTPServer):
    feeds: FeedServer


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedHTTPServer

    def do_GET(self) -> None:
        self.server.feeds.seen.append(
            Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
        )
        path, query = urlsplit(self.path).path, parse_qs(urlsplit(self.path).query)
        if path.startswith("/hop/"):  # redirects this many times more, then to the feed
            left = int(path.removeprefix("/hop/"))
            self.redirect(f"/hop/{left - 1}?{SECRET}" if left else f"/feed.ics?{SECRET}")
        elif path == "/redirect":
            self.redirect(query["to"][0])
        else:
            getattr(self, ROUTES.get(path, "missing"))()

    def feed(self) -> None:
        self.answer(200, AIRBNB, "text/calendar; charset=utf-8")

    def login(self) -> None:
        self.answer(200, b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/html")

    def missing(self) -> None:
        self.answer(404, b"<html>Not Found</html>", "text/html")

    def broken(self) -> None:
        self.answer(503, b"", "text/plain")

    def slow(self) -> None:
        self.server.feeds.release.wait(30)
        self.answer(200, AIRBNB, "text/calendar")

    def declared_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        with contextlib.suppress(ConnectionError):
            self.wfile.write(CHUNK)

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):
            self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def huge(self) -> None:
        """Sends until the client leaves, without saying how much (no Content-Length)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Connection", "close")
        self.end_headers()
        sent = 0
        try:
            while sent < HUGE:
                self.wfile.write(CHUNK)
                sent += len(CHUNK)
        except (ConnectionError, ssl.SSLError):
            pass
        self.server.feeds.huge_sent.append(sent)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class FeedHTTPServerIPv6(FeedHTTPServer):
    address_family = socket.AF_INET6


@contextlib.contextmanager
def feed_server(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[FeedServer]:
    kind = FeedHTTPServerIPv6 if ":" in host else FeedHTTPServer
    server = kind((host, 0), FeedHandler)
    feeds = server.feeds = FeedServer(server, tls=tls is not None)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield feeds
    finally:
        feeds.release.set()
        server.shutdown()
        thread.join(10)
        server.server_close()


@pytest.fixture(scope="module")
def feeds() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


class StubResolver:
    """Resolves the names it was given as told, and counts; other names as the system does."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host in self.names:
            return self.names[host]
        return await resolve_with_system(host, port)


def fetch(url: str, *, allow_local: bool = True, **options: Any) -> bytes:
    return run_on_a_loop_of_its_own(lambda: fetch_feed(url, allow_local=allow_local, **options))


def refusal(url: str, *, allow_local: bool = True, **options: Any) -> str:
    """The message of the ``FeedError`` that fetching ``url`` ends in."""
    with pytest.raises(FeedError) as raised:
        fetch(url, allow_local=allow_local, **options)
    message = raised.value.message
    assert SECRET not in message  # the feed's secret is never shown
    return message


# --- what the server answers --------------------------------------------------------------


def test_a_feed_is_fetched_and_reads_as_bookings(feeds: FeedServer) -> None:
    body = fetch(feeds.url(f"/feed.ics?{SECRET}"))
    assert body == AIRBNB
    assert [b.reference for b in parse_feed(body)] == ["HM5ABCDE2FG", "HMZZ9Y8X7W6"]
    seen = feeds.seen[-1]
    assert seen.path == f"/feed.ics?{SECRET}"
    assert seen.headers["host"] == f"127.0.0.1:{feeds.port}"
    assert seen.headers["accept-encoding"] == "identity"


def test_a_name_is_resolved_once_and_the_request_keeps_it(feeds: FeedServer) -> None:
    resolver = StubResolver({"feeds.test": ["127.0.0.1"]})
    body = fetch(feeds.url(f"/feed.ics?{SECRET}", host="feeds.test"), resolve=resolver)
    assert body == AIRBNB
    assert feeds.seen[-1].headers["host"] == f"feeds.test:{feeds.port}"
    assert resolver.calls == ["feeds.test"]


def test_an_ipv6_address_is_reached() -> None:
    with contextlib.ExitStack() as stack:
        try:
            ipv6 = stack.enter_context(feed_server(host="::1"))
        except OSError:
            pytest.skip("this machine has no IPv6 loopback")
        assert fetch(ipv6.url(f"/feed.ics?{SECRET}", host="[::1]")) == AIRBNB
        assert ipv6.seen[-1].headers["host"] == f"[::1]:{ipv6.port}"


def test_the_next_address_is_tried_when_one_refuses(feeds: FeedServer) -> None:
    with feed_server() as down:
        closed = down.port
    resolver = StubResolver({"feeds.test": ["127.0.0.2", "127.0.0.1"]})
    # 127.0.0.2 is this machine too, on a port nobody listens on.
    assert fetch(feeds.url("/feed.ics", host="feeds.test"), resolve=resolver) == AIRBNB
    message = refusal(f"http://127.0.0.1:{closed}/feed.ics?{SECRET}")
    assert message.startswith(f"The feed at http://127.0.0.1:{closed}/feed.ics cannot be reached")


@pytest.mark.parametrize(
    ("path", "status"), [("/missing", "HTTP 404 Not Found"), ("/broken", "HTTP 503")]
)
def test_an_answer_other_than_200_is_an_error_naming_its_status(
    feeds: FeedServer, path: str, status: str
) -> None:
    message = refusal(feeds.url(f"{path}?{SECRET}"))
    assert message.startswith(f"The feed at {feeds.url(path)} answered {status}")


def test_a_page_that_is_not_a_feed_is_fetched_but_does_not_read(feeds: FeedServer) -> None:
    with pytest.raises(FeedError, match="not an iCal calendar"):
        parse_feed(fetch(feeds.url("/login")))


def test_a_feed_too_large_is_left_unread(feeds: FeedServer) -> None:
    message = refusal(feeds.url(f"/huge?{SECRET}"))
    assert message == f"The feed at {feeds.url('/huge')} is larger than 2 MB."
    deadline = time.monotonic() + 10  # the server notices when it writes next
    while not feeds.huge_sent and time.monotonic() < deadline:
        time.sleep(0.05)
    [sent] = feeds.huge_sent
    assert sent < HUGE / 4  # it stopped well before the end: the client had gone


def test_a_feed_declared_too_large_is_not_read_at_all(feeds: FeedServer) -> None:
    message = refusal(feeds.url("/declared-huge"), max_bytes=100_000)
    assert message.endswith("is larger than 100000 bytes.")


def test_the_size_limit_is_the_callers(feeds: FeedServer) -> None:
    assert fetch(feeds.url("/feed.ics"), max_bytes=len(AIRBNB)) == AIRBNB
    message = refusal(feeds.url("/feed.ics"), max_bytes=len(AIRBNB) - 1)
    assert "is larger than" in message


def test_a_server_that_does_not_answer_in_time_is_an_error(feeds: FeedServer) -> None:
    message = refusal(feeds.url(f"/slow?{SECRET}"), timeout=0.3)
    assert message == f"The feed at {feeds.url('/slow')} did not answer within 0.3 s."


def test_a_resolver_that_does_not_answer_in_time_is_an_error(feeds: FeedServer) -> None:
    async def hanging(_host: str, _port: int) -> list[str]:
        await asyncio.sleep(30)
        return ["127.0.0.1"]

    message = refusal(feeds.url("/feed.ics", host="feeds.test"), resolve=hanging, timeout=0.3)
    assert "did not answer within 0.3 s" in message


def test_a_name_that_does_not_resolve_is_an_error() -> None:
    async def nowhere(_host: str, _port: int) -> list[str]:
        raise OSError("Name or service not known")

    message = refusal(f"https://gone.test/feed.ics?{SECRET}", resolve=nowhere)
    assert message == (
        "The feed at https://gone.test/feed.ics cannot be reached: "
        "gone.test cannot be resolved: Name or service not known"
    )


# --- redirects ----------------------------------------------------------------------------


def test_up_to_three_redirects_are_followed(feeds: FeedServer) -> None:
    del feeds.seen[:]
    assert fetch(feeds.url(f"/hop/2?{SECRET}")) == AIRBNB
    assert feeds.paths() == ["/hop/2", "/hop/1", "/hop/0", "/feed.ics"]
    message = refusal(feeds.url(f"/hop/3?{SECRET}"))
    assert message == f"The feed at {feeds.url('/hop/3')} redirects more than 3 times."


def test_each_redirect_is_checked_like_the_first_url(feeds: FeedServer) -> None:
    # (A redirect from a public host to a private one is refused the same way, but a test here
    # can reach no public host: 0.0.0.0 is refused even where local addresses are allowed.)
    resolver = StubResolver({"feeds.test": ["127.0.0.1"]})
    for target in (
        "file:///etc/passwd",
        "ftp://feeds.test/feed.ics",
        f"http://0.0.0.0:{feeds.port}/feed.ics",
        f"https://user:pw@feeds.test:{feeds.port}/feed.ics",
    ):
        del feeds.seen[:]
        message = refusal(feeds.url(f"/redirect?to={target}"), resolve=resolver)
        assert "which is not a URL nukiweb may fetch a feed from" in message
        assert "pw" not in message
        assert feeds.paths() == ["/redirect"]


# --- where nukiweb does not go ------------------------------------------------------------


def test_https_is_required_without_allow_local() -> None:
    resolver = StubResolver({"feeds.test": ["93.184.216.34"]})
    message = refusal(f"http://feeds.test/feed.ics?{SECRET}", allow_local=False, resolve=resolver)
    assert "It must be an https URL." in message
    assert resolver.calls == []


def test_loopback_is_refused_without_allow_local(feeds: FeedServer) -> None:
    del feeds.seen[:]
    url = feeds.url(f"/feed.ics?{SECRET}").replace("http:", "https:")
    assert "It must not point to a private address." in refusal(url, allow_local=False)
    resolver = StubResolver({"feeds.test": ["127.0.0.1"]})
    named = f"https://feeds.test:{feeds.port}/feed.ics?{SECRET}"
    message = refusal(named, allow_local=False, resolve=resolver)
    assert message == (
        f"The feed at https://feeds.test:{feeds.port}/feed.ics cannot be fetched: its host "
        "resolves to a private, loopback or link-local address, which nukiweb does not reach "
        "(unless it runs with --allow-local-webhooks)."
    )
    assert feeds.seen == []


@pytest.mark.parametrize("addresses", [["10.0.0.1"], ["93.184.216.34", "10.0.0.1"]])
def test_a_name_with_a_private_address_is_refused(addresses: list[str]) -> None:
    """Nothing is sent: refused once resolved, before any connection."""
    resolver = StubResolver({"listing.test": addresses})
    message = refusal(
        f"https://listing.test/calendar/ical/123.ics?{SECRET}",
        allow_local=False,
        resolve=resolver,
    )
    assert "resolves to a private, loopback or link-local address" in message
    assert resolver.calls == ["listing.test"]


# --- TLS ----------------------------------------------------------------------------------


def test_tls_is_verified_for_the_host_name_not_the_address(
    authority: Authority,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.ca_file))
    resolver = StubResolver({TLS_NAME: ["127.0.0.1"], "impostor.test": ["127.0.0.1"]})
    with feed_server(tls=authority.server) as secure:
        assert fetch(secure.url(f"/feed.ics?{SECRET}", host=TLS_NAME), resolve=resolver) == AIRBNB
        assert secure.seen[-1].headers["host"] == f"{TLS_NAME}:{secure.port}"
        message = refusal(secure.url(f"/feed.ics?{SECRET}", host="impostor.test"), resolve=resolver)
        assert "certificate" in message.lower()
        assert len(secure.seen) == 1


# --- the URL as it is linked --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        (
            " https://www.airbnb.com/calendar/ical/123.ics?s=abc ",
            "https://www.airbnb.com/calendar/ical/123.ics?s=abc",
        ),
        ("webcal://calendar.example.com/feed.ics", "https://calendar.example.com/feed.ics"),
        (
            "https://ical.booking.example:8443/x?t=1&y=2",
            "https://ical.booking.example:8443/x?t=1&y=2",
        ),
    ],
)
def test_a_feed_url_is_checked_and_kept(url: str, kept: str) -> None:
    assert check_feed_url(url, allow_local=False) == kept


@pytest.mark.parametrize(
    ("url", "allow_local"),
    [
        ("http://calendar.example.com/feed.ics", False),
        ("ftp://calendar.example.com/feed.ics", True),
        ("https:///feed.ics", True),
        ("calendar.example.com/feed.ics", True),
        ("https://calendar.example.com/" + "x" * 2000, True),
        ("https://calendar.example.com/feed ics", True),
        ("https://user:password@calendar.example.com/feed.ics", True),
        ("https://127.0.0.1/feed.ics", False),
        ("https://localhost/feed.ics", False),
        ("https://10.1.2.3/feed.ics", False),
        ("https://[::1/feed.ics", True),
        ("", True),
    ],
)
def test_a_feed_url_that_cannot_be_fetched_is_refused(url: str, allow_local: bool) -> None:
    with pytest.raises(InvalidParameter) as raised:
        check_feed_url(url, allow_local=allow_local)
    assert raised.value.parameter == "url"
    assert "password" not in raised.value.message.replace("user name or password", "")


def test_a_refused_url_is_named_without_its_query() -> None:
    with pytest.raises(InvalidParameter) as raised:
        check_feed_url(f"http://calendar.example.com/feed.ics?{SECRET}", allow_local=False)
    assert SECRET not in raised.value.message
    assert "http://calendar.example.com/feed.ics" in raised.value.message


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.airbnb.com/calendar/ical/1.ics?s=x", "www.airbnb.com"),
        ("https://xn--bcher-kva.example/feed.ics", "bücher.example"),
        ("https://CALENDAR.Example.com:8443/", "calendar.example.com"),
        ("https://[2001:db8::1]/feed.ics", "2001:db8::1"),
        ("not a url", ""),
    ],
)
def test_the_feed_host_is_for_people(url: str, host: str) -> None:
    assert feed_host(url) == host
