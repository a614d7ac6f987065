"""Single-use, expiring links sent by mail. The link carries a random token; the store keeps its
SHA-256 only, so that what the store holds opens nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from nukiweb.store.schema import account_links


@dataclass(frozen=True, slots=True)
class AccountLink:
    token_digest: str
    purpose: str
    account_id: int
    email: str | None
    delete_api_tokens: bool | None
    expires_at: datetime
    used_at: datetime | None


def insert_link(conn: Connection, link: AccountLink) -> None:
    conn.execute(
        insert(account_links).values(
            token_digest=link.token_digest,
            purpose=link.purpose,
            account_id=link.account_id,
            email=link.email,
            delete_api_tokens=link.delete_api_tokens,
            expires_at=link.expires_at,
            used_at=link.used_at,
        )
    )


def find_link(conn: Connection, token_digest: str, purpose: str) -> AccountLink | None:
    row = conn.execute(
        select(account_links).where(
            account_links.c.token_digest == token_digest, account_links.c.purpose == purpose
        )
    ).first()
    if row is None:
        return None
    return AccountLink(
        token_digest=row.token_digest,
        purpose=row.purpose,
        account_id=row.account_id,
        email=row.email,
        delete_api_tokens=row.delete_api_tokens,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def use_link(conn: Connection, token_digest: str, now: datetime) -> bool:
    """Marks the link used if it is still unused and unexpired; whether it was. A conditional
    update: of two transactions using one link, only one changes the row."""
    used = conn.execute(
        update(account_links)
        .where(
            account_links.c.token_digest == token_digest,
            account_links.c.used_at.is_(None),
            account_links.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return used.rowcount == 1


def delete_spent_links(conn: Connection, account_id: int, now: datetime) -> None:
    """The account's links that can no longer be used: used or expired."""
    conn.execute(
        delete(account_links).where(
            account_links.c.account_id == account_id,
            (account_links.c.used_at.is_not(None)) | (account_links.c.expires_at <= now),
        )
    )


def retire_links(conn: Connection, account_id: int, purpose: str, now: datetime) -> None:
    """The account's unused links of ``purpose`` stop working: a newer one replaces them."""
    conn.execute(
        update(account_links)
        .where(
            account_links.c.account_id == account_id,
            account_links.c.purpose == purpose,
            account_links.c.used_at.is_(None),
        )
        .values(used_at=now)
    )


def pending_email(
    conn: Connection, account_id: int, current_email: str, now: datetime
) -> str | None:
    """The address of the account's usable verification link, if it is not the current one."""
    email: str | None = conn.execute(
        select(account_links.c.email)
        .where(
            account_links.c.account_id == account_id,
            account_links.c.purpose == "verify_email",
            account_links.c.used_at.is_(None),
            account_links.c.expires_at > now,
            account_links.c.email != current_email,
        )
        .order_by(account_links.c.expires_at.desc())
        .limit(1)
    ).scalar()
    return email
