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
    """A new session's id (for the cookie) if ``password`` is the account's."""
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
    session_id = secrets.token_urlsafe(32)
    with ctx.db.transaction() as conn:
        # This address may go on; the email's count from every address stands until it ages,
        # so that a success in between does not give a guesser elsewhere a fresh start.
        failure_store.forget(conn, address_key)
        store.delete_expired_sessions(conn, now)
        store.insert_session(
            conn,
            token_digest(session_id),
            credentials[0],
            secrets.token_urlsafe(32),
            now + SESSION_LIFETIME,
        )
    return session_id


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
