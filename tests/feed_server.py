"""A real HTTP server on a free loopback port that serves booking feeds the test sets, as a
rental platform serves a listing's iCal export."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nukiweb.domain.bookings import Booking, render_feed


@dataclass
class FeedServer:
    base_url: str
    # path → (status, body)
    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: int = 0

    def serve(self, path: str, bookings: Iterable[Booking]) -> str:
        """Serves these bookings at ``path`` from now on; the feed's URL."""
        self.answers[path] = (200, render_feed(bookings, "Listing"))
        return self.base_url + path

    def answer(self, path: str, status: int, body: bytes) -> str:
        self.answers[path] = (status, body)
        return self.base_url + path


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    feeds = FeedServer("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            feeds.requests += 1
            status, body = feeds.answers.get(self.path.split("?")[0], (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    feeds.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        httpd.shutdown()
        httpd.server_close()
