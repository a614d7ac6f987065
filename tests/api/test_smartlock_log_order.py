"""Tag SmartlockLog over HTTP: entries come newest first by date, whatever order they were
written in (a device that was offline reports late), and paging with the id cursor through any
combination of filters loses and repeats nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from nukiweb.domain.smartlocks import LogEntry
from nukiweb.secrets import new_object_id
from nukiweb.store import logs as log_store
from tests.devices import add_device, logs
from tests.support import SIMULATION_START, AccountFixture, ApiClient

AUTHS = ("a" * 24, "b" * 24, "c" * 24)
USER_OF_AUTH = {"a" * 24: 7, "b" * 24: 8, "c" * 24: None}


@dataclass(frozen=True)
class Written:
    """An entry as written, with its place in the order it was written."""

    entry: LogEntry
    order: int


def _write(api: ApiClient, entries: list[LogEntry]) -> list[Written]:
    """Entries written through the store, one transaction each, in the order given."""
    written = []
    for order, entry in enumerate(entries):
        with api.server.ctx.db.transaction() as conn:
            log_store.insert_entry(conn, entry)
        written.append(Written(entry, order))
    return written


def _entry(account: AccountFixture, smartlock_id: int, date: datetime, **fields: Any) -> LogEntry:
    values: dict[str, Any] = {"action": 1, "trigger": 0, "state": 0, "name": "Test"} | fields
    return LogEntry(
        id=new_object_id(),
        account_id=account.account_id,
        smartlock_id=smartlock_id,
        device_type=0,
        date=date,
        **values,
    )


def _newest_first(written: list[Written]) -> list[str]:
    """Newest date first; of entries with the same date, the last written first."""
    ordered = sorted(written, key=lambda w: (w.entry.date, w.order), reverse=True)
    return [w.entry.id for w in ordered]


def _pages(api: ApiClient, path: str, limit: int, params: dict[str, Any]) -> list[str]:
    """The ids of every entry, page after page, each from the last entry of the one before."""
    ids: list[str] = []
    while True:
        cursor = {"id": ids[-1]} if ids else {}
        response = api.get(path, params={"limit": limit, **params, **cursor})
        assert response.status_code == 200, response.text
        page = [entry["id"] for entry in response.json()]
        assert len(page) <= limit
        ids += page
        if len(page) < limit:
            return ids


@pytest.mark.parametrize("per_device", [True, False])
def test_newest_date_first_whatever_the_order_written(
    account: AccountFixture, per_device: bool
) -> None:
    smartlock_id = add_device(account, 0)
    # Minutes apart, shuffled, with microseconds; three entries share one date.
    minutes = [(number * 7) % 20 for number in range(20)]
    dates = [SIMULATION_START + timedelta(minutes=m, microseconds=m * 1001) for m in minutes]
    dates[4:7] = [dates[3]] * 3
    written = _write(account.api, [_entry(account, smartlock_id, date) for date in dates])
    expected = _newest_first(written)
    path = f"/smartlock/{smartlock_id}/log" if per_device else "/smartlock/log"
    got = [entry["id"] for entry in logs(account.api, smartlock_id if per_device else None)]
    assert got == expected[:20]
    for limit in (1, 2, 3, 7, 50):
        assert _pages(account.api, path, limit, {}) == expected, limit


def _mixed_log(account: AccountFixture, devices: list[int]) -> list[Written]:
    """Entries of several devices, actions, users and authorizations, over a week, written
    mostly in date order but one in five late (and some at the same moment as another)."""
    chooser = random.Random(11)  # noqa: S311 - the same log on every run, nothing secret
    entries = []
    for number in range(150):
        date = SIMULATION_START + timedelta(hours=number)
        if chooser.random() < 0.2:
            date -= timedelta(hours=chooser.randrange(1, 40))
        auth = chooser.choice((*AUTHS, None))
        entries.append(
            _entry(
                account,
                chooser.choice(devices),
                date,
                action=chooser.choice((1, 2, 2, 240)),
                auth_id=auth,
                account_user_id=USER_OF_AUTH.get(auth) if auth else None,
            )
        )
    return _write(account.api, entries)


def _matches(w: Written, smartlock_id: int | None, params: dict[str, Any]) -> bool:
    e = w.entry
    return (
        (smartlock_id is None or e.smartlock_id == smartlock_id)
        and params.get("action", e.action) == e.action
        and params.get("accountUserId", e.account_user_id) == e.account_user_id
        and params.get("authId", e.auth_id) == e.auth_id
        and ("fromDate" not in params or e.date >= datetime.fromisoformat(params["fromDate"]))
        and ("toDate" not in params or e.date <= datetime.fromisoformat(params["toDate"]))
    )


FROM = (SIMULATION_START + timedelta(hours=30)).isoformat()
TO = (SIMULATION_START + timedelta(hours=120)).isoformat()
COMBINATIONS = [
    {},
    {"action": 2},
    {"accountUserId": 7},
    {"action": 2, "accountUserId": 8},
    {"fromDate": FROM},
    {"toDate": TO},
    {"fromDate": FROM, "toDate": TO, "action": 2},
    {"toDate": TO, "accountUserId": 7, "action": 1},
    {"authId": "a" * 24},
    {"authId": "b" * 24, "action": 2, "fromDate": FROM},
    {"authId": "a" * 24, "accountUserId": 7, "toDate": TO},
    {"authId": "a" * 24, "accountUserId": 8},  # an authorization and a user it is not
    {"action": 3},
]


@pytest.mark.parametrize("params", COMBINATIONS, ids=lambda p: "-".join(p) or "none")
def test_paging_through_filters_loses_and_repeats_nothing(
    account: AccountFixture, params: dict[str, Any]
) -> None:
    first, second = add_device(account, 0), add_device(account, 4)
    written = _mixed_log(account, [first, second])
    targets: list[int | None] = [first] if "authId" in params else [first, None]
    for smartlock_id in targets:
        expected = _newest_first([w for w in written if _matches(w, smartlock_id, params)])
        path = "/smartlock/log" if smartlock_id is None else f"/smartlock/{smartlock_id}/log"
        for limit in (1, 4, 50):
            assert _pages(account.api, path, limit, params) == expected, (smartlock_id, limit)


@pytest.mark.parametrize("per_device", [True, False])
def test_a_cursor_and_to_date_both_bound_the_page(
    account: AccountFixture, per_device: bool
) -> None:
    """Whichever of the two ends first: a cursor from another page, older or newer than toDate,
    and a cursor with the same date as others."""
    smartlock_id = add_device(account, 3)
    written = _mixed_log(account, [smartlock_id])
    everything = _newest_first(written)
    by_id = {w.entry.id: w for w in written}
    path = f"/smartlock/{smartlock_id}/log" if per_device else "/smartlock/log"
    to_date = SIMULATION_START + timedelta(hours=90)
    for cursor in (everything[0], everything[70], everything[120], everything[-1]):
        older = everything[everything.index(cursor) + 1 :]
        expected = [i for i in older if by_id[i].entry.date <= to_date][:50]
        params = {"id": cursor, "toDate": to_date.isoformat(), "limit": 50}
        got = account.api.get(path, params=params).json()
        assert [entry["id"] for entry in got] == expected
    # toDate exactly at the cursor's date: entries of that date written after it are newer.
    same = [
        everything[i]
        for i in range(1, len(everything))
        if by_id[everything[i]].entry.date == by_id[everything[i - 1]].entry.date
    ]
    assert same, "the mixed log has entries at the same moment"
    cursor = same[0]
    at = by_id[cursor].entry.date.isoformat()
    got = account.api.get(path, params={"id": cursor, "toDate": at}).json()
    assert [entry["id"] for entry in got] == everything[everything.index(cursor) + 1 :][:20]
