"""The Smart Locks and Activity log pages over HTTP (the Users page: test_access_pages.py),
against the real server: only the signed-in account's devices and log; Lock and Unlock move the
simulated device; forms without the CSRF token, another account's device, an offline or busy
device and bad filters are refused with a page, never a 500."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import parse_qsl, quote

import httpx
import pytest

from tests.devices import (
    MOTOR_TIME,
    UNLATCH_HOLD,
    account_name,
    act,
    add_device,
    advance,
    device,
    logs,
    set_bridge_online,
    state,
)
from tests.support import AccountFixture, RunningServer, unique_email
from tests.web.support import WebClient

SMARTLOCKS = "/web/smartlocks"
USERS = "/web/users"
ACTIVITY = "/web/activity"
UNLOCKED, LOCKED = 3, 1
UNLOCK_SETTLES = MOTOR_TIME + UNLATCH_HOLD  # a knob unlocks by unlatching, then lets go


@pytest.fixture
def client(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    """The web pages, signed in as ``account``."""
    with WebClient(server) as web:
        web.sign_in(account.email, account.password)
        yield web


def rows(page: str, attribute: str = "data-smartlock-id") -> dict[str, str]:
    """The table rows of a page by the value of ``attribute``: their HTML."""
    found = re.findall(rf'<tr {attribute}="([^"]+)"[^>]*>(.*?)</tr>', page, re.DOTALL)
    return dict(found)


def cell(row: str, name: str) -> str:
    """The text of the row's cell of class ``name``."""
    found = re.search(rf'<td class="{name}">(.*?)</td>', row, re.DOTALL)
    assert found, f"no {name} cell in {row}"
    text = re.sub(r"<[^>]+>", " ", found.group(1))
    return " ".join(html.unescape(text).split())


def alert(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.DOTALL)
    assert found, "the page shows no error"
    return html.unescape(found.group(1))


def press(client: WebClient, smartlock_id: int, kind: str) -> httpx.Response:
    """The Lock or Unlock button of a device's row on the Smart Locks page."""
    return client.submit(SMARTLOCKS, f"{SMARTLOCKS}/{smartlock_id}/{kind}", {})


# --- sign-in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SMARTLOCKS, USERS, ACTIVITY, f"{ACTIVITY}?action=2&limit=5"])
def test_pages_without_a_session_send_to_sign_in(server: RunningServer, path: str) -> None:
    with WebClient(server) as web:
        response = web.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/login?next={quote(path, safe='')}"


def test_a_button_without_a_session_sends_to_sign_in_and_does_nothing(
    server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4)
    with WebClient(server) as web:
        response = web.http.post(f"{SMARTLOCKS}/{lock}/unlock", data={"csrf_token": "x"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/login?next=")
    advance(account.api, UNLOCK_SETTLES)
    assert state(account.api, lock)["state"] == LOCKED


# --- Smart Locks -----------------------------------------------------------------------------


def test_smart_locks_lists_the_accounts_devices_only(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    opener = add_device(account, 2, name="Intercom")
    box = add_device(account, 1, name="Parcel box")
    door = add_device(account, 3, name="Smart door")
    theirs = add_device(other_account, 0, name="Their door")

    response = client.get(SMARTLOCKS)

    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    page = response.text
    listed = rows(page)
    assert set(listed) == {str(lock), str(opener), str(box), str(door)}
    assert "Their door" not in page
    assert str(theirs) not in page
    shown = {
        int(smartlock_id): tuple(
            cell(row, name) for name in ("name", "type", "state", "battery", "door", "connection")
        )
        for smartlock_id, row in listed.items()
    }
    assert shown == {
        lock: (
            "Front door",
            "Smart Lock 3.0/Pro/4th gen",
            "locked",
            "100 %",
            "unavailable",
            "online",
        ),
        opener: ("Intercom", "Opener", "online", "100 %", "—", "online"),
        box: ("Parcel box", "Box", "—", "—", "—", "online"),
        door: ("Smart door", "Smart Door", "locked", "100 %", "unavailable", "online"),
    }
    assert 'class="badge online"' in listed[str(lock)]
    # A box only unlocks; an opener's lock and unlock are "deactivate ring to open" and "open".
    assert f"{SMARTLOCKS}/{box}/lock" not in page
    assert f"{SMARTLOCKS}/{box}/unlock" in page
    assert ">Deactivate ring to open</button>" in listed[str(opener)]
    assert ">Open</button>" in listed[str(opener)]
    assert ">Lock</button>" in listed[str(lock)]
    assert ">Unlock</button>" in listed[str(lock)]


def test_unlock_and_lock_from_the_page_move_the_device(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")

    response = press(client, lock, "unlock")

    assert response.status_code == 303
    after = client.get(response.headers["location"])
    assert "Unlock command sent to Front door." in after.text
    assert cell(rows(after.text)[str(lock)], "connection") == "online busy"
    advance(account.api, UNLOCK_SETTLES)
    assert cell(rows(client.get(SMARTLOCKS).text)[str(lock)], "state") == "unlocked"
    assert state(account.api, lock)["state"] == UNLOCKED

    response = press(client, lock, "lock")
    assert response.status_code == 303
    assert "Lock command sent to Front door." in client.get(response.headers["location"]).text
    advance(account.api, MOTOR_TIME)
    assert cell(rows(client.get(SMARTLOCKS).text)[str(lock)], "state") == "locked"
    # The page's commands are the API's simple actions, logged as sent by the account.
    entries = logs(account.api, lock)
    assert [(e["action"], e["trigger"], e["name"]) for e in entries] == [
        (2, 4, account_name(account.api)),
        (3, 4, account_name(account.api)),
    ]


def test_the_notice_names_only_the_accounts_own_devices(
    client: WebClient, other_account: AccountFixture
) -> None:
    theirs = add_device(other_account, 4, name="Their door")
    page = client.get(SMARTLOCKS, params={"sent": "lock", "smartlockId": theirs}).text
    assert "Their door" not in page
    assert 'class="notice"' not in page


@pytest.mark.parametrize("kind", ["lock", "unlock"])
def test_another_accounts_device_is_404_and_untouched(
    client: WebClient, account: AccountFixture, other_account: AccountFixture, kind: str
) -> None:
    add_device(account, 4)
    theirs = add_device(other_account, 4)
    act(other_account.api, theirs, 1)
    advance(other_account.api, MOTOR_TIME)
    before = device(other_account.api, theirs)

    response = press(client, theirs, kind)

    assert response.status_code == 404
    assert "was not found" in alert(response.text)
    advance(account.api, UNLOCK_SETTLES)
    assert device(other_account.api, theirs) == before
    assert len(logs(other_account.api, theirs)) == 1


@pytest.mark.parametrize(
    "smartlock_id", ["abc", "-1", "99999999999999999999999", "9999999999999999999", "21474836480"]
)
def test_a_malformed_device_id_is_a_page_not_a_500(
    client: WebClient, account: AccountFixture, smartlock_id: str
) -> None:
    add_device(account, 4)
    response = client.submit(SMARTLOCKS, f"{SMARTLOCKS}/{smartlock_id}/lock", {})
    assert response.status_code == 404
    assert alert(response.text)


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_button_without_the_csrf_token_is_403_and_does_nothing(
    client: WebClient, account: AccountFixture, token: str | None
) -> None:
    lock = add_device(account, 4)
    data = {} if token is None else {"csrf_token": token}

    response = client.http.post(f"{SMARTLOCKS}/{lock}/unlock", data=data)

    assert response.status_code == 403
    assert "This form has expired" in response.text
    advance(account.api, UNLOCK_SETTLES)
    assert state(account.api, lock)["state"] == LOCKED
    assert logs(account.api, lock) == []


def test_an_offline_device_shows_why_the_command_did_not_arrive(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Cellar")
    set_bridge_online(account.api, online=False)
    assert 'class="badge offline"' in rows(client.get(SMARTLOCKS).text)[str(lock)]

    response = press(client, lock, "unlock")

    assert response.status_code == 503
    assert alert(response.text) == "Cellar: The device could not be reached: its bridge is offline."
    advance(account.api, UNLOCK_SETTLES)
    assert state(account.api, lock)["state"] == LOCKED


def test_a_busy_device_refuses_a_second_command(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4)
    assert press(client, lock, "unlock").status_code == 303

    response = press(client, lock, "lock")

    assert response.status_code == 423
    assert "busy with another operation" in alert(response.text)
    advance(account.api, UNLOCK_SETTLES)
    assert state(account.api, lock)["state"] == UNLOCKED


def test_a_box_cannot_be_locked(client: WebClient, account: AccountFixture) -> None:
    box = add_device(account, 1)
    response = press(client, box, "lock")
    assert response.status_code == 405
    assert "cannot be locked" in alert(response.text)


# --- Activity log ----------------------------------------------------------------------------


@pytest.fixture
def activity(account: AccountFixture) -> tuple[int, int, str]:
    """Two locks, unlocked and locked through the API: the front door's entries (unlatch, then
    lock) and the back door's (unlatch); with the day they were written."""
    front = add_device(account, 4, name="Front door")
    back = add_device(account, 0, name="Back door")
    act(account.api, front, 3)
    advance(account.api, UNLOCK_SETTLES)
    act(account.api, front, 2)
    advance(account.api, MOTOR_TIME)
    act(account.api, back, 3)
    advance(account.api, UNLOCK_SETTLES)
    day = logs(account.api)[0]["date"][:10]
    return front, back, day


def listed(client: WebClient, **filters: object) -> list[tuple[str, ...]]:
    response = client.get(ACTIVITY, params=filters)
    assert response.status_code == 200, response.text
    return [
        tuple(cell(row, name) for name in ("device", "who", "action", "trigger", "result"))
        for row in rows(response.text, "data-log-id").values()
    ]


@pytest.mark.usefixtures("activity")
def test_activity_lists_the_accounts_log_newest_first(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    theirs = add_device(other_account, 4, name="Their door")
    act(other_account.api, theirs, 1)
    advance(other_account.api, MOTOR_TIME)
    who = account_name(account.api)

    response = client.get(ACTIVITY)

    page = response.text
    assert list(rows(page, "data-log-id")) == [entry["id"] for entry in logs(account.api)]
    assert listed(client) == [
        ("Back door", who, "unlatch", "web", "success"),
        ("Front door", who, "lock", "web", "success"),
        ("Front door", who, "unlatch", "web", "success"),
    ]
    assert "Their door" not in page
    dates = [cell(row, "date") for row in rows(page, "data-log-id").values()]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", shown) for shown in dates)


def test_activity_filters_narrow_the_list(
    client: WebClient, activity: tuple[int, int, str]
) -> None:
    front, back, day = activity

    def devices_and_actions(**filters: object) -> list[tuple[str, str]]:
        return [(entry[0], entry[2]) for entry in listed(client, **filters)]

    assert devices_and_actions(device=front) == [("Front door", "lock"), ("Front door", "unlatch")]
    assert devices_and_actions(device=back) == [("Back door", "unlatch")]
    assert devices_and_actions(action=2) == [("Front door", "lock")]
    assert devices_and_actions(action=3, device=back) == [("Back door", "unlatch")]
    assert devices_and_actions(action=1) == []
    assert devices_and_actions(limit=1) == [("Back door", "unlatch")]
    assert len(devices_and_actions(**{"from": day, "to": day})) == 3
    assert devices_and_actions(to=_shifted(day, -1)) == []
    assert devices_and_actions(**{"from": _shifted(day, 1)}) == []
    assert devices_and_actions(device="", action="", limit="", **{"from": "", "to": ""}) == (
        devices_and_actions()
    )
    # The form shows the filters it applied.
    page = client.get(ACTIVITY, params={"device": back, "action": 3}).text
    assert f'<option value="{back}" selected>' in page
    assert '<option value="3" selected>' in page


def test_older_entries_page_on_with_the_same_filters(
    client: WebClient, activity: tuple[int, int, str]
) -> None:
    front, _back, _day = activity
    first = client.get(ACTIVITY, params={"limit": 1})
    assert len(rows(first.text, "data-log-id")) == 1
    older = re.search(r'href="(/web/activity\?[^"]+)">Older entries', first.text)
    assert older
    seen = list(rows(first.text, "data-log-id"))
    path = html.unescape(older.group(1))
    while path:
        page = client.get(path)
        assert page.status_code == 200
        seen += list(rows(page.text, "data-log-id"))
        found = re.search(r'href="(/web/activity\?[^"]+)">Older entries', page.text)
        path = html.unescape(found.group(1)) if found else ""
    assert seen == list(rows(client.get(ACTIVITY).text, "data-log-id"))
    assert len(seen) == 3
    only_front = client.get(ACTIVITY, params={"limit": 1, "device": front}).text
    older_front = re.search(r'href="/web/activity\?([^"]+)">Older entries', only_front)
    assert older_front
    next_filters = dict(parse_qsl(html.unescape(older_front.group(1))))
    assert next_filters["device"] == str(front)  # the filters carry over
    assert [entry[0] for entry in listed(client, **next_filters)] == ["Front door"]
    bad = client.get(ACTIVITY, params={"before": "not-an-id"})
    assert bad.status_code == 400


def _shifted(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    "filters",
    [
        {"device": "abc"},
        {"device": "-1"},
        {"device": "12345"},
        {"action": "99"},
        {"action": "lock"},
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-02-02", "to": "2026-02-01"},
        {"limit": "0"},
        {"limit": "51"},
        {"limit": "1e3"},
        {"limit": "9" * 200},
    ],
)
@pytest.mark.usefixtures("activity")
def test_bad_filter_values_are_a_400_page(client: WebClient, filters: dict[str, str]) -> None:
    response = client.get(ACTIVITY, params=filters)
    assert response.status_code == 400
    assert "is not valid" in alert(response.text)
    assert '<form method="get" action="/web/activity"' in response.text
    assert rows(response.text, "data-log-id") == {}


@pytest.mark.usefixtures("activity")
def test_another_accounts_device_is_not_a_filter(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    theirs = add_device(other_account, 4, name="Their door")
    act(other_account.api, theirs, 1)
    advance(other_account.api, MOTOR_TIME)
    response = client.get(ACTIVITY, params={"device": theirs})
    assert response.status_code == 400
    assert rows(response.text, "data-log-id") == {}
    assert "Their door" not in response.text
    assert logs(account.api)  # the account's own log is there, only not shown for that filter


# --- sub-accounts ----------------------------------------------------------------------------


def test_a_sub_account_sees_and_does_what_its_rights_allow(
    server: RunningServer, account: AccountFixture
) -> None:
    """Rights as in the API: reading any, operating 2, the log 16, users and authorizations 8."""
    lock = add_device(account, 4, name="Front door")
    email = unique_email("sub")
    body = {
        "email": email,
        "password": "sub password",
        "name": "Sub",
        "rights": 16,
        "language": "en",
    }
    assert account.api.put("/account/sub", json=body).status_code == 200

    with WebClient(server) as sub:
        sub.sign_in(email, "sub password")
        assert cell(rows(sub.get(SMARTLOCKS).text)[str(lock)], "name") == "Front door"
        assert sub.get(ACTIVITY).status_code == 200
        assert sub.get(USERS).status_code == 403
        response = press(sub, lock, "unlock")

    assert response.status_code == 403
    assert "rights" in alert(response.text)
    advance(account.api, UNLOCK_SETTLES)
    assert state(account.api, lock)["state"] == LOCKED
