"""Rotating a refresh token when two transactions exchange it at once, as two server instances
on one PostgreSQL database may: the delete decides, and the loser learns it lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from nukiweb.domain.scopes import ALL_SCOPES
from nukiweb.secrets import new_object_id, token_digest
from nukiweb.services import accounts, api_keys
from nukiweb.store import oauth as store
from tests.support import RunningServer, unique_email

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def issued_refresh_token(server: RunningServer) -> str:
    account = accounts.create_account(server.ctx, unique_email("rotation"), "a password")
    _token, value = api_keys.issue_token_for_account(
        server.ctx, account.account_id, "key", ALL_SCOPES
    )
    api_key_id = server.ctx.tokens.authenticate(f"Bearer {value}").api_key_id
    assert api_key_id is not None
    digest = token_digest(new_object_id())
    with server.ctx.db.transaction() as conn:
        store.insert_token(
            conn,
            {
                "id": new_object_id(),
                "api_key_id": api_key_id,
                "account_id": account.account_id,
                "grant_id": new_object_id(),
                "scopes": ["account"],
                "access_digest": token_digest(new_object_id()),
                "refresh_digest": digest,
                "expires_at": NOW + timedelta(days=30),
                "creation_date": NOW,
            },
        )
    return digest


def test_of_two_concurrent_rotations_one_wins(server: RunningServer) -> None:
    if not server.ctx.db.is_postgresql:
        pytest.skip("SQLite has one writer at a time: its transactions never interleave")
    digest = issued_refresh_token(server)
    outcome: list[bool] = []
    read = threading.Event()

    def second_rotation() -> None:
        with server.ctx.db.transaction() as second:
            seen = store.find_refresh_token(second, digest)
            read.set()
            # Waits on the first transaction's row lock, or finds the row gone after its commit.
            outcome.append(seen is not None and store.rotate_refresh_token(second, seen, digest))

    with server.ctx.db.transaction() as first:
        record = store.find_refresh_token(first, digest)
        assert record is not None
        assert store.rotate_refresh_token(first, record, digest)
        racing = threading.Thread(target=second_rotation)
        racing.start()
        assert read.wait(30)  # the second has read the pair the first is rotating
    racing.join(30)
    assert outcome == [False]
    with server.ctx.db.read() as conn:
        assert store.find_refresh_token(conn, digest) is None
        assert store.find_rotated_refresh_token(conn, digest) is not None
