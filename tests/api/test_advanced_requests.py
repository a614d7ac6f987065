"""The Advanced API's requests answer at once with a requestId (their webhooks are tested in
test_webhook_delivery.py)."""

from __future__ import annotations

import uuid

from tests.devices import add_device, advance, state
from tests.support import AccountFixture


def test_advanced_authorization_request_creates_on_every_device(account: AccountFixture) -> None:
    api = account.api
    locks = [add_device(account, 4), add_device(account, 0)]
    user = api.put("/account/user", json={"email": "guest@example.com", "name": "Guest"}).json()
    body = {
        "name": "Guest",
        "remoteAllowed": True,
        "accountUserId": user["accountUserId"],
        "smartlockIds": locks,
    }
    response = api.put("/smartlock/auth/advanced", json=body)
    assert response.status_code == 200
    uuid.UUID(response.json()["requestId"])
    created = api.get("/smartlock/auth", params={"accountUserId": user["accountUserId"]}).json()
    assert sorted(auth["smartlockId"] for auth in created) == sorted(locks)
    assert all("operationId" in auth for auth in created)
    advance(api, 0)
    confirmed = api.get("/smartlock/auth", params={"accountUserId": user["accountUserId"]}).json()
    assert all("operationId" not in auth for auth in confirmed)


def test_advanced_action_answers_a_request_id_and_acts(account: AccountFixture) -> None:
    api = account.api
    lock = add_device(account, 4)
    response = api.post(f"/smartlock/{lock}/action/advanced", json={"action": 1})
    assert response.status_code == 200
    uuid.UUID(response.json()["requestId"])
    advance(api, 2)
    assert state(api, lock)["state"] == 3
    for kind, final in (("lock", 1), ("unlock", 5)):
        answered = api.post(f"/smartlock/{lock}/action/{kind}/advanced")
        assert answered.status_code == 200
        advance(api, 2)
        assert state(api, lock)["state"] == final


def test_advanced_requests_refuse_bad_input(account: AccountFixture) -> None:
    api = account.api
    lock = add_device(account, 1)  # a box: no such action, and it cannot lock
    assert api.post(f"/smartlock/{lock}/action/advanced", json={"action": 2}).status_code == 400
    assert api.post(f"/smartlock/{lock}/action/lock/advanced").status_code == 405
    missing = {"name": "x", "remoteAllowed": True, "smartlockIds": [lock]}
    assert api.put("/smartlock/auth/advanced", json=missing).status_code == 400
