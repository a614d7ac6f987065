"""Two-factor sign-in with one-time passwords (``/account/otp``, the pages' second sign-in step).

``PUT /account/otp`` makes a secret that waits (pending) until a code of it is confirmed with
``POST``; from then on signing in to the pages asks for a code as well as the password. Secrets
are sealed at rest. A code is good once (the step of the last accepted one is kept) and every
check locks the account's row, so that two requests with one code cannot both pass. Wrong codes
are counted like failed sign-ins, per account: after five within 15 minutes, checks are refused
for a while.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from nukiweb.domain import otp as rules
from nukiweb.domain.errors import (
    InvalidParameter,
    MethodNotAllowed,
    NotFound,
    NukiwebError,
    Throttled,
    Unauthorized,
)
from nukiweb.domain.identity import Caller
from nukiweb.domain.throttle import FailureThrottle
from nukiweb.secrets import token_digest
from nukiweb.services.accounts import DEFAULT_CONFIG
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store import otp as store
from nukiweb.store import sign_in_failures as failure_store

THROTTLE = FailureThrottle(limit=5, window=timedelta(minutes=15))


class OtpAlreadyEnabled(MethodNotAllowed):
    def __init__(self) -> None:
        super().__init__("One time password is already enabled")


class OtpEmpty(InvalidParameter):
    def __init__(self) -> None:
        super().__init__("otp", "", "One time password empty")


class OtpNotPending(InvalidParameter):
    """A code to confirm, but no secret waiting for one."""

    def __init__(self, enabled: bool) -> None:
        reason = (
            "One time password is already enabled"
            if enabled
            else "There is no one time password secret to confirm: create one first."
        )
        super().__init__("otp", "*****", reason)


class OtpNotEnabled(InvalidParameter):
    def __init__(self) -> None:
        super().__init__("otp", "*****", "One time passwords are not enabled for this account.")


class OtpWrong(Unauthorized):
    """401 as the spec has it ("Not authorized or one time password wrong"), with a message of
    its own: the token was fine, the code was not."""

    def __init__(self) -> None:
        NukiwebError.__init__(self, "The one time password is wrong (or was used already).")


class OtpThrottled(Throttled):
    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(
            "Too many failed attempts: wrong one time passwords. "
            f"Try again in {minutes} minute(s).",
            retry_after,
        )


@dataclass(frozen=True, slots=True)
class OtpStatus:
    enabled: bool
    enabled_since: datetime | None
    pending_secret: str | None
    """The secret waiting for its first code, in clear (for the account's own setup page)."""


def create_secret(ctx: ServiceContext, caller: Caller) -> str:
    """``PUT /account/otp``: a new secret, pending until a code of it is confirmed (each call
    replaces the pending one). Refused while one-time passwords are enabled."""
    secret = rules.new_secret()
    with ctx.db.transaction() as conn:
        account_store.lock_account(conn, caller.account_id)
        columns = _columns(conn, caller.account_id)
        if columns.sealed_secret is not None:
            raise OtpAlreadyEnabled
        store.set_pending_secret(conn, caller.account_id, ctx.secrets.seal(secret))
    return secret


def enable(ctx: ServiceContext, caller: Caller, code: str) -> None:
    """``POST /account/otp``: the pending secret becomes active when ``code`` is one of its
    codes; ``Account.config.otpEnabledDate`` says since when."""
    _check(ctx, caller.account_id, code, confirming=True)


def verify(ctx: ServiceContext, account_id: int, code: str) -> None:
    """A code of the account's active secret (the second step of signing in): ``OtpWrong``,
    or ``OtpThrottled`` after repeated failures."""
    _check(ctx, account_id, code, confirming=False)


def disable(ctx: ServiceContext, account_id: int) -> None:
    """``DELETE /account/otp`` (and ``nukiweb admin disable-otp``): no secret, no date."""
    with ctx.db.transaction() as conn:
        account_store.lock_account(conn, account_id)
        columns = _columns(conn, account_id)
        config = columns.config
        if config is not None:
            config = {name: value for name, value in config.items() if name != rules.ENABLED_DATE}
        store.clear(conn, account_id, config, ctx.clock.now())


def status(ctx: ServiceContext, account_id: int) -> OtpStatus:
    with ctx.db.read() as conn:
        columns = _columns(conn, account_id)
    pending = columns.sealed_pending_secret
    return OtpStatus(
        enabled=columns.sealed_secret is not None,
        enabled_since=rules.enabled_date(columns.config),
        pending_secret=None if pending is None else ctx.secrets.open(pending),
    )


def is_enabled(ctx: ServiceContext, account_id: int) -> bool:
    with ctx.db.read() as conn:
        return _columns(conn, account_id).sealed_secret is not None


def _check(ctx: ServiceContext, account_id: int, code: str, *, confirming: bool) -> None:
    if not code.strip():
        raise OtpEmpty
    now = ctx.clock.now()
    key = token_digest(json.dumps(["otp", account_id]))
    with ctx.db.transaction() as conn:
        # First: the row lock orders every check of this account (the throttle's count too).
        account_store.lock_account(conn, account_id)
        recent = failure_store.recent_failures(conn, key, now - THROTTLE.window, THROTTLE.limit)
        wait = THROTTLE.retry_after(recent, now)
        if wait is not None:
            raise OtpThrottled(wait)
        columns = _columns(conn, account_id)
        sealed = columns.sealed_pending_secret if confirming else columns.sealed_secret
        if sealed is None:
            if confirming:
                raise OtpNotPending(enabled=columns.sealed_secret is not None)
            raise OtpNotEnabled
        step = rules.accepted_step(ctx.secrets.open(sealed), code, now, columns.last_step)
        if step is None:
            # Recorded (and committed) before the refusal: a wrong code counts.
            failure_store.forget(conn, key, before=now - THROTTLE.window)
            failure_store.record_failure(conn, key, now)
        elif confirming:
            config = dict(columns.config or DEFAULT_CONFIG)
            config[rules.ENABLED_DATE] = now.isoformat()
            store.activate(conn, account_id, sealed, step, config, now)
        else:
            store.accept_step(conn, account_id, step)
    if step is None:
        raise OtpWrong


def _columns(conn: Connection, account_id: int) -> store.OtpColumns:
    columns = store.get_otp(conn, account_id)
    if columns is None:  # deleted since the caller was authenticated
        raise NotFound("account", account_id)
    return columns
