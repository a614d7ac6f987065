"""Any id in a path that names no object of the caller's is 404, whatever its value: one out
of the range of the ids it could name (a smartlockId with unknown type bits, one beyond 32 or 64
bits, a negative one, a text id longer than any) as much as a well-formed one; one that is no
integer where an integer is expected is 400."""

from __future__ import annotations

from typing import Any

import pytest

from nukiweb.domain.devices import MAX_SMARTLOCK_ID
from tests.api.test_bad_input import api_routes, first_key_id
from tests.devices import add_device
from tests.support import AccountFixture

INT32_IDS = [2**31 - 1, 2**31, -1, 2**63, 2**64, 10**30]
SMARTLOCK_IDS = [
    (4 << 32) | 0xFFFFFFFE,  # well-formed, no such device
    5 << 32,  # a type the doc does not know
    MAX_SMARTLOCK_ID + 1,
    (15 << 32) | 0x12345678,
    -1,
    2**63,
    2**64,
    10**30,
]
TEXT_IDS = ["0" * 24, "x" * 25, "f" * 300]


def path_id_requests(account: AccountFixture) -> dict[str, tuple[str, str, Any, list[Any]]]:
    """For each kind of path id: a request naming one (``{}`` in the path), its body, and
    values that name nothing."""
    lock = add_device(account, 4)
    key = first_key_id(account)
    return {
        "smartlockId": ("GET", "/smartlock/{}", None, SMARTLOCK_IDS),
        "smartlockId with a body": ("POST", "/smartlock/{}", {"name": "x"}, SMARTLOCK_IDS),
        "simulated smartlockId": ("POST", "/simulator/smartlocks/{}/ring", None, SMARTLOCK_IDS),
        "accountId": ("GET", "/account/sub/{}", None, INT32_IDS),
        "accountUserId": ("GET", "/account/user/{}", None, INT32_IDS),
        "apiKeyId": ("GET", "/api/key/{}/token", None, INT32_IDS),
        "decentral webhook id": ("DELETE", "/api/decentralWebhook/{}", None, INT32_IDS),
        "bridgeId": ("POST", "/simulator/bridges/{}/online", {"online": True}, INT32_IDS),
        "token id": ("DELETE", f"/api/key/{key}/token/{{}}", None, TEXT_IDS),
        "notificationId": ("GET", "/notification/{}", None, TEXT_IDS),
        "authorization id": ("GET", f"/smartlock/{lock}/auth/{{}}", None, TEXT_IDS),
        "simulated authorization id": (
            "POST",
            f"/simulator/smartlocks/{lock}/authorizations/{{}}/operate",
            {"action": 1},
            TEXT_IDS,
        ),
    }


INTEGER_PATH_IDS = [
    "smartlockId",
    "smartlockId with a body",
    "simulated smartlockId",
    "accountId",
    "accountUserId",
    "apiKeyId",
    "decentral webhook id",
    "bridgeId",
]
TEXT_PATH_IDS = ["token id", "notificationId", "authorization id", "simulated authorization id"]


@pytest.mark.parametrize("kind", [*INTEGER_PATH_IDS, *TEXT_PATH_IDS])
def test_a_path_id_that_names_nothing_is_404(account: AccountFixture, kind: str) -> None:
    method, template, body, values = path_id_requests(account)[kind]
    for value in values:
        response = account.api.request(method, template.format(value), json=body)
        assert response.status_code == 404, (value, response.text)
        assert str(value)[:100] in response.json()["detailMessage"]


@pytest.mark.parametrize("kind", INTEGER_PATH_IDS)
@pytest.mark.parametrize("value", ["abc", "1.5", "0x10", "1e3"])
def test_an_integer_path_id_that_is_no_integer_is_400(
    account: AccountFixture, kind: str, value: str
) -> None:
    method, template, body, _values = path_id_requests(account)[kind]
    response = account.api.request(method, template.format(value), json=body)
    assert response.status_code == 400, (value, response.text)


def test_a_path_id_out_of_range_is_404_even_with_a_bad_body(account: AccountFixture) -> None:
    response = account.api.post(f"/smartlock/{2**64}", json={"name": ["not", "a", "name"]})
    assert response.status_code == 404


def test_every_path_id_is_bounded() -> None:
    """A bound on each path id is what lets an out-of-range one answer 404 before any lookup."""
    for route in api_routes():
        for parameter in route.dependant.path_params:
            limits = {type(item).__name__ for item in parameter.field_info.metadata}
            expected = {"Ge", "Le"} if parameter.field_info.annotation is int else {"MaxLen"}
            assert expected <= limits, (route.path, parameter.name, limits)
