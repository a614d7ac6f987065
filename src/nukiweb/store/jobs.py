"""Durable jobs: work to be done at a time, taken under a lease by one instance at a time.

A job is one row per (kind, subject). Scheduling it again moves its time and frees it, so a
decision made while it runs is never lost: the runner removes a finished job only if it is still
the one it took (same time, still held by it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from nukiweb.store.schema import jobs


@dataclass(frozen=True, slots=True)
class Job:
    kind: str
    subject: str
    due: datetime
    attempts: int


def schedule(
    conn: Connection,
    kind: str,
    subject: str,
    due: datetime,
    *,
    attempts: int = 0,
    error: str | None = None,
) -> None:
    """The job runs at ``due`` (again, if it ran), whatever was decided for it before;
    ``attempts`` and ``error``: of the tries that came before, when this is a retry."""
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    fresh = {
        "due": due,
        "attempts": attempts,
        "holder": None,
        "held_until": None,
        "last_error": error,
    }
    statement = insert(jobs).values(kind=kind, subject=subject, **fresh)
    conn.execute(statement.on_conflict_do_update(index_elements=["kind", "subject"], set_=fresh))


def attempts(conn: Connection, kind: str, subject: str) -> int:
    """How many times the job has been tried again (0 for none, or no job)."""
    count: int | None = conn.execute(
        select(jobs.c.attempts).where(jobs.c.kind == kind, jobs.c.subject == subject)
    ).scalar()
    return count or 0


def cancel(conn: Connection, kind: str, subject: str) -> None:
    conn.execute(delete(jobs).where(jobs.c.kind == kind, jobs.c.subject == subject))


def any_due(conn: Connection, now: datetime) -> bool:
    """Whether a job is due that no live holder has: a read, before a write transaction."""
    free = or_(jobs.c.held_until.is_(None), jobs.c.held_until < now)
    found = conn.execute(select(jobs.c.kind).where(jobs.c.due <= now, free).limit(1)).first()
    return found is not None


def take_due(
    conn: Connection, holder: str, now: datetime, held_until: datetime, limit: int
) -> list[Job]:
    """Up to ``limit`` due jobs no live holder has, now held by ``holder`` until ``held_until``;
    on PostgreSQL rows other transactions are taking are skipped, not waited for."""
    free = or_(jobs.c.held_until.is_(None), jobs.c.held_until < now)
    candidates = (
        select(jobs.c.kind, jobs.c.subject, jobs.c.due, jobs.c.attempts)
        .where(jobs.c.due <= now, free)
        .order_by(jobs.c.due)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = []
    for row in conn.execute(candidates).all():
        claimed = conn.execute(
            update(jobs)
            .where(jobs.c.kind == row.kind, jobs.c.subject == row.subject, free)
            .values(holder=holder, held_until=held_until)
        )
        if claimed.rowcount == 1:
            taken.append(Job(row.kind, row.subject, row.due, row.attempts))
    return taken


def _still_taken(job: Job, holder: str) -> Any:
    return and_(
        jobs.c.kind == job.kind,
        jobs.c.subject == job.subject,
        jobs.c.due == job.due,
        jobs.c.holder == holder,
    )


def finish(conn: Connection, job: Job, holder: str) -> None:
    conn.execute(delete(jobs).where(_still_taken(job, holder)))


def retry(conn: Connection, job: Job, holder: str, due: datetime, error: str) -> None:
    conn.execute(
        update(jobs)
        .where(_still_taken(job, holder))
        .values(due=due, attempts=job.attempts + 1, holder=None, held_until=None, last_error=error)
    )
