"""How a mail leaves nukiweb: one small interface, ``Transport``, and its kinds.

- ``SmtpTransport``: an SMTP server (``smtp://[user:pass@]host:port[?starttls=true]``), through
  the standard library's ``smtplib`` in a thread: the event loop never waits on the network.
- ``MailDirectory``: no server; each mail is a ``.eml`` file in a directory, and its subject and
  links are logged, so that a newcomer can follow a link without a mail server.
- ``MailLog``: the subject and links logged only; contexts built without a data directory
  (embedded use, most tests).

A transport raises when a mail could not be handed over; the outbox then tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

# Under the server's log (uvicorn's, shown on the console at INFO): a newcomer without a mail
# server reads there which mail went out and the link in it.
log = logging.getLogger("uvicorn.error").getChild("mail")

SMTP_TIMEOUT_SECONDS = 30.0
_LINK = re.compile(r"https?://\S+")


class Transport(Protocol):
    async def send(self, message: EmailMessage, mail_id: str) -> None:
        """Hands ``message`` over; raises if it could not be."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://[user:pass@]host:port[?starttls=true]``; ``ValueError`` with a one-line reason
    otherwise (the CLI shows it)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"--smtp-url {url!r} is not a URL") from None
    if parts.scheme != "smtp" or not parts.hostname:
        raise ValueError("--smtp-url must look like smtp://[user:pass@]host:port[?starttls=true]")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("--smtp-url takes no path: smtp://[user:pass@]host:port[?starttls=true]")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ValueError(f"--smtp-url: unknown parameter {min(unknown)!r} (only starttls)")
    starttls = query.get("starttls", ["false"])[-1].lower()
    if starttls not in ("true", "false"):
        raise ValueError("--smtp-url: starttls must be true or false")
    return SmtpSettings(
        host=parts.hostname,
        port=port or 25,
        username=None if parts.username is None else unquote(parts.username),
        password=None if parts.password is None else unquote(parts.password),
        starttls=starttls == "true",
    )


class SmtpTransport:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage, mail_id: str) -> None:
        await asyncio.to_thread(self._send, message)
        log.info("mail %s sent to %s: %s", mail_id, message["To"], message["Subject"])

    def _send(self, message: EmailMessage) -> None:
        settings = self.settings
        with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username is not None:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)


class MailDirectory:
    """Each mail a file ``<directory>/<mail id>.eml``, written whole or not at all."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage, mail_id: str) -> None:
        path = await asyncio.to_thread(self._write, message, mail_id)
        log.info(
            "mail to %s written to %s: %s %s",
            message["To"],
            path,
            message["Subject"],
            " ".join(links_of(message)),
        )

    def _write(self, message: EmailMessage, mail_id: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{mail_id}.eml"
        partial = path.with_suffix(".eml.partial")
        partial.write_bytes(message.as_bytes())
        partial.replace(path)
        return path


class MailLog:
    async def send(self, message: EmailMessage, mail_id: str) -> None:
        log.info(
            "mail %s to %s (not sent: no SMTP server configured): %s %s",
            mail_id,
            message["To"],
            message["Subject"],
            " ".join(links_of(message)),
        )


def links_of(message: EmailMessage) -> list[str]:
    """The single-use links in the message's plain-text part (not the footer's home page)."""
    body = message.get_body(("plain",))
    if body is None:
        return []
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    return [link for link in _LINK.findall(str(text)) if "token=" in link]


def transport_for(smtp_url: str | None, data_dir: Path) -> Transport:
    """The SMTP server of ``smtp_url``, or without one files under ``<data_dir>/mail``."""
    if smtp_url:
        return SmtpTransport(parse_smtp_url(smtp_url))
    return MailDirectory(data_dir / "mail")
