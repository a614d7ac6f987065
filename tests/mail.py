"""A real SMTP server for the tests (aiosmtpd, in a thread of its own, on a loopback port), which
keeps the mails it receives; and a nukiweb server that sends its mails there."""

from __future__ import annotations

import email.policy
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from nukiweb.mail.transports import SmtpSettings, SmtpTransport
from tests.databases import database_for
from tests.support import RunningServer, free_port, running_server

_LINK = re.compile(r"https?://\S+")


class Mailbox:
    """What the SMTP server received, in order."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or b""
        message = BytesParser(_class=EmailMessage, policy=email.policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self._messages.append(message)
            self._arrived.notify_all()
        return "250 OK"

    def to(self, recipient: str) -> list[EmailMessage]:
        with self._arrived:
            return [m for m in self._messages if str(m["To"]).lower() == recipient.lower()]

    def wait_for(self, recipient: str, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        """The mails to ``recipient`` once there are ``count`` of them (fails after ``timeout``
        seconds: the job runner sends within a second or so)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in self._messages if str(m["To"]).lower() == recipient.lower()]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                assert left > 0, f"{count} mail(s) to {recipient} did not arrive: {len(found)}"
                self._arrived.wait(left)


class SmtpServer:
    """An SMTP server on a fixed loopback port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings("127.0.0.1", self.port)


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def server_with_mail(
    backend: str, directory: Path, smtp: SmtpServer, **options: Any
) -> Iterator[RunningServer]:
    """A nukiweb server on a database of its own (no other test server's job runner takes its
    mails) that sends mail through ``smtp``."""
    with (
        database_for(backend, directory) as url,
        running_server(url, mail_transport=SmtpTransport(smtp.settings), **options) as server,
    ):
        yield server


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def link_in(message: EmailMessage) -> str:
    found = _LINK.findall(text_of(message))
    links = [link for link in found if "token=" in link]
    assert len(links) == 1, found
    return str(links[0])
