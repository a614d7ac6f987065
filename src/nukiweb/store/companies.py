"""Reading and replacing the partner companies: one list, the same for every account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, exists, insert, select, text

from nukiweb.domain.companies import Company
from nukiweb.store.schema import companies


def list_companies(conn: Connection) -> list[Company]:
    """In the order they were imported."""
    rows = conn.execute(select(companies.c.name, companies.c.email).order_by(companies.c.seq)).all()
    return [Company(name=row.name, email=row.email) for row in rows]


def lock_companies(conn: Connection) -> None:
    """Until the transaction ends, no other one changes the list (reads go on, and see the list
    as it was). SQLite's transactions hold its write lock from their start already; on
    PostgreSQL two replacements at once would otherwise each delete only the rows they saw,
    and leave both lists."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE companies IN EXCLUSIVE MODE"))


def has_companies(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().select_from(companies))).scalar())


def replace_companies(conn: Connection, new: Sequence[Company]) -> None:
    """The list becomes ``new``, in its order; call within one transaction, after
    ``lock_companies``."""
    conn.execute(delete(companies))
    if new:
        conn.execute(
            insert(companies), [{"name": company.name, "email": company.email} for company in new]
        )
