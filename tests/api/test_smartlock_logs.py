"""Tag SmartlockLog over HTTP: the activity log of all the account's devices and of one, newest
first, paged by the id of the last entry seen, filtered, and never another account's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from nukiweb.domain.scopes import Scope
from nukiweb.services import device_reports
from tests.devices import add_device, advance, logs, simulate
from tests.support import AccountFixture, ApiClient


def _make_entries(api: ApiClient, smartlock_id: int, count: int) -> None:
    """``count`` door-sensor entries, one simulated second apart, opened first."""
    for index in range(count):
        simulate(api, smartlock_id, "door", open=index % 2 == 0)
        advance(api, 1)


def _dates(entries: list[dict[str, Any]]) -> list[datetime]:
    return [datetime.fromisoformat(entry["date"]) for entry in entries]


def _all_pages(api: ApiClient, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every entry, page after page, each page starting after the last entry of the one before."""
    collected: list[dict[str, Any]] = []
    while True:
        cursor = {"id": collected[-1]["id"]} if collected else {}
        response = api.get(path, params={"limit": limit, **params, **cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page) <= limit
        collected += page
        if len(page) < limit:
            return collected


@pytest.mark.parametrize("per_device", [True, False])
def test_newest_first_twenty_by_default(account: AccountFixture, per_device: bool) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    _make_entries(api, smartlock_id, 25)
    entries = logs(api, smartlock_id if per_device else None)
    assert len(entries) == 20
    dates = _dates(entries)
    assert dates == sorted(dates, reverse=True)
    assert len(set(dates)) == 20
    # The 25th entry (index 24) opened the door.
    assert [entry["action"] for entry in entries[:3]] == [240, 241, 240]


@pytest.mark.parametrize("path", ["/smartlock/log", "/smartlock/{id}/log"])
def test_limit_is_at_most_50(account: AccountFixture, path: str) -> None:
    api = account.api
    smartlock_id = add_device(account, 3)
    _make_entries(api, smartlock_id, 3)
    url = path.replace("{id}", str(smartlock_id))
    assert len(api.get(url, params={"limit": 50}).json()) == 3
    assert len(api.get(url, params={"limit": 2}).json()) == 2
    for limit in (51, 0, -1, "many"):
        response = api.get(url, params={"limit": limit})
        assert response.status_code == 400, limit
        assert "'limit'" in response.json()["detailMessage"]


@pytest.mark.parametrize("path", ["/smartlock/log", "/smartlock/{id}/log"])
def test_the_id_cursor_pages_without_gaps_or_duplicates(account: AccountFixture, path: str) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    _make_entries(api, smartlock_id, 57)
    url = path.replace("{id}", str(smartlock_id))
    whole = _all_pages(api, url, 50)
    assert len(whole) == 57
    assert len({entry["id"] for entry in whole}) == 57
    dates = _dates(whole)
    assert dates == sorted(dates, reverse=True)
    assert len(set(dates)) == 57
    for limit in (1, 7, 19):
        assert _all_pages(api, url, limit) == whole, limit
    # The last entry has nothing older.
    assert api.get(url, params={"id": whole[-1]["id"]}).json() == []


def test_the_accounts_log_pages_across_its_devices(account: AccountFixture) -> None:
    api = account.api
    first, second = add_device(account, 0), add_device(account, 3)
    for _ in range(6):
        _make_entries(api, first, 2)
        _make_entries(api, second, 1)
    whole = _all_pages(api, "/smartlock/log", 5)
    assert len(whole) == 18
    assert [entry["smartlockId"] for entry in whole[:3]] == [second, first, first]
    assert [e for e in whole if e["smartlockId"] == first] == _all_pages(
        api, f"/smartlock/{first}/log", 4
    )
    assert {entry["deviceType"] for entry in whole} == {0, 3}


def test_entries_appear_as_they_happen(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    _make_entries(api, smartlock_id, 2)
    seen = logs(api, smartlock_id)
    _make_entries(api, smartlock_id, 1)
    newer = logs(api, smartlock_id)
    assert newer[1:] == seen
    assert newer[0]["action"] == 240


@pytest.mark.parametrize("path", ["/smartlock/log", "/smartlock/{id}/log"])
def test_filter_by_action(account: AccountFixture, path: str) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    _make_entries(api, smartlock_id, 5)
    simulate(api, smartlock_id, "firmware", version="2.20.0")
    url = path.replace("{id}", str(smartlock_id))
    opened = api.get(url, params={"action": 240}).json()
    assert [entry["action"] for entry in opened] == [240, 240, 240]
    assert [entry["action"] for entry in api.get(url, params={"action": 243}).json()] == [243]
    assert api.get(url, params={"action": 1}).json() == []
    page = api.get(url, params={"action": 240, "limit": 2}).json()
    older = api.get(url, params={"action": 240, "id": page[-1]["id"]}).json()
    assert page + older == opened


def _with_offset(date: str, hours: int) -> str:
    """The same instant written in another time zone, as RFC 3339 allows."""
    moment = datetime.fromisoformat(date)
    return moment.astimezone(timezone(timedelta(hours=hours))).isoformat()


@pytest.mark.parametrize("path", ["/smartlock/log", "/smartlock/{id}/log"])
def test_filter_by_dates(account: AccountFixture, path: str) -> None:
    api = account.api
    smartlock_id = add_device(account, 3)
    _make_entries(api, smartlock_id, 9)
    url = path.replace("{id}", str(smartlock_id))
    entries = logs(api, smartlock_id)
    middle = entries[4]["date"]

    since = api.get(url, params={"fromDate": middle}).json()
    assert since == entries[:5]
    until = api.get(url, params={"toDate": middle}).json()
    assert until == entries[4:]
    just = api.get(url, params={"fromDate": middle, "toDate": middle}).json()
    assert just == [entries[4]]
    between = {"fromDate": entries[6]["date"], "toDate": entries[2]["date"]}
    assert api.get(url, params=between).json() == entries[2:7]
    # Any offset, or none (UTC), names the same instant.
    assert api.get(url, params={"fromDate": _with_offset(middle, 2)}).json() == since
    assert api.get(url, params={"toDate": _with_offset(middle, -5)}).json() == until
    assert api.get(url, params={"fromDate": middle.removesuffix("Z")}).json() == since
    assert api.get(url, params={"fromDate": entries[0]["date"], "toDate": middle}).json() == []


@pytest.mark.parametrize("parameter", ["fromDate", "toDate"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-01-01T25:00Z"])
def test_a_date_that_is_not_rfc_3339_is_400(
    account: AccountFixture, parameter: str, value: str
) -> None:
    smartlock_id = add_device(account, 0)
    for path in ("/smartlock/log", f"/smartlock/{smartlock_id}/log"):
        response = account.api.get(path, params={parameter: value})
        assert response.status_code == 400
        assert f"'{parameter}'" in response.json()["detailMessage"]


def test_filter_by_auth_id_and_account_user_id(account: AccountFixture) -> None:
    # Entries that name an authorization or account user come from the devices; they are
    # reported here the way the simulated hardware reports them.
    api = account.api
    smartlock_id = add_device(account, 4)
    _make_entries(api, smartlock_id, 2)
    for auth_id, account_user_id in [("a" * 24, 7), ("b" * 24, 8), ("a" * 24, 7)]:
        device_reports.record_log(
            api.server.ctx,
            smartlock_id,
            name="Keypad user",
            action=1,
            trigger=255,
            state=0,
            source=1,
            auth_id=auth_id,
            account_user_id=account_user_id,
        )
    url = f"/smartlock/{smartlock_id}/log"
    by_auth = api.get(url, params={"authId": "a" * 24}).json()
    assert len(by_auth) == 2
    assert {(e["authId"], e["accountUserId"], e["source"]) for e in by_auth} == {("a" * 24, 7, 1)}
    assert api.get(url, params={"authId": "c" * 24}).json() == []
    for path in ("/smartlock/log", url):
        by_user = api.get(path, params={"accountUserId": 8}).json()
        assert [entry["authId"] for entry in by_user] == ["b" * 24]
        assert api.get(path, params={"accountUserId": 9}).json() == []
    assert len(logs(api, smartlock_id)) == 5


def test_another_accounts_entries_never_appear(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    mine = add_device(account, 0)
    theirs = add_device(other_account, 0)
    _make_entries(other_account.api, theirs, 3)
    their_entries = logs(other_account.api, theirs)
    assert len(their_entries) == 3
    api = account.api
    assert logs(api) == []
    assert logs(api, None, action=240) == []
    assert api.get(f"/smartlock/{theirs}/log").status_code == 404
    # Their entry ids are no cursor into this account's log.
    _make_entries(api, mine, 2)
    for entry in their_entries:
        assert logs(api, None, id=entry["id"]) == []
        assert logs(api, mine, id=entry["id"]) == []
    assert {entry["smartlockId"] for entry in logs(api)} == {mine}
    assert logs(other_account.api) == their_entries


def test_the_log_needs_the_log_scope(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 0)
    client = account.client_with(Scope.SMARTLOCK)
    assert client.get("/smartlock/log").status_code == 401
    assert client.get(f"/smartlock/{smartlock_id}/log").status_code == 401
    reader = account.client_with(Scope.SMARTLOCK_LOG)
    assert reader.get("/smartlock/log").status_code == 200


@pytest.mark.parametrize("path", ["/smartlock/log", "/smartlock/{id}/log"])
@pytest.mark.parametrize(
    "params", [{"accountUserId": -6528053720}, {"action": 2**40}, {"action": -(2**31) - 1}]
)
def test_filters_beyond_32_bits_match_nothing(
    account: AccountFixture, path: str, params: dict[str, int]
) -> None:
    """No entry has such a user or action (the columns hold 32 bits): an empty page, not a
    refusal of the database (PostgreSQL will not compare them)."""
    api = account.api
    smartlock_id = add_device(account, 0)
    _make_entries(api, smartlock_id, 2)
    response = api.get(path.replace("{id}", str(smartlock_id)), params=params)
    assert response.status_code == 200, response.text
    assert response.json() == []
