"""Tags Address, AddressReservation and AddressToken over HTTP: addresses and their units and
tokens, and reservations whose guests get access by themselves — issued ahead of check-in on
every device of the address, usable on the simulated keypad inside the stay only, revoked at
check-out or when the booking is cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api.test_authorizations import auths
from tests.devices import add_device, advance, logs, set_bridge_online, simulate, state
from tests.support import AccountFixture, ApiClient

TIME_ZONE = "Europe/Vienna"
DAY = 24 * 3600.0
LOCKED, UNLOCKED = 1, 3


def now(api: ApiClient) -> datetime:
    return datetime.fromisoformat(api.get("/simulator/clock").json()["now"])


def today(api: ApiClient) -> date:
    return now(api).astimezone(ZoneInfo(TIME_ZONE)).date()


def create_address(
    account: AccountFixture, smartlock_ids: list[int], **fields: Any
) -> dict[str, Any]:
    body = {"name": "Seaside flat", "smartlockIds": smartlock_ids, "timeZone": TIME_ZONE} | fields
    response = account.api.put("/address", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def keypad_locks(account: AccountFixture, count: int = 2) -> list[int]:
    """Smart Locks 4th generation with a keypad paired."""
    ids = [add_device(account, 4, name=f"Door {n}") for n in range(count)]
    for smartlock_id in ids:
        simulate(account.api, smartlock_id, "keypad", paired=True)
    return ids


def book(api: ApiClient, address_id: int, uid: str, start: date, nights: int, **fields: Any) -> str:
    body = {
        "uid": uid,
        "name": "Ada Guest",
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=nights)).isoformat(),
    } | fields
    response = api.put(f"/simulator/addresses/{address_id}/reservations", json=body)
    assert response.status_code == 200, response.text
    reservation_id: str = response.json()["id"]
    return reservation_id


def reservation(api: ApiClient, address_id: int, reservation_id: str) -> dict[str, Any]:
    response = api.get(f"/address/{address_id}/reservation")
    assert response.status_code == 200, response.text
    return next(r for r in response.json() if r["id"] == reservation_id)


def issued(
    api: ApiClient, smartlock_ids: list[int], name: str = "Ada Guest"
) -> list[dict[str, Any]]:
    return [
        auth for auth in auths(api) if auth["name"] == name and auth["smartlockId"] in smartlock_ids
    ]


def until_check_in(api: ApiClient, address: dict[str, Any], start: date) -> float:
    """Seconds from now to the check-in instant of a stay arriving on ``start``."""
    minutes = address["checkInTime"]
    check_in = datetime.combine(start, datetime.min.time(), ZoneInfo(TIME_ZONE)) + timedelta(
        minutes=minutes
    )
    return (check_in.astimezone(UTC) - now(api)).total_seconds()


def type_code(api: ApiClient, smartlock_id: int, code: int) -> dict[str, Any]:
    """Types ``code`` on the keypad; the log entry it wrote."""
    simulate(api, smartlock_id, "keypad/code", code=code)
    advance(api, 5)
    entry: dict[str, Any] = logs(api, smartlock_id)[0]
    return entry


# --- addresses -------------------------------------------------------------------------------


def test_create_list_update_and_delete_an_address(account: AccountFixture) -> None:
    first, second = add_device(account, 4), add_device(account, 2)
    created = create_address(account, [first])
    assert created["accountId"] == account.account_id
    assert (created["timeZone"], created["checkInTime"], created["checkOutTime"]) == (
        TIME_ZONE,
        900,
        660,
    )
    assert created["smartlockIds"] == [first]
    assert account.api.get("/address").json() == [created]

    address_id = created["addressId"]
    changes = {"name": "Attic", "smartlockIds": [first, second], "checkInTime": 960,
               "settings": {"wifi": {"ssid": "attic"}}}  # fmt: skip
    assert account.api.post(f"/address/{address_id}", json=changes).status_code == 204
    [updated] = account.api.get("/address").json()
    assert updated["name"] == "Attic"
    assert updated["smartlockIds"] == sorted([first, second])
    assert updated["checkInTime"] == 960
    assert updated["settings"] == {"wifi": {"ssid": "attic"}}

    assert account.api.delete(f"/address/{address_id}").status_code == 204
    assert account.api.get("/address").json() == []
    assert account.api.delete(f"/address/{address_id}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"timeZone": "CEST"}, "timeZone"),
        ({"timeZone": "Europe/Atlantis"}, "timeZone"),
        ({"checkInTime": 1440}, "checkInTime"),
        ({"checkOutTime": -1}, "checkOutTime"),
        ({"name": ""}, "name"),
        ({"settings": {"wifi": "open"}}, "settings"),
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_made(
    account: AccountFixture, fields: dict[str, Any], parameter: str
) -> None:
    response = account.api.put(
        "/address", json={"name": "Flat", "smartlockIds": [], "timeZone": TIME_ZONE} | fields
    )
    assert response.status_code == 400, response.text
    assert parameter in response.json()["detailMessage"]
    assert account.api.get("/address").json() == []


def test_another_accounts_devices_and_addresses_are_not_the_callers(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    theirs = add_device(other_account, 4)
    response = account.api.put("/address", json={"name": "Flat", "smartlockIds": [theirs]})
    assert response.status_code == 400
    their_address = create_address(other_account, [theirs])["addressId"]
    for method, path, body in [
        ("POST", f"/address/{their_address}", {"name": "Mine"}),
        ("DELETE", f"/address/{their_address}", None),
        ("GET", f"/address/{their_address}/reservation", None),
        ("GET", f"/address/{their_address}/unit", None),
        ("PUT", f"/address/{their_address}/unit", {"name": "Room"}),
        ("GET", f"/address/{their_address}/token", None),
    ]:
        response = account.api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert other_account.api.get("/address").json()[0]["name"] == "Seaside flat"


# --- units and address tokens ----------------------------------------------------------------


def test_a_units_token_is_redeemed_once_for_app_authorizations(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    locks = [add_device(account, 4, name="Front"), add_device(account, 4, name="Garage")]
    address_id = create_address(account, locks, name="House")["addressId"]
    response = account.api.put(f"/address/{address_id}/unit", json={"name": "Flat 1"})
    assert response.status_code == 200, response.text
    unit = response.json()
    assert "redeemDate" not in unit
    token_id = unit["addressTokenId"]
    assert account.api.get(f"/address/{address_id}/unit").json() == [unit]
    [token] = account.api.get(f"/address/{address_id}/token").json()
    assert token["id"] == token_id

    info = other_account.api.get(f"/address/token/{token_id}").json()
    assert (info["id"], info["addressName"]) == (token_id, "House")
    assert sorted(info["smartlockNames"]) == ["Front", "Garage"]

    assert other_account.api.post(f"/address/token/{token_id}/redeem").status_code == 204
    advance(account.api, 0)
    redeemed = other_account.api.get(f"/address/token/{token_id}/redeem").json()
    assert redeemed["redeemAccountId"] == other_account.account_id
    assert redeemed["redeemResult"] == "ok"
    invites = [auth for auth in auths(account.api) if auth["id"] in redeemed["inviteKeys"]]
    assert sorted(auth["smartlockId"] for auth in invites) == sorted(locks)
    assert all(auth["type"] == 0 and "operationId" not in auth for auth in invites)

    again = other_account.api.post(f"/address/token/{token_id}/redeem")
    assert again.status_code == 400
    [unit] = account.api.get(f"/address/{address_id}/unit").json()
    assert unit["redeemResult"] == "ok"

    # The unit goes once the devices have removed what its token issued.
    response = account.api.delete(f"/address/{address_id}/unit/{unit['id']}")
    assert response.status_code == 200, response.text
    request_id = response.json()["requestId"]
    [leaving] = account.api.get(f"/address/{address_id}/unit").json()
    assert leaving["operationId"] == request_id
    assert account.api.delete(f"/address/{address_id}/unit/{unit['id']}").status_code == 423
    advance(account.api, 0)
    assert account.api.get(f"/address/{address_id}/unit").json() == []
    assert not [auth for auth in auths(account.api) if auth["id"] in redeemed["inviteKeys"]]
    assert account.api.get(f"/address/token/{token_id}").status_code == 404


def test_units_deleted_together(account: AccountFixture) -> None:
    address_id = create_address(account, [add_device(account, 4)])["addressId"]
    units = [
        account.api.put(f"/address/{address_id}/unit", json={"name": name}).json()["id"]
        for name in ("Flat 1", "Flat 2", "Flat 3")
    ]
    response = account.api.request("DELETE", f"/address/{address_id}/unit", json=units[:2])
    assert response.status_code == 200, response.text
    assert response.json()["requestId"]
    # Never redeemed, they held nothing on the devices: gone at once.
    left = account.api.get(f"/address/{address_id}/unit").json()
    assert [unit["id"] for unit in left] == units[2:]


def test_unknown_tokens_and_units(account: AccountFixture) -> None:
    address_id = create_address(account, [])["addressId"]
    assert account.api.get("/address/token/nothing").status_code == 404
    assert account.api.post("/address/token/nothing/redeem").status_code == 404
    assert account.api.delete(f"/address/{address_id}/unit/nothing").status_code == 404
    assert account.api.request("DELETE", f"/address/{address_id}/unit", json=[]).status_code == 400


# --- reservations ----------------------------------------------------------------------------


def test_a_guest_gets_a_code_ahead_of_check_in_that_opens_only_during_the_stay(
    account: AccountFixture,
) -> None:
    api = account.api
    locks = keypad_locks(account)
    address = create_address(account, locks)
    address_id = address["addressId"]
    start = today(api) + timedelta(days=3)
    reservation_id = book(api, address_id, "stay-1", start, nights=2, email="ada@example.com")

    shown = reservation(api, address_id, reservation_id)
    assert (shown["state"], shown["keypadIssued"], shown["guestsIssued"]) == ("accepted", False, 0)
    assert shown["isCurrentlyIssuingAuth"] is False
    assert issued(api, locks) == []

    # A day before check-in the code goes to every lock, pending until each confirms.
    advance(api, until_check_in(api, address, start) - DAY + 1)
    assert reservation(api, address_id, reservation_id)["isCurrentlyIssuingAuth"] is True
    advance(api, 0)
    shown = reservation(api, address_id, reservation_id)
    assert (shown["keypadIssued"], shown["guestsIssued"]) == (True, 1)
    assert shown["isCurrentlyIssuingAuth"] is False
    codes = [auth for auth in issued(api, locks) if auth["type"] == 13]
    assert sorted(auth["smartlockId"] for auth in codes) == sorted(locks)
    code = codes[0]["code"]
    assert {auth["code"] for auth in codes} == {code}
    assert codes[0]["allowedFromDate"] == shown["startDate"]
    assert codes[0]["allowedUntilDate"] == shown["endDate"]
    apps = [auth for auth in issued(api, locks) if auth["type"] == 0]
    assert len(apps) == len(locks)

    # Before check-in the keypad refuses it; during the stay it opens.
    refused = type_code(api, locks[0], code)
    assert refused["state"] != 0
    assert state(api, locks[0])["state"] == LOCKED
    advance(api, DAY)
    opened = type_code(api, locks[1], code)
    assert opened["state"] == 0
    assert opened["name"] == "Ada Guest"
    assert state(api, locks[1])["state"] == UNLOCKED

    # At check-out the access is revoked from every lock.
    advance(api, 2 * DAY)
    advance(api, 0)
    assert issued(api, locks) == []
    shown = reservation(api, address_id, reservation_id)
    assert (shown["keypadIssued"], shown["guestsIssued"]) == (False, 0)


def test_a_cancelled_booking_loses_its_access(account: AccountFixture) -> None:
    api = account.api
    locks = keypad_locks(account, 1)
    address_id = create_address(account, locks)["addressId"]
    reservation_id = book(api, address_id, "stay-2", today(api), nights=3)
    advance(api, 0)
    assert [auth["type"] for auth in issued(api, locks)] == [13]  # no email: no app invite
    assert api.delete(f"/simulator/addresses/{address_id}/reservations/stay-2").status_code == 204
    shown = reservation(api, address_id, reservation_id)
    assert shown["state"] == "canceled"
    assert shown["isCurrentlyRevokingAuth"] is True
    advance(api, 0)
    assert issued(api, locks) == []
    # A cancelled booking cannot be issued by hand.
    assert api.post(f"/address/{address_id}/reservation/{reservation_id}/issue").status_code == 400


def test_issue_and_revoke_by_hand_and_custom_access_times(account: AccountFixture) -> None:
    api = account.api
    locks = keypad_locks(account, 1)
    address_id = create_address(account, locks)["addressId"]
    reservation_id = book(api, address_id, "stay-3", today(api) + timedelta(days=10), nights=1)
    path = f"/address/{address_id}/reservation/{reservation_id}"

    assert api.post(f"{path}/issue").status_code == 204
    advance(api, 0)
    shown = reservation(api, address_id, reservation_id)
    assert (shown["automation"], shown["keypadIssued"]) == (1, True)

    response = api.post(f"{path}/update/accesstimes", json={"checkInTime": 8 * 60})
    assert response.status_code == 204, response.text
    advance(api, 0)
    shown = reservation(api, address_id, reservation_id)
    assert shown["hasCustomAccessTimes"] is True
    assert datetime.fromisoformat(shown["startDate"]).astimezone(ZoneInfo(TIME_ZONE)).hour == 8
    [code] = issued(api, locks)
    assert code["allowedFromDate"] == shown["startDate"]

    assert api.post(f"{path}/revoke").status_code == 204
    advance(api, 0)
    assert issued(api, locks) == []
    assert reservation(api, address_id, reservation_id)["automation"] == 2

    bad = api.post(f"{path}/update/accesstimes", json={"checkOutTime": 1440})
    assert bad.status_code == 400
    assert api.post(f"/address/{address_id}/reservation/nothing/issue").status_code == 404


def test_an_offline_lock_gets_its_code_when_it_is_back(account: AccountFixture) -> None:
    api = account.api
    locks = keypad_locks(account, 1)
    address_id = create_address(account, locks)["addressId"]
    set_bridge_online(api, online=False)
    reservation_id = book(api, address_id, "stay-4", today(api), nights=2)
    shown = reservation(api, address_id, reservation_id)
    assert shown["keypadIssued"] is False
    assert shown["isCurrentlyIssuingAuth"] is True
    set_bridge_online(api, online=True)
    advance(api, 60)  # the first retry comes 30 s later
    advance(api, 0)
    shown = reservation(api, address_id, reservation_id)
    assert (shown["keypadIssued"], shown["isCurrentlyIssuingAuth"]) == (True, False)
    assert len(issued(api, locks)) == 1


def test_deleting_an_address_revokes_what_it_issued(account: AccountFixture) -> None:
    api = account.api
    locks = keypad_locks(account, 2)
    address_id = create_address(account, locks)["addressId"]
    book(api, address_id, "stay-5", today(api), nights=2)
    advance(api, 0)
    assert len(issued(api, locks)) == 2
    assert api.delete(f"/address/{address_id}").status_code == 204
    advance(api, 0)
    assert issued(api, locks) == []


def test_a_device_added_to_the_address_gets_the_code_too(account: AccountFixture) -> None:
    api = account.api
    first, second = keypad_locks(account, 2)
    address_id = create_address(account, [first])["addressId"]
    book(api, address_id, "stay-6", today(api), nights=2)
    advance(api, 0)
    assert [auth["smartlockId"] for auth in issued(api, [first, second])] == [first]
    assert api.post(f"/address/{address_id}", json={"smartlockIds": [second]}).status_code == 204
    advance(api, 0)
    advance(api, 0)
    assert [auth["smartlockId"] for auth in issued(api, [first, second])] == [second]
