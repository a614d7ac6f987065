"""The Users page over HTTP, against the real server: account users and authorizations made,
changed and removed through the API's use cases and rules, times typed in the browser's zone
stored in UTC, changes pending until the device confirms; another account's ids, forms without
the CSRF token and sub-accounts without the right are refused."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.devices import add_device, advance, simulate
from tests.support import AccountFixture, RunningServer, unique_email
from tests.web.support import WebClient

USERS = "/web/users"
NEW_USER = f"{USERS}/new"
NEW_AUTH = f"{USERS}/authorizations/new"
VIENNA = {"tz_name": "Europe/Vienna", "tz_offset": "-60"}  # winter: UTC+1


@pytest.fixture
def client(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    """The web pages, signed in as ``account``."""
    with WebClient(server) as web:
        web.sign_in(account.email, account.password)
        yield web


def rows(page: str, attribute: str) -> dict[str, str]:
    """The table rows of a page by the value of ``attribute``: their HTML."""
    return dict(re.findall(rf'<tr {attribute}="([^"]+)"[^>]*>(.*?)</tr>', page, re.DOTALL))


def cell(row: str, name: str) -> str:
    """The text of the row's cell of class ``name`` (hidden words for screen readers left out)."""
    found = re.search(rf'<td class="{name}">(.*?)</td>', row, re.DOTALL)
    assert found, f"no {name} cell in {row}"
    text = re.sub(r'<span class="visually-hidden">.*?</span>', "", found.group(1))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def alert(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.DOTALL)
    assert found, "the page shows no error"
    return html.unescape(found.group(1))


def notice(page: str) -> str:
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page, re.DOTALL)
    assert found, "the page shows no notice"
    return html.unescape(found.group(1))


def follow(client: WebClient, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def create_user(account: AccountFixture, name: str) -> tuple[int, str]:
    email = unique_email("guest")
    body = {"email": email, "name": name, "language": "en"}
    response = account.api.put("/account/user", json=body)
    assert response.status_code == 200, response.text
    user_id: int = response.json()["accountUserId"]
    return user_id, email


def create_auth(account: AccountFixture, smartlock_id: int, name: str, **fields: object) -> None:
    body = {"name": name, "remoteAllowed": False} | fields
    response = account.api.put(f"/smartlock/{smartlock_id}/auth", json=body)
    assert response.status_code == 204, response.text


def keypad_lock(account: AccountFixture, name: str) -> int:
    lock = add_device(account, 4, name=name)
    simulate(account.api, lock, "keypad", paired=True)
    return lock


def auths(account: AccountFixture) -> list[dict[str, Any]]:
    response = account.api.get("/smartlock/auth")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def users(account: AccountFixture) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = account.api.get("/account/user").json()
    return found


def keypad_code(**fields: Any) -> dict[str, Any]:
    """The new-authorization form for a keypad code, without times."""
    return {"name": "Door code", "type": "13", "code": "345678"} | fields


# --- the page --------------------------------------------------------------------------------


def test_users_lists_account_users_and_authorizations_per_device(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    front = add_device(account, 4, name="Front door")
    back = keypad_lock(account, "Back door")
    alice, alice_email = create_user(account, "Alice")
    create_auth(
        account,
        front,
        "Cleaner fob",
        accountUserId=alice,
        type=2,
        allowedFromDate="2026-01-05T08:00:00.000Z",
        allowedUntilDate="2026-02-01T00:00:00.000Z",
        allowedWeekDays=64 | 16,
        allowedFromTime=480,
        allowedUntilTime=720,
    )
    create_auth(account, back, "Door code", type=13, code=345678, remoteAllowed=True)
    advance(account.api, 0)
    theirs = keypad_lock(other_account, "Their door")
    create_user(other_account, "Mallory")
    create_auth(other_account, theirs, "Their code", type=13, code=345678)

    response = client.get(USERS)

    assert response.status_code == 200
    page = response.text
    listed = rows(page, "data-account-user-id")
    assert list(listed) == [str(alice)]
    row = listed[str(alice)]
    assert [cell(row, name) for name in ("name", "email", "type", "language")] == [
        "Alice",
        alice_email,
        "user",
        "en",
    ]
    shown = {
        cell(row, "name"): tuple(
            cell(row, name) for name in ("type", "user", "enabled", "remote", "limits", "status")
        )
        for row in rows(page, "data-auth-id").values()
    }
    assert shown == {
        "Cleaner fob": (
            "fob",
            "Alice",
            "yes",
            "no",
            "from 2026-01-05 08:00 UTC; until 2026-02-01 00:00 UTC; Mon, Wed; 08:00 to 12:00 UTC",
            "on the device",
        ),
        "Door code": ("keypad code", "—", "yes", "yes", "none", "on the device"),
    }
    # The dates carry their instant for the page's script, which shows them in local time.
    assert '<time datetime="2026-01-05T08:00:00+00:00" data-utc>' in page
    assert 'data-week-days="80" data-from="480" data-until="720"' in page
    front_table = page.split(f'<h2 data-smartlock-id="{front}">')[1].split("<h2")[0]
    assert "Cleaner fob" in front_table
    assert "Door code" not in front_table
    # Each device's authorizations refresh by themselves; no form is inside one.
    assert f'<div id="authorizations-{front}" data-live>' in page
    for region in re.findall(r"data-live>(.*?)</table>", page, re.DOTALL):
        assert "<form" not in region
    for foreign in ("Mallory", "Their door", "Their code"):
        assert foreign not in page


def test_a_pending_authorization_says_so_until_the_device_confirms(
    client: WebClient, account: AccountFixture
) -> None:
    lock = keypad_lock(account, "Front door")
    create_auth(account, lock, "New code", type=13, code=345678)
    (row,) = rows(client.get(USERS).text, "data-auth-id").values()
    assert cell(row, "status") == "pending waiting for the device"
    advance(account.api, 0)
    (row,) = rows(client.get(USERS).text, "data-auth-id").values()
    assert cell(row, "status") == "on the device"


# --- account users ---------------------------------------------------------------------------


def test_a_user_is_created_edited_and_deleted(client: WebClient, account: AccountFixture) -> None:
    email = unique_email("alice")
    page = follow(
        client,
        client.submit(NEW_USER, NEW_USER, {"name": "Alice", "email": email, "language": "de"}),
    )
    assert notice(page) == "The user is created."
    (user,) = users(account)
    assert (user["name"], user["email"], user["language"]) == ("Alice", email, "de")
    user_id = user["accountUserId"]

    edit = f"{USERS}/{user_id}/edit"
    form = client.get(edit).text
    assert f'value="{email}"' in form
    assert '<option value="de" selected>' in form
    response = client.submit(edit, edit, {"name": "Alice B.", "email": email, "language": "fr"})
    assert notice(follow(client, response)) == "The user is saved."
    assert (users(account)[0]["name"], users(account)[0]["language"]) == ("Alice B.", "fr")

    delete = f"{USERS}/{user_id}/delete"
    assert "holds no authorizations" in client.get(delete).text
    response = client.submit(delete, delete, {})
    assert notice(follow(client, response)).startswith("The user is deleted")
    assert users(account) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Alice", "email": "not an email", "language": "en"}, "'email'"),
        ({"name": "", "email": "alice@example.com", "language": "en"}, "'name'"),
        ({"name": "Alice", "email": "alice@example.com", "language": "xx"}, "One of cs, de"),
    ],
)
def test_a_bad_user_is_a_400_page_and_nothing_is_made(
    client: WebClient, account: AccountFixture, fields: dict[str, str], message: str
) -> None:
    response = client.submit(NEW_USER, NEW_USER, fields)
    assert response.status_code == 400
    assert message in alert(response.text)
    assert f'value="{html.escape(fields["email"])}"' in response.text  # kept for correcting
    assert users(account) == []


def test_deleting_a_user_removes_their_authorizations_first(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    alice, _ = create_user(account, "Alice")
    create_auth(account, lock, "Alice's app", accountUserId=alice, type=0)
    advance(account.api, 0)
    delete = f"{USERS}/{alice}/delete"
    assert "holds 1 authorization:" in client.get(delete).text
    assert client.submit(delete, delete, {}).status_code == 303
    (row,) = rows(client.get(USERS).text, "data-auth-id").values()
    assert cell(row, "status") == "pending removal, waiting for the device"
    advance(account.api, 0)
    assert (auths(account), users(account)) == ([], [])


# --- authorizations --------------------------------------------------------------------------


def test_a_keypad_code_is_made_on_two_devices_at_once(
    client: WebClient, account: AccountFixture
) -> None:
    front, back = keypad_lock(account, "Front door"), keypad_lock(account, "Back door")
    add_device(account, 4, name="Garage")  # not ticked

    fields = keypad_code(smartlock_id=[str(front), str(back)], remote_allowed="on")
    response = client.submit(NEW_AUTH, NEW_AUTH, fields)

    assert "pending until they confirm" in notice(follow(client, response))
    made = auths(account)
    assert sorted(auth["smartlockId"] for auth in made) == sorted([front, back])
    assert {(a["type"], a["code"], a["name"], a["remoteAllowed"]) for a in made} == {
        (13, 345678, "Door code", True)
    }
    assert all(auth["operationId"] for auth in made)
    advance(account.api, 0)
    assert not any(auth.get("operationId") for auth in auths(account))


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("345078", "A keypad code's digits are 1 to 9, never 0."),
        ("34567", "A keypad code has 6 digits."),
        ("123456", "A keypad code must not start with 12."),
        ("", "The supplied value 'null' for parameter 'code' is not valid."),
    ],
)
def test_a_code_against_the_keypad_rules_is_a_400_page_and_nothing_is_made(
    client: WebClient, account: AccountFixture, code: str, rule: str
) -> None:
    front, back = keypad_lock(account, "Front door"), keypad_lock(account, "Back door")
    fields = keypad_code(code=code, smartlock_id=[str(front), str(back)])
    response = client.submit(NEW_AUTH, NEW_AUTH, fields)
    assert response.status_code == 400
    assert rule in alert(response.text)
    assert f'name="smartlock_id" value="{back}" checked' in response.text
    assert auths(account) == []


def test_a_code_already_on_one_of_the_devices_is_a_409_and_neither_gets_it(
    client: WebClient, account: AccountFixture
) -> None:
    front, back = keypad_lock(account, "Front door"), keypad_lock(account, "Back door")
    create_auth(account, back, "Taken", type=13, code=345678)
    response = client.submit(NEW_AUTH, NEW_AUTH, keypad_code(smartlock_id=[str(front), str(back)]))
    assert response.status_code == 409
    assert "already uses this keypad code" in alert(response.text)
    assert [auth["name"] for auth in auths(account)] == ["Taken"]


def test_an_app_invite_and_a_fob_need_a_user(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    alice, _ = create_user(account, "Alice")
    form = client.get(f"{NEW_AUTH}?user={alice}").text
    assert f'<option value="{alice}" selected>' in form
    fob = {"name": "Fob", "type": "2", "smartlock_id": str(lock)}
    response = client.submit(NEW_AUTH, NEW_AUTH, fob)
    assert response.status_code == 400
    assert "'accountUserId'" in alert(response.text)
    response = client.submit(NEW_AUTH, NEW_AUTH, fob | {"account_user_id": str(alice)})
    assert response.status_code == 303
    (made,) = auths(account)
    assert (made["type"], made["accountUserId"]) == (2, alice)


def test_a_window_typed_in_vienna_is_stored_in_utc(
    client: WebClient, account: AccountFixture
) -> None:
    lock = keypad_lock(account, "Front door")
    create_auth(account, lock, "Door code", type=13, code=345678)
    advance(account.api, 0)
    (auth,) = auths(account)
    edit = f"{USERS}/authorizations/{lock}/{auth['id']}/edit"

    window = {
        "allowed_from": "2026-03-01T08:00",  # CET
        "allowed_until": "2026-04-01T00:00",  # CEST, after the clocks went forward
        "week_day": ["64", "1"],  # Monday and Sunday
        "from_time": "00:30",  # before 01:00: the UTC window opens the evening before
        "until_time": "02:00",
    }
    fields = {"name": "Weekend code", "code": "345678", "enabled": "on"} | window | VIENNA
    response = client.submit(edit, edit, fields)

    assert "pending until the device confirms" in notice(follow(client, response))
    (stored,) = auths(account)
    assert stored["allowedFromDate"] == "2026-03-01T07:00:00.000Z"
    assert stored["allowedUntilDate"] == "2026-03-31T22:00:00.000Z"
    assert stored["allowedWeekDays"] == 1 | 2  # Sunday and Saturday, in UTC
    assert (stored["allowedFromTime"], stored["allowedUntilTime"]) == (23 * 60 + 30, 60)
    assert (stored["name"], stored["enabled"], stored["remoteAllowed"]) == (
        "Weekend code",
        True,
        False,
    )
    advance(account.api, 0)

    # The form shows the stored window in UTC, for the browser's script to show in local time.
    form = client.get(edit).text
    assert 'name="tz_name" value="UTC"' in form
    assert 'name="allowed_from" value="2026-03-01T07:00"' in form
    assert 'name="from_time" value="23:30"' in form
    assert 'name="week_day" value="2" checked' in form
    assert "Times are in UTC." in form

    # Cleared fields clear the window.
    empty = {"allowed_from": "", "allowed_until": "", "from_time": "", "until_time": ""}
    client.submit(edit, edit, {"name": "Any time", "code": "345678"} | empty | VIENNA)
    (cleared,) = auths(account)
    for name in ("allowedFromDate", "allowedUntilDate", "allowedWeekDays", "allowedFromTime"):
        assert cleared.get(name) is None
    assert cleared["enabled"] is False  # unticked


def test_a_fixed_offset_is_used_without_a_zone_name(
    client: WebClient, account: AccountFixture
) -> None:
    lock = keypad_lock(account, "Front door")
    fields = keypad_code(smartlock_id=str(lock), allowed_from="2026-03-01T08:00")
    client.submit(NEW_AUTH, NEW_AUTH, fields | {"tz_name": "", "tz_offset": "300"})  # UTC-5
    assert auths(account)[0]["allowedFromDate"] == "2026-03-01T13:00:00.000Z"


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"from_time": "08:00"}, "needs allowedFromTime and allowedUntilTime"),
        ({"allowed_from": "2026-03-02T08:00", "allowed_until": "2026-03-01T08:00"}, "after"),
        ({"allowed_from": "tomorrow"}, "'allowedFromDate'"),
        ({"tz_offset": "9000"}, "'tz_offset'"),
    ],
)
def test_a_bad_window_is_a_400_page_in_the_zone_it_was_typed_in(
    client: WebClient, account: AccountFixture, window: dict[str, str], message: str
) -> None:
    lock = keypad_lock(account, "Front door")
    fields = keypad_code(smartlock_id=str(lock)) | VIENNA | window
    response = client.submit(NEW_AUTH, NEW_AUTH, fields)
    assert response.status_code == 400
    assert message in alert(response.text)
    assert f'name="tz_offset" value="{fields["tz_offset"]}"' in response.text
    assert auths(account) == []


def test_an_authorization_is_deleted_once_the_device_confirms(
    client: WebClient, account: AccountFixture
) -> None:
    lock = keypad_lock(account, "Front door")
    create_auth(account, lock, "Door code", type=13, code=345678)
    advance(account.api, 0)
    (auth,) = auths(account)
    delete = f"{USERS}/authorizations/{lock}/{auth['id']}/delete"
    assert "Front door is told to remove" in client.get(delete).text
    response = client.submit(delete, delete, {})
    page = follow(client, response)
    assert notice(page) == "The device is told to remove the authorization."
    (row,) = rows(page, "data-auth-id").values()
    assert cell(row, "status") == "pending removal, waiting for the device"
    advance(account.api, 0)
    assert auths(account) == []


# --- refusals --------------------------------------------------------------------------------


def test_a_form_without_the_csrf_token_is_403_and_changes_nothing(
    client: WebClient, account: AccountFixture
) -> None:
    lock = keypad_lock(account, "Front door")
    posted = keypad_code(smartlock_id=str(lock))
    response = client.http.post(NEW_AUTH, data=posted)
    assert response.status_code == 403
    response = client.http.post(NEW_USER, data={"name": "A", "email": unique_email("a")})
    assert response.status_code == 403
    assert (auths(account), users(account)) == ([], [])


def test_another_accounts_ids_are_404_and_untouched(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    mine = keypad_lock(account, "Front door")
    theirs = keypad_lock(other_account, "Their door")
    mallory, mallory_email = create_user(other_account, "Mallory")
    create_auth(other_account, theirs, "Their code", type=13, code=345678)
    advance(other_account.api, 0)
    (their_auth,) = auths(other_account)
    auth_path = f"{USERS}/authorizations/{theirs}/{their_auth['id']}"
    mine_path = f"{USERS}/authorizations/{mine}/{their_auth['id']}"

    for path in (f"{USERS}/{mallory}/edit", f"{USERS}/{mallory}/delete", auth_path + "/edit"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Mallory" not in response.text
        assert "Their code" not in response.text
    assert client.get(mine_path + "/edit").status_code == 404
    for path in ("/web/users/x/edit", f"{USERS}/authorizations/1/%2E%2E/edit"):
        assert client.get(path).status_code == 404
    changes = {
        f"{USERS}/{mallory}/edit": {"name": "Owned", "email": mallory_email},
        f"{USERS}/{mallory}/delete": {},
        auth_path + "/edit": {"name": "Owned", "code": "345678"},
        auth_path + "/delete": {},
    }
    for path, fields in changes.items():
        assert client.submit(USERS, path, fields).status_code == 404, path
    response = client.submit(NEW_AUTH, NEW_AUTH, keypad_code(smartlock_id=[str(mine), str(theirs)]))
    assert response.status_code == 404
    assert auths(account) == []
    assert [user["name"] for user in users(other_account)] == ["Mallory"]
    (unchanged,) = auths(other_account)
    assert unchanged == their_auth


def sub_account(account: AccountFixture, rights: int) -> str:
    """A sub-account of ``account`` with ``rights`` (password "sub password"): its email."""
    email = unique_email("sub")
    body = {
        "email": email,
        "password": "sub password",
        "name": "Sub",
        "rights": rights,
        "language": "en",
    }
    assert account.api.put("/account/sub", json=body).status_code == 200
    return email


def test_a_sub_account_without_the_right_is_refused(
    server: RunningServer, account: AccountFixture
) -> None:
    """Users and authorizations need right 8 (manage authorizations), as in the API."""
    lock = keypad_lock(account, "Front door")
    with WebClient(server) as sub:
        sub.sign_in(sub_account(account, 16), "sub password")
        for path in (USERS, NEW_USER, NEW_AUTH):
            assert sub.get(path).status_code == 403, path
        signed_in = "/web/smartlocks"
        response = sub.submit(signed_in, NEW_AUTH, keypad_code(smartlock_id=str(lock)))
        assert response.status_code == 403
        assert "rights" in response.text
        response = sub.submit(signed_in, NEW_USER, {"name": "A", "email": unique_email("a")})
        assert response.status_code == 403
    assert (auths(account), users(account)) == ([], [])

    with WebClient(server) as sub:
        sub.sign_in(sub_account(account, 8), "sub password")
        response = sub.submit(NEW_AUTH, NEW_AUTH, keypad_code(smartlock_id=str(lock)))
        assert response.status_code == 303
    assert len(auths(account)) == 1
