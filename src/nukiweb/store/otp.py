"""Accounts' one-time-password secrets (sealed), read and written apart from the account's other
columns: the account reads never carry them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from nukiweb.store.schema import accounts


@dataclass(frozen=True, slots=True)
class OtpColumns:
    sealed_secret: str | None
    """The active secret: set while one-time passwords are enabled."""
    sealed_pending_secret: str | None
    """Made by ``PUT /account/otp``, active once a code of it has been confirmed."""
    last_step: int | None
    """The time step of the last code accepted: no code of it or of an earlier one is taken."""
    config: dict[str, Any] | None


def get_otp(conn: Connection, account_id: int) -> OtpColumns | None:
    row = conn.execute(
        select(
            accounts.c.otp_secret,
            accounts.c.otp_pending_secret,
            accounts.c.otp_last_step,
            accounts.c.config,
        ).where(accounts.c.account_id == account_id)
    ).first()
    if row is None:
        return None
    return OtpColumns(row.otp_secret, row.otp_pending_secret, row.otp_last_step, row.config)


def set_pending_secret(conn: Connection, account_id: int, sealed: str) -> None:
    conn.execute(
        update(accounts)
        .where(accounts.c.account_id == account_id)
        .values(otp_pending_secret=sealed)
    )


def activate(
    conn: Connection,
    account_id: int,
    sealed: str,
    step: int,
    config: dict[str, Any],
    now: datetime,
) -> None:
    """``sealed`` (the pending secret) becomes the active one, the step of its first code the
    last accepted."""
    conn.execute(
        update(accounts)
        .where(accounts.c.account_id == account_id)
        .values(
            otp_secret=sealed,
            otp_pending_secret=None,
            otp_last_step=step,
            config=config,
            update_date=now,
        )
    )


def accept_step(conn: Connection, account_id: int, step: int) -> None:
    conn.execute(
        update(accounts).where(accounts.c.account_id == account_id).values(otp_last_step=step)
    )


def clear(conn: Connection, account_id: int, config: dict[str, Any] | None, now: datetime) -> None:
    conn.execute(
        update(accounts)
        .where(accounts.c.account_id == account_id)
        .values(
            otp_secret=None,
            otp_pending_secret=None,
            otp_last_step=None,
            config=config,
            update_date=now,
        )
    )
