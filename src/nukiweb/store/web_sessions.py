"""Sessions of the web pages, found by the SHA-256 of the cookie's value."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from nukiweb.store.schema import web_sessions


def insert_session(
    conn: Connection, id_digest: str, account_id: int, csrf_token: str, expires_at: datetime
) -> None:
    conn.execute(
        insert(web_sessions).values(
            id_digest=id_digest, account_id=account_id, csrf_token=csrf_token, expires_at=expires_at
        )
    )


def find_session(conn: Connection, id_digest: str, now: datetime) -> tuple[int, str] | None:
    """The account and CSRF token of an unexpired session."""
    row = conn.execute(
        select(web_sessions.c.account_id, web_sessions.c.csrf_token).where(
            web_sessions.c.id_digest == id_digest, web_sessions.c.expires_at > now
        )
    ).first()
    return None if row is None else (row.account_id, row.csrf_token)


def delete_session(conn: Connection, id_digest: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id_digest == id_digest))


def delete_expired_sessions(conn: Connection, now: datetime) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))


def delete_account_sessions(conn: Connection, account_id: int) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.account_id == account_id))
