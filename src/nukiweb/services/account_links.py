"""Single-use links sent by mail: a verification link for an email address, a reset link for a
password. Each is a random 256-bit token in a link to a nukiweb page; the store keeps its SHA-256.

This module makes links and their mails within a caller's transaction (an account's creation,
an email change, a reset request) and finds them again; the use cases that follow a link are in
``services/email_and_password.py``. The throttles count in the failed sign-ins' table, which
counts events of any kind by a digest of what they are counted under: mails per address,
unknown links per client address, wrong current passwords per account.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from nukiweb.domain import accounts as rules
from nukiweb.domain.errors import NukiwebError, Throttled
from nukiweb.domain.throttle import FailureThrottle
from nukiweb.mail.composing import compose, default_sender
from nukiweb.secrets import token_digest
from nukiweb.services import mail
from nukiweb.services.context import ServiceContext
from nukiweb.store import account_links as store
from nukiweb.store import sign_in_failures as counts
from nukiweb.store.account_links import AccountLink

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, no password
VERIFY_EMAIL_PATH = "/web/account/verify-email"
RESET_PASSWORD_PATH = "/web/password/reset"  # noqa: S105 - a path

# A verification link only confirms an address the account itself asked for: a day, so that
# the mail still works when read the next morning.
VERIFICATION_LIFETIME = timedelta(hours=24)
# A reset link opens the account to whoever holds it: an hour, so that a mailbox read later (a
# forwarded mail, an old backup) does not.
RESET_LIFETIME = timedelta(hours=1)
# Mails with links to one address: enough for a few honest retries, too few to bomb a mailbox.
MAILS_PER_ADDRESS = FailureThrottle(limit=5, window=timedelta(hours=1))
# Unknown links tried from one client address, as failed sign-ins are throttled: a guesser of
# tokens is stopped (256 random bits are not guessed, but the attempts cost the store).
LINK_ATTEMPTS = FailureThrottle(limit=10, window=timedelta(minutes=15))
# Wrong current passwords on the profile page, per account: as failed sign-ins from one address.
PASSWORD_ATTEMPTS = FailureThrottle(limit=5, window=timedelta(minutes=15))


class LinkUnusable(NukiwebError):
    """A link that is unknown, used, or expired: nothing is changed."""


@dataclass(frozen=True, slots=True)
class Recipient:
    account_id: int
    name: str
    email: str


def send_verification(ctx: ServiceContext, conn: Connection, recipient: Recipient) -> None:
    """Within the caller's transaction: a verification link for ``recipient.email``, mailed to
    it; the account's older verification links stop working. Call ``mail.wake_sender`` after
    the commit."""
    link = _new_link(
        ctx, conn, recipient.account_id, VERIFY_EMAIL, VERIFICATION_LIFETIME, recipient.email
    )
    message = compose(
        "verify_email",
        recipient.email,
        _sender(ctx),
        ctx.clock,
        name=recipient.name,
        email=recipient.email,
        link=f"{ctx.public_url}{VERIFY_EMAIL_PATH}?token={link}",
        hours=int(VERIFICATION_LIFETIME.total_seconds() // 3600),
        public_url=ctx.public_url,
    )
    mail.queue_mail(ctx, conn, message)


def send_reset(
    ctx: ServiceContext, conn: Connection, recipient: Recipient, delete_api_tokens: bool
) -> None:
    """Within the caller's transaction: a password reset link mailed to the account's address;
    its older reset links stop working."""
    link = _new_link(
        ctx,
        conn,
        recipient.account_id,
        RESET_PASSWORD,
        RESET_LIFETIME,
        recipient.email,
        delete_api_tokens=delete_api_tokens,
    )
    message = compose(
        "reset_password",
        recipient.email,
        _sender(ctx),
        ctx.clock,
        name=recipient.name,
        email=recipient.email,
        link=f"{ctx.public_url}{RESET_PASSWORD_PATH}?token={link}",
        minutes=int(RESET_LIFETIME.total_seconds() // 60),
        public_url=ctx.public_url,
    )
    mail.queue_mail(ctx, conn, message)


def _new_link(
    ctx: ServiceContext,
    conn: Connection,
    account_id: int,
    purpose: str,
    lifetime: timedelta,
    email: str,
    *,
    delete_api_tokens: bool | None = None,
) -> str:
    now = ctx.clock.now()
    store.delete_spent_links(conn, account_id, now)
    store.retire_links(conn, account_id, purpose, now)
    token = secrets.token_urlsafe(32)
    store.insert_link(
        conn,
        AccountLink(
            token_digest=token_digest(token),
            purpose=purpose,
            account_id=account_id,
            email=email,
            delete_api_tokens=delete_api_tokens,
            expires_at=now + lifetime,
            used_at=None,
        ),
    )
    return token


def _sender(ctx: ServiceContext) -> str:
    return ctx.mail_from or default_sender(ctx.public_url)


# --- throttles ------------------------------------------------------------------------------


def mail_allowed(ctx: ServiceContext, conn: Connection, email: str) -> bool:
    """Within a transaction: whether another link may be mailed to ``email`` now; if so, it is
    counted."""
    now = ctx.clock.now()
    key = _key("mail", rules.email_key(email))
    counts.forget(conn, key, before=now - MAILS_PER_ADDRESS.window)
    recent = counts.recent_failures(
        conn, key, now - MAILS_PER_ADDRESS.window, MAILS_PER_ADDRESS.limit
    )
    if MAILS_PER_ADDRESS.retry_after(recent, now) is not None:
        return False
    counts.record_failure(conn, key, now)
    return True


def check_mail_allowed(ctx: ServiceContext, conn: Connection, email: str) -> None:
    if not mail_allowed(ctx, conn, email):
        raise Throttled(
            "Too many mails to this address. Please try again in an hour.",
            MAILS_PER_ADDRESS.window,
        )


def check_link_attempts(ctx: ServiceContext, client_address: str) -> None:
    """Refuses a client that tried too many unknown links lately."""
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        recent = counts.recent_failures(
            conn, _key("link", client_address), now - LINK_ATTEMPTS.window, LINK_ATTEMPTS.limit
        )
    wait = LINK_ATTEMPTS.retry_after(recent, now)
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        raise Throttled(
            f"Too many invalid links. Try again in {minutes} minute(s).",
            wait,
        )


def _record_unknown_link(ctx: ServiceContext, client_address: str) -> None:
    _record(ctx, _key("link", client_address), LINK_ATTEMPTS)


def check_password_attempts(ctx: ServiceContext, account_id: int) -> None:
    """Refuses a password change after too many wrong current passwords (a stolen session must
    not guess the password, which opens more than the session does)."""
    now = ctx.clock.now()
    rule = PASSWORD_ATTEMPTS
    with ctx.db.read() as conn:
        recent = counts.recent_failures(
            conn, _key("password", str(account_id)), now - rule.window, rule.limit
        )
    wait = rule.retry_after(recent, now)
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        raise Throttled(
            f"Too many wrong passwords. Try again in {minutes} minute(s).",
            wait,
        )


def record_password_failure(ctx: ServiceContext, account_id: int) -> None:
    _record(ctx, _key("password", str(account_id)), PASSWORD_ATTEMPTS)


def _record(ctx: ServiceContext, key: str, rule: FailureThrottle) -> None:
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        counts.forget(conn, key, before=now - rule.window)
        counts.record_failure(conn, key, now)


def _key(*parts: str) -> str:
    return token_digest(json.dumps(parts))


# --- following a link -----------------------------------------------------------------------


def find_usable(ctx: ServiceContext, token: str, purpose: str, client_address: str) -> AccountLink:
    """The link ``token`` opens, if it may still be used; ``LinkUnusable`` otherwise (an
    unknown one counts against the client), ``Throttled`` after too many unknown ones."""
    check_link_attempts(ctx, client_address)
    with ctx.db.read() as conn:
        link = store.find_link(conn, token_digest(token), purpose) if token else None
    if link is None:
        _record_unknown_link(ctx, client_address)
        raise LinkUnusable("This link is not valid. Please check that you copied it whole.")
    refuse_spent(link, ctx.clock.now())
    return link


def refuse_spent(link: AccountLink, now: datetime) -> None:
    if link.used_at is not None:
        raise LinkUnusable("This link has already been used. Please ask for a new one.")
    if link.expires_at <= now:
        raise LinkUnusable("This link has expired. Please ask for a new one.")


def use(ctx: ServiceContext, conn: Connection, link: AccountLink) -> None:
    """Within the transaction that applies what the link is for: the link is used, or (another
    request used it first, or it expired meanwhile) ``LinkUnusable`` rolls everything back."""
    if not store.use_link(conn, link.token_digest, ctx.clock.now()):
        raise LinkUnusable("This link has already been used or has expired.")


def pending_email(ctx: ServiceContext, account_id: int, current_email: str) -> str | None:
    """The address an email change waits to have verified, if any."""
    with ctx.db.read() as conn:
        return store.pending_email(conn, account_id, current_email, ctx.clock.now())
