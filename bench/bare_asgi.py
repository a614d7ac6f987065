"""The baseline for the benchmark: the least an ASGI app can do to answer JSON.

``bench/run.py`` serves this under uvicorn with the same settings as ``nukiweb serve``,
so the ratio nukiweb ÷ bare measures what nukiweb adds on top of uvicorn itself
(routing, auth, the store, serialisation), not the machine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BODY = b'{"ok": true}'
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    # Every path and method gets the same answer: the baseline has no routing on purpose.
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def lifespan(receive: Receive, send: Send) -> None:
    # Answer the lifespan protocol so uvicorn starts and stops cleanly, like it does for FastAPI,
    # instead of logging that the app does not support it.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
