"""A real booking feed for the tests: an HTTP server on a free loopback port, in a thread, that
answers a listing's bookings as an iCal calendar (as a rental platform's export link does), or,
when told, something that is not one."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from nukiweb.domain.bookings import Booking, render_feed


def booking(uid: str, start: date, nights: int = 2, **fields: Any) -> Booking:
    values: dict[str, Any] = {
        "uid": uid,
        "name": "Ada Guest",
        "email": None,
        "guests": 2,
        "reference": None,
        "start_day": start,
        "end_day": start + timedelta(days=nights),
        "canceled": False,
    } | fields
    return Booking(**values)


class FeedServer:
    """Serves ``bookings`` at ``url``; with ``broken`` set, answers that text instead, with
    ``status``. ``requests``: how many it has answered."""

    def __init__(self, name: str = "Seaside flat") -> None:
        self.bookings: list[Booking] = []
        self.broken: bytes | None = None
        self.status = 200
        self.requests = 0
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                feed.requests += 1
                if feed.broken is not None:
                    body, content_type = feed.broken, "text/html"
                else:
                    body, content_type = render_feed(feed.bookings, name), "text/calendar"
                self.send_response(feed.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(ConnectionError):
                    self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/calendar/listing.ics"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()
