"""Tag SmartlockAuth over HTTP: authorizations created on several devices at once, pending with
an ``operationId`` until their device confirms, updated partially, deleted, refused while busy
(423), visibly failed while the device's bridge is offline, and invisible to other accounts."""

from __future__ import annotations

from typing import Any

import pytest

from nukiweb.domain.scopes import Scope
from tests.devices import add_device, advance, set_bridge_online, simulate
from tests.support import AccountFixture, ApiClient, unique_email

UNREACHABLE = "could not be sent"  # part of the error a change for an offline device keeps


def create_user(account: AccountFixture, name: str = "Guest") -> int:
    """A new account user (``PUT /account/user``); its accountUserId."""
    body = {"email": unique_email("guest"), "name": name, "language": "en"}
    response = account.api.put("/account/user", json=body)
    assert response.status_code == 200, response.text
    user_id: int = response.json()["accountUserId"]
    return user_id


def auths(api: ApiClient, smartlock_id: int | None = None, **params: Any) -> list[dict[str, Any]]:
    """``GET /smartlock/auth`` (every device), or ``GET /smartlock/{id}/auth``."""
    path = "/smartlock/auth" if smartlock_id is None else f"/smartlock/{smartlock_id}/auth"
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def named(api: ApiClient, name: str) -> list[dict[str, Any]]:
    return [auth for auth in auths(api) if auth["name"] == name]


def the_one(api: ApiClient, name: str) -> dict[str, Any]:
    found = named(api, name)
    assert len(found) == 1, found
    return found[0]


def get_auth(api: ApiClient, auth: dict[str, Any]) -> dict[str, Any]:
    response = api.get(f"/smartlock/{auth['smartlockId']}/auth/{auth['id']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def create_auth(
    account: AccountFixture, smartlock_id: int, name: str, **fields: Any
) -> dict[str, Any]:
    """One authorization on one device (``PUT /smartlock/{id}/auth``), not yet confirmed."""
    body = {"name": name, "remoteAllowed": False} | fields
    response = account.api.put(f"/smartlock/{smartlock_id}/auth", json=body)
    assert response.status_code == 204, response.text
    return the_one(account.api, name)


def confirmed_auth(
    account: AccountFixture, smartlock_id: int, name: str, **fields: Any
) -> dict[str, Any]:
    """One authorization on one device, confirmed by it."""
    created = create_auth(account, smartlock_id, name, **fields)
    advance(account.api, 0)
    found = get_auth(account.api, created)
    assert found.get("operationId") is None
    return found


def update_auth(api: ApiClient, auth: dict[str, Any], **fields: Any) -> int:
    path = f"/smartlock/{auth['smartlockId']}/auth/{auth['id']}"
    return api.post(path, json=fields).status_code


def delete_auth(api: ApiClient, auth: dict[str, Any]) -> int:
    return api.delete(f"/smartlock/{auth['smartlockId']}/auth/{auth['id']}").status_code


def delete_many(api: ApiClient, ids: list[str]) -> int:
    return api.request("DELETE", "/smartlock/auth", json=ids).status_code


def exists(api: ApiClient, auth: dict[str, Any]) -> bool:
    path = f"/smartlock/{auth['smartlockId']}/auth/{auth['id']}"
    status = api.get(path).status_code
    assert status in {200, 404}
    return status == 200


# --- creating on several devices at once -----------------------------------------------------


def test_multi_lock_create_is_pending_until_each_device_confirms(account: AccountFixture) -> None:
    user = create_user(account)
    locks = [add_device(account, 4), add_device(account, 0), add_device(account, 3)]
    body = {
        "name": "Guest app",
        "smartlockIds": locks,
        "remoteAllowed": True,
        "accountUserId": user,
        "allowedWeekDays": 127,
    }
    assert account.api.put("/smartlock/auth", json=body).status_code == 204

    created = named(account.api, "Guest app")
    assert sorted(auth["smartlockId"] for auth in created) == sorted(locks)
    for auth in created:
        assert auth.get("operationId") is not None
        assert auth.get("error") is None
        assert (auth["type"], auth.get("accountUserId")) == (0, user)
        assert (auth["enabled"], auth["remoteAllowed"], auth["lockCount"]) == (True, True, 0)
        assert auth["authId"] is not None
    assert len({auth.get("operationId") for auth in created}) == 3

    advance(account.api, 0)
    for lock in locks:
        (auth,) = auths(account.api, lock)
        assert auth["name"] == "Guest app"
        assert auth.get("operationId") is None
        assert auth.get("error") is None
        assert get_auth(account.api, auth) == auth


def test_the_same_device_twice_in_one_request_gets_one_authorization(
    account: AccountFixture,
) -> None:
    lock = add_device(account, 4)
    body = {"name": "Once", "smartlockIds": [lock, lock], "remoteAllowed": False, "type": 13}
    assert account.api.put("/smartlock/auth", json=body | {"code": 345678}).status_code == 204
    assert len(auths(account.api, lock)) == 1


def test_multi_lock_create_is_all_or_nothing(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    user = create_user(account)
    mine = [add_device(account, 4), add_device(account, 4)]
    theirs = add_device(other_account, 4)
    body = {"name": "Everywhere", "remoteAllowed": False, "accountUserId": user}
    response = account.api.put("/smartlock/auth", json=body | {"smartlockIds": [*mine, theirs]})
    assert response.status_code == 404
    # Nor when the bad device comes first, or a value is refused on the second device only.
    response = account.api.put("/smartlock/auth", json=body | {"smartlockIds": [theirs, *mine]})
    assert response.status_code == 404
    simulate(account.api, mine[1], "keypad", paired=False)
    keypad = {"name": "Code", "remoteAllowed": False, "type": 13, "code": 456789}
    response = account.api.put("/smartlock/auth", json=keypad | {"smartlockIds": mine})
    assert response.status_code == 400
    advance(account.api, 0)
    assert auths(account.api) == []
    assert auths(other_account.api) == []


def test_create_on_one_device_and_read_it(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    other_lock = add_device(account, 4)
    user = create_user(account)
    created = create_auth(
        account,
        lock,
        "Cleaner",
        accountUserId=user,
        type=2,
        allowedFromDate="2026-01-05T08:00:00.000Z",
        allowedUntilDate="2026-02-01T00:00:00.000Z",
        allowedWeekDays=64 | 16,
        allowedFromTime=480,
        allowedUntilTime=720,
    )
    assert created.get("operationId") is not None
    assert created["type"] == 2
    assert created.get("code") is None
    advance(account.api, 0)
    auth = get_auth(account.api, created)
    assert auth.get("operationId") is None
    assert auth["allowedFromDate"].startswith("2026-01-05T08:00:00")
    assert auth["allowedUntilDate"].startswith("2026-02-01T00:00:00")
    assert (auth.get("allowedWeekDays"), auth["allowedFromTime"], auth["allowedUntilTime"]) == (
        80,
        480,
        720,
    )
    assert auths(account.api, lock) == [auth]
    assert auths(account.api, other_lock) == []
    # The authorization is found under its own device only.
    assert account.api.get(f"/smartlock/{other_lock}/auth/{auth['id']}").status_code == 404


def test_shared_key_answers_the_new_app_authorization(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    user = create_user(account)
    response = account.api.post(
        f"/smartlock/{lock}/auth/advanced/sharedkey",
        json={"name": "Shared", "accountUserId": user},
    )
    assert response.status_code == 200, response.text
    (answered,) = response.json()
    assert (answered["smartlockId"], answered["name"], answered["type"]) == (lock, "Shared", 0)
    assert answered.get("accountUserId") == user
    assert answered.get("operationId") is not None
    assert auths(account.api, lock) == [answered]
    advance(account.api, 0)
    assert get_auth(account.api, answered).get("operationId") is None
    # Without an account user, or on a device that is not there, nothing is made.
    response = account.api.post(f"/smartlock/{lock}/auth/advanced/sharedkey", json={"name": "x"})
    assert response.status_code == 400
    assert "'accountUserId'" in response.json()["detailMessage"]
    assert len(auths(account.api, lock)) == 1


# --- listing ---------------------------------------------------------------------------------


def test_list_filters_by_account_user_and_types(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    alice, bob = create_user(account, "Alice"), create_user(account, "Bob")
    create_auth(account, lock, "Alice app", accountUserId=alice)
    create_auth(account, lock, "Alice fob", accountUserId=alice, type=2)
    create_auth(account, lock, "Bob app", accountUserId=bob)
    create_auth(account, lock, "Door code", type=13, code=345678)
    advance(account.api, 0)

    def names(**params: Any) -> list[str]:
        return sorted(auth["name"] for auth in auths(account.api, **params))

    assert names() == ["Alice app", "Alice fob", "Bob app", "Door code"]
    assert names(accountUserId=alice) == ["Alice app", "Alice fob"]
    assert names(accountUserId=bob, types="0,13") == ["Bob app"]
    assert names(types="0,13") == ["Alice app", "Bob app", "Door code"]
    assert names(types="13") == ["Door code"]
    assert names(types="2") == ["Alice fob"]
    assert names(types="") == names()
    # "set to a negative number will filter without set accountUserId" (the spec)
    assert names(accountUserId=-1) == ["Door code"]
    per_device = sorted(auth["name"] for auth in auths(account.api, lock, types="0,2"))
    assert per_device == ["Alice app", "Alice fob", "Bob app"]
    assert account.api.get("/smartlock/auth", params={"types": "app"}).status_code == 400


# --- partial updates -------------------------------------------------------------------------

WINDOW = {
    "allowedFromDate": "2026-01-01T00:00:00.000Z",
    "allowedUntilDate": "2027-01-01T00:00:00.000Z",
    "allowedWeekDays": 31,
    "allowedFromTime": 60,
    "allowedUntilTime": 1380,
}


def _window(auth: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(auth[key] for key in WINDOW)


def test_a_rename_keeps_everything_else(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    user = create_user(account)
    app = confirmed_auth(account, lock, "App", accountUserId=user, remoteAllowed=True, **WINDOW)
    code = confirmed_auth(account, lock, "Code", type=13, code=456789, **WINDOW)

    assert update_auth(account.api, app, name="App renamed") == 204
    response = account.api.post("/smartlock/auth", json=[{"id": code["id"], "name": "Renamed"}])
    assert response.status_code == 204
    pending = get_auth(account.api, app)
    assert pending.get("operationId") is not None
    assert pending["name"] == "App renamed"
    advance(account.api, 0)

    renamed_app, renamed_code = get_auth(account.api, app), get_auth(account.api, code)
    assert (renamed_app["name"], renamed_code["name"]) == ("App renamed", "Renamed")
    assert _window(renamed_app) == _window(app)
    assert _window(renamed_code) == _window(code)
    assert renamed_app.get("allowedWeekDays") == 31
    assert (renamed_app["remoteAllowed"], renamed_app["enabled"]) == (True, True)
    assert renamed_app.get("accountUserId") == user
    assert renamed_code.get("code") == 456789
    assert renamed_app.get("operationId") is None


def test_update_changes_only_the_fields_sent_and_null_clears(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    code = confirmed_auth(account, lock, "Code", type=13, code=456789, **WINDOW)
    assert update_auth(account.api, code, enabled=False, allowedWeekDays=None) == 204
    advance(account.api, 0)
    changed = get_auth(account.api, code)
    assert changed["enabled"] is False
    assert changed.get("allowedWeekDays") is None
    assert changed["allowedFromTime"] == 60
    assert changed["name"] == "Code"
    assert update_auth(account.api, code, code=567891, allowedFromTime=0, allowedUntilTime=0) == 204
    advance(account.api, 0)
    changed = get_auth(account.api, code)
    assert (changed.get("code"), changed["allowedFromTime"], changed["allowedUntilTime"]) == (
        567891,
        0,
        0,
    )
    assert changed["allowedUntilDate"] == code["allowedUntilDate"]
    # Dates are taken in updates too.
    dates = {"allowedFromDate": "2026-03-01T10:00:00.000Z", "allowedUntilDate": None}
    assert update_auth(account.api, code, **dates) == 204
    advance(account.api, 0)
    changed = get_auth(account.api, code)
    assert changed["allowedFromDate"].startswith("2026-03-01T10:00:00")
    assert changed.get("allowedUntilDate") is None
    assert changed["allowedFromTime"] == 0


def test_update_many_is_all_or_nothing(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    first = confirmed_auth(account, lock, "First", type=13, code=345678)
    second = confirmed_auth(account, lock, "Second", type=13, code=456789)
    bad = [{"id": first["id"], "name": "Changed"}, {"id": second["id"], "allowedWeekDays": 128}]
    assert account.api.post("/smartlock/auth", json=bad).status_code == 400
    clash = [{"id": first["id"], "name": "Changed"}, {"id": second["id"], "code": 345678}]
    assert account.api.post("/smartlock/auth", json=clash).status_code == 409
    assert get_auth(account.api, first) == first
    assert get_auth(account.api, second) == second

    good = [{"id": first["id"], "name": "One"}, {"id": second["id"], "name": "Two"}]
    assert account.api.post("/smartlock/auth", json=good).status_code == 204
    advance(account.api, 0)
    assert get_auth(account.api, first)["name"] == "One"
    assert get_auth(account.api, second)["name"] == "Two"


# --- deleting --------------------------------------------------------------------------------


def test_delete_one_and_many(account: AccountFixture) -> None:
    locks = [add_device(account, 4), add_device(account, 4)]
    user = create_user(account)
    body = {"name": "App", "smartlockIds": locks, "remoteAllowed": False, "accountUserId": user}
    assert account.api.put("/smartlock/auth", json=body).status_code == 204
    single = confirmed_auth(account, locks[0], "Single", type=13, code=345678)
    both = named(account.api, "App")

    assert delete_auth(account.api, single) == 204
    assert get_auth(account.api, single).get("operationId") is not None  # until the device confirms
    assert delete_many(account.api, [auth["id"] for auth in both]) == 204
    assert all(get_auth(account.api, auth).get("operationId") is not None for auth in both)
    advance(account.api, 0)
    assert auths(account.api) == []
    assert not exists(account.api, single)
    assert delete_auth(account.api, single) == 404
    assert delete_many(account.api, [single["id"]]) == 404


# --- 423 while an operation is pending -------------------------------------------------------


def test_a_second_write_while_pending_is_423(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    created = create_auth(account, lock, "Busy", type=13, code=345678)
    # Still being created: no update, no delete.
    assert update_auth(account.api, created, name="Too soon") == 423
    assert delete_auth(account.api, created) == 423
    assert delete_many(account.api, [created["id"]]) == 423
    assert account.api.post("/smartlock/auth", json=[{"id": created["id"]}]).status_code == 423
    advance(account.api, 0)

    assert update_auth(account.api, created, name="First") == 204
    assert update_auth(account.api, created, name="Second") == 423
    assert delete_auth(account.api, created) == 423
    assert get_auth(account.api, created)["name"] == "First"
    advance(account.api, 0)

    assert delete_auth(account.api, created) == 204
    assert update_auth(account.api, created, name="Third") == 423
    assert delete_auth(account.api, created) == 423
    assert get_auth(account.api, created)["name"] == "First"
    advance(account.api, 0)
    assert not exists(account.api, created)


def test_a_423_in_a_batch_changes_none_of_it(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    idle = confirmed_auth(account, lock, "Idle", type=13, code=345678)
    busy = confirmed_auth(account, lock, "Busy", type=13, code=456789)
    assert update_auth(account.api, busy, name="Busy now") == 204
    batch = [{"id": idle["id"], "name": "Changed"}, {"id": busy["id"], "name": "Again"}]
    assert account.api.post("/smartlock/auth", json=batch).status_code == 423
    assert delete_many(account.api, [idle["id"], busy["id"]]) == 423
    assert get_auth(account.api, idle) == idle
    advance(account.api, 0)
    assert get_auth(account.api, idle) == idle
    assert get_auth(account.api, busy)["name"] == "Busy now"


# --- an offline device -----------------------------------------------------------------------


def test_offline_create_stays_visibly_failed_until_sent_again(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    set_bridge_online(account.api, online=False)
    assert (
        account.api.put(
            f"/smartlock/{lock}/auth",
            json={"name": "Offline", "remoteAllowed": False, "type": 13, "code": 345678},
        ).status_code
        == 204
    )
    failed = the_one(account.api, "Offline")
    assert failed.get("operationId") is None
    assert UNREACHABLE in failed["error"]

    # The bridge comes back: nothing is retried behind the client's back.
    set_bridge_online(account.api, online=True)
    advance(account.api, 60)
    assert get_auth(account.api, failed) == failed

    # Sending the change again delivers it.
    assert update_auth(account.api, failed, name="Online") == 204
    retried = get_auth(account.api, failed)
    assert retried.get("operationId") is not None
    assert retried.get("error") is None
    advance(account.api, 0)
    delivered = get_auth(account.api, failed)
    assert (delivered["name"], delivered.get("operationId"), delivered.get("error")) == (
        "Online",
        None,
        None,
    )


def test_offline_update_and_delete_keep_an_error(account: AccountFixture) -> None:
    lock = add_device(account, 4)
    auth = confirmed_auth(account, lock, "Code", type=13, code=345678)
    other = confirmed_auth(account, lock, "Other", type=13, code=456789)
    set_bridge_online(account.api, online=False)

    assert update_auth(account.api, auth, name="Renamed") == 204
    updated = get_auth(account.api, auth)
    assert updated["name"] == "Renamed"
    assert updated.get("operationId") is None
    assert UNREACHABLE in updated["error"]
    # Failed, not pending: another write is taken (and fails the same way).
    assert delete_auth(account.api, auth) == 204
    assert delete_many(account.api, [other["id"]]) == 204
    for gone in (auth, other):
        still = get_auth(account.api, gone)
        assert still.get("operationId") is None
        assert UNREACHABLE in still["error"]

    set_bridge_online(account.api, online=True)
    advance(account.api, 60)
    assert exists(account.api, auth)
    assert exists(account.api, other)
    assert UNREACHABLE in get_auth(account.api, auth)["error"]

    assert delete_many(account.api, [auth["id"], other["id"]]) == 204
    advance(account.api, 0)
    assert auths(account.api, lock) == []


# --- other accounts and scopes ---------------------------------------------------------------


def test_another_accounts_ids_are_404_everywhere(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    mine = add_device(account, 4)
    my_auth = confirmed_auth(account, mine, "Mine", type=13, code=345678)
    theirs = add_device(other_account, 4)
    their_user = create_user(other_account)
    their_auth = confirmed_auth(other_account, theirs, "Theirs", type=13, code=345678)
    their_app = confirmed_auth(other_account, theirs, "Their app", accountUserId=their_user)
    api = account.api
    new = {"name": "Intruder", "remoteAllowed": True, "type": 13, "code": 567891}
    update = {"name": "Intruder"}
    checks = [
        ("GET", f"/smartlock/{theirs}/auth", None),
        ("PUT", f"/smartlock/{theirs}/auth", new),
        ("PUT", "/smartlock/auth", new | {"smartlockIds": [theirs]}),
        ("POST", f"/smartlock/{theirs}/auth/advanced/sharedkey", {"name": "Intruder"}),
        ("GET", f"/smartlock/{theirs}/auth/{their_auth['id']}", None),
        ("POST", f"/smartlock/{theirs}/auth/{their_auth['id']}", update),
        ("DELETE", f"/smartlock/{theirs}/auth/{their_auth['id']}", None),
        ("GET", f"/smartlock/{mine}/auth/{their_auth['id']}", None),
        ("POST", f"/smartlock/{mine}/auth/{their_auth['id']}", update),
        ("DELETE", f"/smartlock/{mine}/auth/{their_auth['id']}", None),
        ("GET", f"/smartlock/{theirs}/auth/{my_auth['id']}", None),
        ("POST", "/smartlock/auth", [{"id": their_auth["id"], **update}]),
        ("POST", "/smartlock/auth", [{"id": my_auth["id"]}, {"id": their_auth["id"]}]),
        ("DELETE", "/smartlock/auth", [their_auth["id"]]),
        ("DELETE", "/smartlock/auth", [my_auth["id"], their_auth["id"]]),
    ]
    for method, path, body in checks:
        response = api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # Their account user is not one of mine: it cannot be given an authorization here.
    app = {"name": "Intruder", "remoteAllowed": True, "accountUserId": their_user}
    assert api.put(f"/smartlock/{mine}/auth", json=app).status_code == 400
    assert auths(api, accountUserId=their_user) == []
    advance(api, 0)

    assert auths(api) == [my_auth]
    assert sorted(a["name"] for a in auths(other_account.api)) == ["Their app", "Theirs"]
    assert get_auth(other_account.api, their_auth) == their_auth
    assert get_auth(other_account.api, their_app) == their_app


ALL_OPERATIONS = [
    ("GET", "/smartlock/auth"),
    ("PUT", "/smartlock/auth"),
    ("POST", "/smartlock/auth"),
    ("DELETE", "/smartlock/auth"),
    ("GET", "/smartlock/{lock}/auth"),
    ("PUT", "/smartlock/{lock}/auth"),
    ("POST", "/smartlock/{lock}/auth/advanced/sharedkey"),
    ("GET", "/smartlock/{lock}/auth/{auth}"),
    ("POST", "/smartlock/{lock}/auth/{auth}"),
    ("DELETE", "/smartlock/{lock}/auth/{auth}"),
]


@pytest.mark.parametrize(
    "scopes",
    [(), (Scope.SMARTLOCK, Scope.SMARTLOCK_ACTION, Scope.SMARTLOCK_CONFIG, Scope.ACCOUNT)],
    ids=["none", "all-but-smartlock.auth"],
)
def test_a_token_without_smartlock_auth_is_401(
    account: AccountFixture, scopes: tuple[Scope, ...]
) -> None:
    lock = add_device(account, 4)
    auth = confirmed_auth(account, lock, "Code", type=13, code=345678)
    client = account.client_with(*scopes)
    bodies: dict[str, Any] = {
        "PUT": {"name": "x", "remoteAllowed": False, "type": 13, "code": 456789},
        "POST": {"name": "x"},
        "DELETE": [auth["id"]],
    }
    for method, template in ALL_OPERATIONS:
        path = template.format(lock=lock, auth=auth["id"])
        body = bodies.get(method) if method != "GET" else None
        if path == "/smartlock/auth" and method == "PUT":
            body = bodies["PUT"] | {"smartlockIds": [lock]}
        if path == "/smartlock/auth" and method == "POST":
            body = [{"id": auth["id"], "name": "x"}]
        response = client.request(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)
    assert account.client_with(Scope.SMARTLOCK_AUTH).get("/smartlock/auth").status_code == 200
    advance(account.api, 0)
    assert auths(account.api) == [auth]
