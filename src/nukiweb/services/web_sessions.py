"""Signing in to the web pages, and the sessions that follow.

A sign-in costs one argon2 verification whether or not the email exists, and after repeated
failures for one email, from one address or from all of them, it is refused for a while.
Failures are counted in the store, so that several server instances count them together.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from nukiweb.domain import accounts as rules
from nukiweb.domain.accounts import Account
from nukiweb.domain.errors import NukiwebError
from nukiweb.domain.identity import Caller
from nukiweb.domain.scopes import ALL_SCOPES
from nukiweb.domain.throttle import FailureThrottle, SignInThrottle
from nukiweb.secrets import token_digest, verify_password
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store import sign_in_failures as failure_store
from nukiweb.store import web_sessions as store

SESSION_LIFETIME = timedelta(hours=12)
# How long after the password the one-time password of a two-factor sign-in may come.
SECOND_STEP_LIFETIME = timedelta(minutes=5)
_SECOND_STEP = "sign-in: second step"
THROTTLE = SignInThrottle()


class SignInFailed(NukiwebError):
    def __init__(self) -> None:
        super().__init__("The email or the password is not correct.")


class SignInThrottled(NukiwebError):
    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(f"Too many failed sign-ins. Try again in {minutes} minute(s).")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class WebSession:
    account: Account
    csrf_token: str
    caller: Caller
    """The account as the services know callers: every scope, the account's own rights."""


def sign_in(ctx: ServiceContext, email: str, password: str, client_address: str) -> str:
    """A new session's id (for the cookie) if ``password`` is the account's (and the account
    has no second step: see ``check_password``)."""
    return open_session(ctx, check_password(ctx, email, password, client_address))


def check_password(ctx: ServiceContext, email: str, password: str, client_address: str) -> int:
    """The account's id if ``password`` is its password: ``SignInFailed`` if not,
    ``SignInThrottled`` after repeated failures."""
    now = ctx.clock.now()
    email_key = rules.email_key(email.strip())
    address_key = _throttle_key("address", email_key, client_address)
    email_only_key = _throttle_key("email", email_key)
    with ctx.db.read() as conn:
        wait = THROTTLE.retry_after(
            _recent(conn, address_key, THROTTLE.per_address, now),
            _recent(conn, email_only_key, THROTTLE.per_email, now),
            now,
        )
        if wait is not None:
            raise SignInThrottled(wait)
        credentials = account_store.find_credentials(conn, email_key)
    if not verify_password(None if credentials is None else credentials[1], password):
        with ctx.db.transaction() as conn:
            for key, rule in (
                (address_key, THROTTLE.per_address),
                (email_only_key, THROTTLE.per_email),
            ):
                failure_store.forget(conn, key, before=now - rule.window)
                failure_store.record_failure(conn, key, now)
        raise SignInFailed
    assert credentials is not None
    with ctx.db.transaction() as conn:
        # This address may go on; the email's count from every address stands until it ages,
        # so that a success in between does not give a guesser elsewhere a fresh start.
        failure_store.forget(conn, address_key)
    return credentials[0]


def open_session(ctx: ServiceContext, account_id: int) -> str:
    """A new session of the account: its id, for the cookie."""
    now = ctx.clock.now()
    session_id = secrets.token_urlsafe(32)
    with ctx.db.transaction() as conn:
        store.delete_expired_sessions(conn, now)
        store.insert_session(
            conn,
            token_digest(session_id),
            account_id,
            secrets.token_urlsafe(32),
            now + SESSION_LIFETIME,
        )
    return session_id


@dataclass(frozen=True, slots=True)
class SecondStep:
    """A sign-in whose password was right, waiting for a one-time password."""

    account_id: int
    csrf_token: str
    """What the code's form carries back (there is no session yet to hold a token)."""


def second_step_proof(ctx: ServiceContext, account_id: int) -> tuple[str, SecondStep]:
    """The proof (sealed: for a cookie) that ``account_id`` gave its password just now, good
    for ``SECOND_STEP_LIFETIME``; and what it holds."""
    step = SecondStep(account_id, secrets.token_urlsafe(32))
    expires_at = ctx.clock.now() + SECOND_STEP_LIFETIME
    proof = {
        "purpose": _SECOND_STEP,
        "accountId": account_id,
        "csrfToken": step.csrf_token,
        "expiresAt": expires_at.isoformat(),
    }
    return ctx.secrets.seal(json.dumps(proof)), step


def open_second_step(ctx: ServiceContext, sealed: str) -> SecondStep | None:
    """What a proof holds, or ``None`` if it is no proof of this server's or has expired."""
    try:
        proof = json.loads(ctx.secrets.open(sealed))
        if proof["purpose"] != _SECOND_STEP:
            return None
        if datetime.fromisoformat(proof["expiresAt"]) <= ctx.clock.now():
            return None
        return SecondStep(int(proof["accountId"]), str(proof["csrfToken"]))
    except (ValueError, KeyError, TypeError):
        return None


def _throttle_key(*parts: str) -> str:
    """The digest failures are counted under (a list, so that no email and address run into
    another pair)."""
    return token_digest(json.dumps(parts))


def _recent(conn: Connection, key: str, rule: FailureThrottle, now: datetime) -> list[datetime]:
    return failure_store.recent_failures(conn, key, now - rule.window, rule.limit)


def find_session(ctx: ServiceContext, session_id: str) -> WebSession | None:
    with ctx.db.read() as conn:
        found = store.find_session(conn, token_digest(session_id), ctx.clock.now())
        account = None if found is None else account_store.get_account(conn, found[0])
    if found is None or account is None:
        return None
    caller = Caller(
        account_id=account.account_id,
        owner_account_id=account.owner_account_id,
        rights=account.rights,
        scopes=ALL_SCOPES,
        token_id="",
    )
    return WebSession(account, found[1], caller)


def sign_out(ctx: ServiceContext, session_id: str) -> None:
    with ctx.db.transaction() as conn:
        store.delete_session(conn, token_digest(session_id))
