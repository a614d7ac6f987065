"""Mails as messages: plain text with an HTML alternative, each from a template of its own under
``mail/templates`` (``<name>.txt`` and ``<name>.html``; the text template's first line is the
subject)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from nukiweb.clock import Clock

_text = Environment(
    loader=PackageLoader("nukiweb.mail"),
    autoescape=False,  # noqa: S701 - the plain-text part, never shown as HTML
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_html = Environment(
    loader=PackageLoader("nukiweb.mail"),
    autoescape=True,
    undefined=StrictUndefined,
)


def default_sender(public_url: str) -> str:
    """``nukiweb@<host of the public URL>``."""
    return f"nukiweb@{urlsplit(public_url).hostname or 'localhost'}"


def compose(
    template: str, recipient: str, sender: str, clock: Clock, **values: Any
) -> EmailMessage:
    subject, _, text = _text.get_template(f"{template}.txt").render(**values).partition("\n")
    message = EmailMessage()
    message["Subject"] = subject.strip()
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text.lstrip("\n"))
    message.add_alternative(_html.get_template(f"{template}.html").render(**values), subtype="html")
    return message
