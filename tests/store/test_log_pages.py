"""On PostgreSQL the server awaits a log page as JSON that PostgreSQL builds
(``store.logs.page_json_async``); everywhere else the API encodes the store's rows
(``api.log_views.smartlock_logs_json``). The two give the same bytes, for entries with and
without every optional field, dates with equal values, and every kind of filter and cursor."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from nukiweb.api.log_views import smartlock_logs_json
from nukiweb.api.models.smartlock import SmartlockLogOpenerLog
from nukiweb.domain.smartlocks import LogEntry, LogQuery
from nukiweb.secrets import new_object_id
from nukiweb.store import logs as log_store
from nukiweb.store.async_readers import AsyncReaders
from tests.devices import add_device
from tests.support import AccountFixture, run_on_a_loop_of_its_own

START = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)


def _entries(account_id: int, smartlock_id: int) -> list[LogEntry]:
    plain = LogEntry(
        id="",
        account_id=account_id,
        smartlock_id=smartlock_id,
        device_type=2,
        name="Front door",
        action=1,
        trigger=0,
        state=0,
        date=START,
    )
    every_field = replace(
        plain,
        name='Jürgen "the key" \\ O\'Brien\u2028',
        action=2,
        trigger=6,
        state=1,
        auto_unlock=True,
        account_user_id=7,
        auth_id="a" * 24,
        source=1,
        opener_log={
            "activeCm": True,
            "activeRto": False,
            "source": 3,
            "flagGeoFence": None,  # a field without a value is left out
            "flagForce": False,
            "flagDoorbellSuppression": True,
            "notInTheSchema": 1,  # nor does a key the schema does not have show
        },
        ajar_timeout=30,
        error="Motor blocked",
    )
    entries = []
    for index in range(12):
        # Pairs of entries share a date: the later written comes first.
        date = START + timedelta(seconds=index // 2, microseconds=999 * (index % 3))
        shape = every_field if index % 3 else plain
        entries.append(replace(shape, id=new_object_id(), date=date))
    entries.append(replace(plain, id=new_object_id(), date=datetime(99, 1, 2, tzinfo=UTC)))
    return entries


def test_the_opener_log_fields_are_the_schemas() -> None:
    assert tuple(SmartlockLogOpenerLog.model_fields) == log_store._OPENER_LOG_FIELDS


def test_postgresql_builds_the_same_page_as_the_api_encodes(account: AccountFixture) -> None:
    database = account.api.server.ctx.db
    if not database.is_postgresql:
        pytest.skip("PostgreSQL builds the pages' JSON; elsewhere the API encodes them")
    account_id, smartlock_id = account.account_id, add_device(account, 2)
    entries = _entries(account_id, smartlock_id)
    newest_first = sorted(range(len(entries)), key=lambda i: (entries[i].date, i), reverse=True)
    queries = [
        LogQuery(limit=50),
        LogQuery(limit=5),
        LogQuery(smartlock_id=smartlock_id, limit=50),
        LogQuery(smartlock_id=smartlock_id, auth_id="a" * 24, action=2, limit=3),
        LogQuery(account_user_id=7, limit=50),
        LogQuery(before_id=entries[newest_first[3]].id, limit=4),
        LogQuery(from_date=START + timedelta(seconds=2), to_date=START + timedelta(seconds=4)),
        LogQuery(action=99, limit=50),  # none
        LogQuery(before_id="0" * 24, limit=50),  # not an entry: none
    ]
    not_the_accounts = [  # a device the account does not have: no page at all (404)
        LogQuery(smartlock_id=smartlock_id + 1),
        LogQuery(smartlock_id=smartlock_id + 1, action=2**40),  # no entry's value either
        LogQuery(smartlock_id=smartlock_id + 1, before_id=entries[0].id),
    ]
    with database.transaction() as conn:
        for entry in entries:
            log_store.insert_entry(conn, entry)

    async def pages() -> list[bytes | None]:
        readers = AsyncReaders(database.engine, 1, log_store.IN_INDEX_ORDER)
        await readers.open()
        try:
            return [
                await log_store.page_json_async(readers, account_id, query)
                for query in [*queries, *not_the_accounts]
            ]
        finally:
            await readers.close()

    (*built,) = run_on_a_loop_of_its_own(pages)
    assert built[len(queries) :] == [None] * len(not_the_accounts)
    del built[len(queries) :]
    with database.snapshot() as conn:
        encoded = [
            smartlock_logs_json(log_store.query_rows(conn, account_id, query)) for query in queries
        ]
    assert built == encoded
    whole = json.loads(built[0] or b"")
    assert [entry["id"] for entry in whole] == [entries[i].id for i in newest_first]
    assert whole[-1]["date"] == "0099-01-02T00:00:00.000Z"
    assert [len(json.loads(page or b"")) for page in built[1:]] == [5, 13, 3, 8, 4, 5, 0, 0]
