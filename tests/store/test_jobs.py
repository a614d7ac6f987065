"""Durable jobs in the store: scheduling again moves a job and frees it, a due job is taken by
one holder at a time, and a finished job goes only if it is still the one its holder took."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, delete, select

from nukiweb.store import jobs, schema
from nukiweb.store.database import Database

# Before anything other tests schedule in the shared store (mails of the accounts they make,
# due at their servers' times): what a test takes at T0 is its own.
T0 = datetime(2000, 6, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
def kind(database: Database) -> Iterator[str]:
    """A kind of this test's own (the store is shared with other tests, and with the test
    server's job runner, which must find none of them left)."""
    kind = f"test-{uuid.uuid4().hex[:8]}"
    yield kind
    with database.transaction() as conn:
        conn.execute(delete(schema.jobs).where(schema.jobs.c.kind == kind))


def _take(database: Database, holder: str, now: datetime) -> list[jobs.Job]:
    with database.transaction() as conn:
        return jobs.take_due(conn, holder, now, now + LEASE, 100)


def _row(conn: Connection, kind: str, subject: str) -> Any:
    return conn.execute(
        select(schema.jobs).where(schema.jobs.c.kind == kind, schema.jobs.c.subject == subject)
    ).first()


def _mine(taken: list[jobs.Job], kind: str) -> list[jobs.Job]:
    return [job for job in taken if job.kind == kind]


def test_a_due_job_is_taken_once_until_its_lease_runs_out(database: Database, kind: str) -> None:
    with database.transaction() as conn:
        jobs.schedule(conn, kind, "a", T0)
        jobs.schedule(conn, kind, "later", T0 + timedelta(hours=1))
    assert [job.subject for job in _mine(_take(database, "one", T0), kind)] == ["a"]
    assert _mine(_take(database, "two", T0), kind) == []
    # The holder died: after its lease another takes it.
    assert [job.subject for job in _mine(_take(database, "two", T0 + LEASE * 2), kind)] == ["a"]


def test_finishing_removes_only_the_job_as_it_was_taken(database: Database, kind: str) -> None:
    with database.transaction() as conn:
        jobs.schedule(conn, kind, "a", T0)
    [job] = _mine(_take(database, "one", T0), kind)
    with database.transaction() as conn:
        # Decided again while it ran: moved and freed.
        jobs.schedule(conn, kind, "a", T0 + timedelta(minutes=5))
        jobs.finish(conn, job, "one")
        assert _row(conn, kind, "a").due == T0 + timedelta(minutes=5)
    [again] = _mine(_take(database, "two", T0 + timedelta(minutes=5)), kind)
    with database.transaction() as conn:
        jobs.finish(conn, again, "two")
        assert _row(conn, kind, "a") is None


def test_a_failed_job_is_retried_later_and_counts_its_attempts(
    database: Database, kind: str
) -> None:
    with database.transaction() as conn:
        jobs.schedule(conn, kind, "a", T0)
    [job] = _mine(_take(database, "one", T0), kind)
    with database.transaction() as conn:
        jobs.retry(conn, job, "one", T0 + timedelta(seconds=30), "device offline")
        assert jobs.attempts(conn, kind, "a") == 1
        assert _row(conn, kind, "a").last_error == "device offline"
    assert _mine(_take(database, "one", T0 + timedelta(seconds=10)), kind) == []
    assert len(_mine(_take(database, "one", T0 + timedelta(seconds=30)), kind)) == 1


def test_any_due_sees_a_due_job(database: Database, kind: str) -> None:
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    with database.transaction() as conn:
        jobs.schedule(conn, kind, "a", long_ago + timedelta(days=1))
    with database.read() as conn:
        assert not jobs.any_due(conn, long_ago)  # nothing of any test is due that early
        assert jobs.any_due(conn, long_ago + timedelta(days=1))
