"""Tag AccountUser over HTTP: the people an account issues authorizations to; deleting one is
asynchronous and removes its authorizations from every device."""

from __future__ import annotations

from typing import Any

import pytest

from nukiweb.domain.scopes import Scope
from tests.api.test_authorizations import (
    UNREACHABLE,
    auths,
    confirmed_auth,
    create_auth,
    create_user,
    get_auth,
)
from tests.devices import add_device, advance, set_bridge_online
from tests.support import AccountFixture, ApiClient, unique_email


def get_user(api: ApiClient, user_id: int) -> dict[str, Any]:
    response = api.get(f"/account/user/{user_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def user_exists(api: ApiClient, user_id: int) -> bool:
    status = api.get(f"/account/user/{user_id}").status_code
    assert status in {200, 404}
    return status == 200


def test_create_get_list_update_delete(account: AccountFixture) -> None:
    email = unique_email("Anna")
    response = account.api.put(
        "/account/user", json={"email": email, "name": "Anna", "language": "de", "type": 0}
    )
    assert response.status_code == 200, response.text
    user = response.json()
    assert (user["email"], user["name"], user["language"]) == (email, "Anna", "de")
    assert user["accountId"] == account.account_id
    assert user.get("operationId") is None
    user_id = user["accountUserId"]
    assert get_user(account.api, user_id) == user
    assert account.api.get("/account/user").json() == [user]

    response = account.api.post(f"/account/user/{user_id}", json={"name": "Anna B."})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["email"], updated["language"]) == ("Anna B.", email, "de")
    response = account.api.post(f"/account/user/{user_id}", json={"language": "fr"})
    assert (response.json()["name"], response.json()["language"]) == ("Anna B.", "fr")
    assert get_user(account.api, user_id)["language"] == "fr"

    # No authorizations: the user goes at once.
    assert account.api.delete(f"/account/user/{user_id}").status_code == 204
    assert not user_exists(account.api, user_id)
    assert account.api.get("/account/user").json() == []
    assert account.api.delete(f"/account/user/{user_id}").status_code == 404


def test_list_filters_by_email_and_pages(account: AccountFixture) -> None:
    ids = [create_user(account, f"User {n}") for n in range(3)]
    marked = account.api.put(
        "/account/user", json={"email": unique_email("Marked"), "name": "Marked"}
    ).json()["accountUserId"]
    found = account.api.get("/account/user", params={"email": "mArKeD-"}).json()
    assert [user["accountUserId"] for user in found] == [marked]
    listed = account.api.get("/account/user").json()
    assert [user["accountUserId"] for user in listed] == [*ids, marked]
    page = account.api.get("/account/user", params={"offset": 1, "limit": 2}).json()
    assert [user["accountUserId"] for user in page] == ids[1:3]
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        assert account.api.get("/account/user", params=params).status_code == 400


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"email": "not an email"}, "email"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"language": "xx"}, "language"),
        ({"type": 2}, "type"),
    ],
)
def test_create_and_update_refuse_bad_values(
    account: AccountFixture, body: dict[str, Any], parameter: str
) -> None:
    full = {"email": unique_email(), "name": "Guest", "language": "en"} | body
    response = account.api.put("/account/user", json=full)
    assert response.status_code == 400
    assert f"'{parameter}'" in response.json()["detailMessage"]
    assert account.api.get("/account/user").json() == []
    if parameter != "type":
        user_id = create_user(account)
        before = get_user(account.api, user_id)
        response = account.api.post(f"/account/user/{user_id}", json=body)
        assert response.status_code == 400
        assert f"'{parameter}'" in response.json()["detailMessage"]
        assert get_user(account.api, user_id) == before


def test_an_email_is_unique_within_the_account(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    email = unique_email()
    first = account.api.put("/account/user", json={"email": email, "name": "One"}).json()
    again = account.api.put("/account/user", json={"email": email.upper(), "name": "Two"})
    assert again.status_code == 409
    second = create_user(account)
    renamed = account.api.post(f"/account/user/{second}", json={"email": email})
    assert renamed.status_code == 409
    # Another account may have a user with the same address.
    theirs = other_account.api.put("/account/user", json={"email": email, "name": "Three"})
    assert theirs.status_code == 200
    assert [u["accountUserId"] for u in account.api.get("/account/user").json()] == [
        first["accountUserId"],
        second,
    ]


def test_delete_removes_the_users_authorizations_from_every_device(
    account: AccountFixture,
) -> None:
    locks = [add_device(account, 4), add_device(account, 0)]
    leaving, staying = create_user(account, "Leaving"), create_user(account, "Staying")
    body = {"name": "App", "smartlockIds": locks, "remoteAllowed": True}
    response = account.api.put("/smartlock/auth", json=body | {"accountUserId": leaving})
    assert response.status_code == 204
    confirmed_auth(account, locks[0], "Fob", type=2, accountUserId=leaving)
    kept = confirmed_auth(account, locks[1], "Kept", accountUserId=staying)
    code = confirmed_auth(account, locks[0], "Code", type=13, code=345678)
    assert len(auths(account.api, accountUserId=leaving)) == 3

    assert account.api.delete(f"/account/user/{leaving}").status_code == 204
    pending = get_user(account.api, leaving)
    assert pending["operationId"] is not None
    going = auths(account.api, accountUserId=leaving)
    assert len(going) == 3
    assert all(auth["operationId"] is not None for auth in going)
    # While it goes, the user cannot be changed nor deleted again.
    assert account.api.post(f"/account/user/{leaving}", json={"name": "x"}).status_code == 423
    assert account.api.delete(f"/account/user/{leaving}").status_code == 423

    advance(account.api, 0)
    assert not user_exists(account.api, leaving)
    assert auths(account.api, accountUserId=leaving) == []
    assert sorted(a["name"] for a in auths(account.api)) == ["Code", "Kept"]
    assert get_auth(account.api, kept) == kept
    assert get_auth(account.api, code) == code
    assert user_exists(account.api, staying)


def test_delete_waits_while_an_authorization_of_the_user_is_busy(
    account: AccountFixture,
) -> None:
    lock = add_device(account, 4)
    user = create_user(account)
    create_auth(account, lock, "App", accountUserId=user)  # not yet confirmed
    assert account.api.delete(f"/account/user/{user}").status_code == 423
    assert get_user(account.api, user).get("operationId") is None
    advance(account.api, 0)
    assert account.api.delete(f"/account/user/{user}").status_code == 204
    advance(account.api, 0)
    assert not user_exists(account.api, user)
    assert auths(account.api) == []


def test_delete_with_an_offline_device_keeps_the_user_and_the_error(
    account: AccountFixture,
) -> None:
    locks = [add_device(account, 4), add_device(account, 4)]
    user = create_user(account)
    body = {"name": "App", "smartlockIds": locks, "remoteAllowed": False, "accountUserId": user}
    assert account.api.put("/smartlock/auth", json=body).status_code == 204
    advance(account.api, 0)
    set_bridge_online(account.api, online=False)

    assert account.api.delete(f"/account/user/{user}").status_code == 204
    advance(account.api, 60)
    stayed = get_user(account.api, user)
    assert stayed.get("operationId") is None
    left = auths(account.api, accountUserId=user)
    assert sorted(auth["smartlockId"] for auth in left) == sorted(locks)
    for auth in left:
        assert auth.get("operationId") is None
        assert UNREACHABLE in auth["error"]

    # Back online, nothing happens on its own; sending the delete again removes them all.
    set_bridge_online(account.api, online=True)
    advance(account.api, 60)
    assert user_exists(account.api, user)
    assert len(auths(account.api, accountUserId=user)) == 2
    assert account.api.delete(f"/account/user/{user}").status_code == 204
    advance(account.api, 0)
    assert not user_exists(account.api, user)
    assert auths(account.api) == []


def test_another_accounts_users_are_404(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    theirs = create_user(other_account, "Theirs")
    lock = add_device(other_account, 4)
    their_auth = confirmed_auth(other_account, lock, "Their app", accountUserId=theirs)
    before = get_user(other_account.api, theirs)
    assert account.api.get(f"/account/user/{theirs}").status_code == 404
    assert account.api.post(f"/account/user/{theirs}", json={"name": "Mine"}).status_code == 404
    assert account.api.delete(f"/account/user/{theirs}").status_code == 404
    assert account.api.get("/account/user").json() == []
    advance(account.api, 0)
    assert get_user(other_account.api, theirs) == before
    assert get_auth(other_account.api, their_auth) == their_auth
    assert account.api.get("/account/user/2147483647").status_code == 404


@pytest.mark.parametrize(
    "scopes",
    [(), (Scope.SMARTLOCK, Scope.SMARTLOCK_ACTION, Scope.SMARTLOCK_LOG)],
    ids=["none", "neither-account-nor-smartlock.auth"],
)
def test_a_token_without_account_or_smartlock_auth_is_401(
    account: AccountFixture, scopes: tuple[Scope, ...]
) -> None:
    user_id = create_user(account)
    client = account.client_with(*scopes)
    new = {"email": unique_email(), "name": "New"}
    for method, path, body in [
        ("GET", "/account/user", None),
        ("PUT", "/account/user", new),
        ("GET", f"/account/user/{user_id}", None),
        ("POST", f"/account/user/{user_id}", {"name": "Changed"}),
        ("DELETE", f"/account/user/{user_id}", None),
    ]:
        response = client.request(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)
    assert [u["name"] for u in account.api.get("/account/user").json()] == ["Guest"]


@pytest.mark.parametrize("scope", [Scope.ACCOUNT, Scope.SMARTLOCK_AUTH])
def test_either_scope_suffices(account: AccountFixture, scope: Scope) -> None:
    client = account.client_with(scope)
    response = client.put("/account/user", json={"email": unique_email(), "name": "New"})
    assert response.status_code == 200, response.text
    user_id = response.json()["accountUserId"]
    assert client.get(f"/account/user/{user_id}").status_code == 200
    assert client.post(f"/account/user/{user_id}", json={"name": "N"}).status_code == 200
    assert client.delete(f"/account/user/{user_id}").status_code == 204
