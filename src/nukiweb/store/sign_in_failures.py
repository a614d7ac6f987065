"""Failed sign-ins, kept in the store so that every server instance counts them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from nukiweb.store.schema import sign_in_failures


def record_failure(conn: Connection, key_digest: str, when: datetime) -> None:
    conn.execute(insert(sign_in_failures).values(key_digest=key_digest, failed_at=when))


def recent_failures(
    conn: Connection, key_digest: str, since: datetime, most: int
) -> list[datetime]:
    """The newest ``most`` failures after ``since``, oldest first."""
    rows = conn.execute(
        select(sign_in_failures.c.failed_at)
        .where(sign_in_failures.c.key_digest == key_digest, sign_in_failures.c.failed_at > since)
        .order_by(sign_in_failures.c.failed_at.desc())
        .limit(most)
    )
    return sorted(row.failed_at for row in rows)


def forget(conn: Connection, key_digest: str, before: datetime | None = None) -> None:
    """Drops the key's failures (all of them, or those before ``before``)."""
    condition = sign_in_failures.c.key_digest == key_digest
    if before is not None:
        condition &= sign_in_failures.c.failed_at <= before
    conn.execute(delete(sign_in_failures).where(condition))
