"""The mail transports: the SMTP URL and its one-line errors, the mail directory, and the
messages' shape (plain text with an HTML alternative)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from nukiweb.clock import ManualClock
from nukiweb.mail.composing import compose, default_sender
from nukiweb.mail.transports import (
    MailDirectory,
    SmtpSettings,
    SmtpTransport,
    links_of,
    parse_smtp_url,
)
from tests.mail import smtp_server, text_of
from tests.support import run_on_a_loop_of_its_own
from tests.test_cli import nukiweb


def _message() -> email.message.EmailMessage:
    return compose(
        "reset_password",
        "ada@example.com",
        default_sender("https://nuki.example.org:8443"),
        ManualClock(),
        name="Ada <b>",
        email="ada@example.com",
        link="https://nuki.example.org:8443/web/password/reset?token=abc",
        minutes=60,
        public_url="https://nuki.example.org:8443",
    )


def test_smtp_urls_are_parsed() -> None:
    assert parse_smtp_url("smtp://mail.example.org:587?starttls=true") == SmtpSettings(
        "mail.example.org", 587, starttls=True
    )
    assert parse_smtp_url("smtp://me%40x:p%3Ass@127.0.0.1:2525") == SmtpSettings(
        "127.0.0.1", 2525, "me@x", "p:ss"
    )
    assert parse_smtp_url("smtp://relay").port == 25


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.org",
        "smtp://",
        "smtp://mail.example.org:99999",
        "smtp://mail.example.org/path",
        "smtp://mail.example.org?starttls=maybe",
        "smtp://mail.example.org?tls=true",
    ],
)
def test_a_bad_smtp_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="smtp"):
        parse_smtp_url(url)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["serve", "--smtp-url", "http://mail.example.org"], "--smtp-url"),
        (["serve", "--mail-from", "not an address"], "--mail-from"),
    ],
)
def test_bad_mail_options_are_one_line_errors(tmp_path: Path, args: list[str], option: str) -> None:
    result = nukiweb(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert option in result.stderr
    assert not (tmp_path / "nukiweb.db").exists()  # refused before the store is touched


def test_a_mail_is_plain_text_with_an_html_alternative() -> None:
    message = _message()
    assert message["From"] == "nukiweb@nuki.example.org"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",))
    assert html is not None
    assert "Ada &lt;b&gt;" in str(html.get_content())  # escaped in HTML, not in text
    assert "Hello Ada <b>," in text_of(message)
    assert links_of(message) == ["https://nuki.example.org:8443/web/password/reset?token=abc"]


# (On a loop of their own: the browser tests' Playwright keeps one running on the test thread.)


def test_the_mail_directory_writes_one_eml_file_per_mail(tmp_path: Path) -> None:
    directory = tmp_path / "mail"
    run_on_a_loop_of_its_own(lambda: MailDirectory(directory).send(_message(), "m1"))
    written = (directory / "m1.eml").read_bytes()
    parsed = email.message_from_bytes(written, policy=email.policy.default)
    assert parsed["Subject"] == "Reset your nukiweb password"
    assert [path.name for path in directory.iterdir()] == ["m1.eml"]


def test_smtp_hands_the_mail_to_the_server_and_raises_when_it_is_down() -> None:
    with smtp_server() as server:
        run_on_a_loop_of_its_own(lambda: SmtpTransport(server.settings).send(_message(), "m2"))
        [received] = server.mailbox.wait_for("ada@example.com")
        assert received["Subject"] == "Reset your nukiweb password"
        settings = server.settings
    with pytest.raises(ConnectionRefusedError):
        run_on_a_loop_of_its_own(lambda: SmtpTransport(settings).send(_message(), "m3"))
