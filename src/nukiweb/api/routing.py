"""Requests as every route of nukiweb reads them: bodies hold text, or are refused.

JSON lets a string hold half of a UTF-16 surrogate pair (``"\\ud800"``), and Python's JSON
reader also decodes one from raw bytes; a form in a charset such as UTF-7 can carry one as well.
Python reads either into a ``str`` that no UTF-8 encoder, database driver or error message can
write, so that whatever touched it later failed. Such text is refused here, where bodies are
parsed, for every route at once: a JSON body as invalid JSON (400), a form field as an invalid
parameter. JSON must be UTF-8 (RFC 8259 §8.1); a UTF-8 byte order mark is tolerated.

Every route also runs its request once more when a read lost its database connection under it
(``store.faults.ConnectionLost``) before the request began any transaction: it has changed
nothing, and a new connection most likely answers (PostgreSQL restarted, or ended the session).
A request that began one answers 503 instead (``api.errors``): its writes are not done twice.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from nukiweb.domain.errors import InvalidParameter
from nukiweb.store.database import Attempt
from nukiweb.store.faults import ConnectionLost

log = logging.getLogger(__name__)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# The JSON escape of a surrogate: only text holding one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def lone_surrogate_in(document: Any) -> bool:
    """Whether any string of a JSON document (member names included) holds a lone surrogate
    (a pair is read as the one character it encodes)."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def parse_json(body: bytes) -> Any:
    """The JSON document of a body; ``json.JSONDecodeError`` for anything but JSON text."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        shown = body.decode("utf-8", "replace")
        raise json.JSONDecodeError("it is not UTF-8", shown, error.start) from None
    document = json.loads(text)
    escape = _SURROGATE_ESCAPE.search(text)
    if escape and lone_surrogate_in(document):
        message = "a string holds a lone surrogate, which is no character"
        raise json.JSONDecodeError(message, text, escape.start())
    return document


def _escaped(text: str) -> str:
    """Text as a message may show it: a lone surrogate as its escape (``\\ud800``)."""
    return text.encode("utf-8", "backslashreplace").decode()[:100]


class CheckedRequest(Request):
    """A request whose JSON body and form are text (``parse_json``, ``_get_form``)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json

    async def _get_form(self, **limits: Any) -> FormData:
        # Starlette's one place where a form is parsed (``form()`` wraps it).
        form = await super()._get_form(**limits)
        for name, value in form.multi_items():
            text = value if isinstance(value, str) else ""
            if _LONE_SURROGATE.search(name) or _LONE_SURROGATE.search(text):
                raise InvalidParameter(_escaped(name), _escaped(text))
        return form


class CheckedRoute(APIRoute):
    """A route whose endpoint and FastAPI's parameter parsing read a ``CheckedRequest``, run
    once more if a read lost its connection before anything was written."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_checked(request: Request) -> Response:
            checked = CheckedRequest(request.scope, request.receive)
            with Attempt() as first:
                try:
                    return await handle(checked)
                except ConnectionLost as lost:
                    if first.began_transaction:
                        raise
                    log.warning(
                        "%s %s: a read lost its database connection (%s); running it again",
                        request.method,
                        request.url.path,
                        lost.reason,
                    )
            # The same request object: its body, read already, is read from it again.
            with Attempt():
                return await handle(checked)

        return handle_checked
