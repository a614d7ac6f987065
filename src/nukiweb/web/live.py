"""Live pages: ``GET /web/live``, a Server-Sent Events stream that says when the signed-in
account's data changed; ``static/live.js`` then fetches the page again and swaps its live
regions (elements with an ``id`` and ``data-live``).

Why poll the store: it is all that the server instances (and the worker processes of one)
share. A change made through any of them, by the API, a device's report, the job worker, shows
as a new fingerprint (``services.changes``): the devices' revisions, the newest activity-log
entry, the authorizations and users. The webhook outbox alone would not do: it is written only
while the account has subscribers. Cost: one indexed read of one row per open page every half
second (awaited on PostgreSQL's asynchronous readers; on SQLite a short local read inline, as
every read), a comment every 15 seconds to keep proxies from closing an idle stream, and an
``event: change`` only when the fingerprint differs from the one last seen.

A stream ends when its client goes, its session ends (checked with each keep-alive), after
``STREAM_SECONDS`` (EventSource connects again by itself, after ``retry``), when the store
cannot answer, and when the server stops (``end_streams``: uvicorn would otherwise wait for
every open stream before stopping). A session has at most ``MAX_STREAMS_PER_SESSION`` open
and a process ``MAX_STREAMS``: beyond, 429, and the page stays as it is until reloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from nukiweb.services import changes, web_sessions
from nukiweb.services.web_sessions import WebSession
from nukiweb.store.faults import StoreUnavailable
from nukiweb.web.pages import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    context_of,
    current_session,
    page_router,
)

LIVE_PATH = "/web/live"
POLL_SECONDS = 0.5
KEEP_ALIVE_SECONDS = 15.0
STREAM_SECONDS = 600.0
RETRY_MILLISECONDS = 2000
# Browsers open at most 6 connections to one HTTP/1.1 server: more tabs than that would not be
# served anyway. A process's streams each cost one small read per half second.
MAX_STREAMS_PER_SESSION = 6
MAX_STREAMS = 500

CHANGE = b"event: change\ndata: \n\n"
KEEP_ALIVE = b": keep-alive\n\n"
STREAM_HEADERS = {
    **SECURITY_HEADERS,
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx: pass each event on as it comes
}

log = logging.getLogger(__name__)
router = page_router()


class LiveStreams:
    """The streams open in this process, counted per session; ``end`` ends them all."""

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()
        self.ending = asyncio.Event()

    def take(self, session_id: str) -> bool:
        """One more stream for the session, unless it or the process has its most open."""
        if self.ending.is_set() or self._open.total() >= MAX_STREAMS:
            return False
        if self._open[session_id] >= MAX_STREAMS_PER_SESSION:
            return False
        self._open[session_id] += 1
        return True

    def give_back(self, session_id: str) -> None:
        self._open[session_id] -= 1
        if self._open[session_id] <= 0:
            del self._open[session_id]

    def end(self) -> None:
        self.ending.set()


def install_streams(app: FastAPI) -> None:
    app.state.live_streams = LiveStreams()


def end_streams(app: FastAPI) -> None:
    """Ends every open stream (the server is stopping): each says nothing more and closes."""
    streams: LiveStreams = app.state.live_streams
    streams.end()


class _EventStream(StreamingResponse):
    """A stream that gives its place back however it ends, even before it began."""

    def __init__(self, content: AsyncIterator[bytes], give_back: Callable[[], None]) -> None:
        super().__init__(content, media_type="text/event-stream", headers=STREAM_HEADERS)
        self._give_back = give_back

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._give_back()


@router.get(LIVE_PATH)
async def live(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return PlainTextResponse("Sign in first.", 401, headers={"Cache-Control": "no-store"})
    session_id = request.cookies[SESSION_COOKIE]
    streams: LiveStreams = request.app.state.live_streams
    if not streams.take(session_id):
        return PlainTextResponse(
            "Too many live pages are open.", 429, headers={"Cache-Control": "no-store"}
        )
    events = _events(request, session, session_id, streams)
    return _EventStream(events, lambda: streams.give_back(session_id))


async def _events(
    request: Request, session: WebSession, session_id: str, streams: LiveStreams
) -> AsyncIterator[bytes]:
    ctx = context_of(request)
    loop = asyncio.get_running_loop()
    try:
        seen = await changes.account_fingerprint_async(ctx, session.caller)
    except StoreUnavailable:
        return
    yield f"retry: {RETRY_MILLISECONDS}\n\n".encode()
    started = last_said = loop.time()
    while loop.time() - started < STREAM_SECONDS:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(streams.ending.wait(), POLL_SECONDS)
        if streams.ending.is_set() or await request.is_disconnected():
            return
        try:
            fingerprint = await changes.account_fingerprint_async(ctx, session.caller)
            if fingerprint != seen:
                seen, last_said = fingerprint, loop.time()
                yield CHANGE
            elif loop.time() - last_said >= KEEP_ALIVE_SECONDS:
                if web_sessions.find_session(ctx, session_id) is None:
                    return  # signed out, or expired: the next connection is refused
                last_said = loop.time()
                yield KEEP_ALIVE
        except StoreUnavailable as error:
            # The client connects again after ``retry``; meanwhile the pages say the same.
            log.warning("A live page's stream ends: the store is unavailable (%s)", error)
            return
