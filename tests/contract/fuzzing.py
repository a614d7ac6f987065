"""What the fuzzing tests share: an account that owns one resource of each kind, the bearer
token that survives a fuzzed password change, and schemathesis' responses as the contract
validator reads them; plausible values for the fields whose rules the spec gives only in prose."""

from __future__ import annotations

import string
from typing import Any, TypeAlias

import httpx
import schemathesis
from hypothesis import strategies as st
from schemathesis import APIOperation as GenericOperation
from schemathesis import Case as GenericCase

from nukiweb.domain.identity import acting_for
from nukiweb.domain.scopes import Scope
from nukiweb.services import api_keys, intercoms, subscriptions
from nukiweb.store import accounts as account_store
from tests.contract.validation import json_keyed_spec
from tests.support import AccountFixture, RunningServer, unique_email

APIOperation: TypeAlias = GenericOperation[Any, Any, Any, Any]
Case: TypeAlias = GenericCase[Any]


def owned_resources(account: AccountFixture) -> dict[str, Any]:
    """Path parameters naming resources the account owns, so that fuzzing gets past 404."""
    sub = account.api.put(
        "/account/sub",
        json={
            "email": unique_email("fuzz-sub"),
            "password": "sub password",
            "name": "Fuzzed",
            "rights": 0,
            "language": "de",
        },
    )
    assert sub.status_code == 200, sub.text
    key = account.api.put(
        "/api/key", json={"description": "fuzz", "redirectUris": ["https://fuzz.example/cb"]}
    )
    assert key.status_code == 200, key.text
    key_id = key.json()["apiKeyId"]
    token = account.api.put(
        f"/api/key/{key_id}/token", json={"description": "fuzz", "scopes": ["account"]}
    )
    assert token.status_code == 200, token.text
    devices = {}
    for device_type in (2, 3, 4):
        device = account.api.put("/smartlock", json={"type": device_type, "name": "Fuzzed"})
        assert device.status_code == 200, device.text
        devices[device_type] = device.json()["smartlockId"]
    user = account.api.put(
        "/account/user", json={"email": unique_email("fuzz-user"), "name": "Fuzzed user"}
    )
    assert user.status_code == 200, user.text
    user_id = user.json()["accountUserId"]
    granted = account.api.put(
        f"/smartlock/{devices[4]}/auth",
        json={"name": "Fuzzed", "remoteAllowed": True, "accountUserId": user_id},
    )
    assert granted.status_code == 204, granted.text
    authorization = account.api.get(f"/smartlock/{devices[4]}/auth").json()[0]["id"]
    webhook = account.api.put(
        "/api/decentralWebhook",
        json={"webhookUrl": "http://127.0.0.1:9/fuzz", "webhookFeatures": ["DEVICE_LOGS"]},
    )
    assert webhook.status_code == 200, webhook.text
    notification = account.api.put(
        "/notification",
        json={"pushId": "fuzz-push-id", "os": 0, "settings": [{"triggerEvents": ["lock"]}]},
    )
    assert notification.status_code == 200, notification.text
    for smartlock_id in devices.values():
        if smartlock_id != devices[2]:
            paired = account.api.post(
                f"/simulator/smartlocks/{smartlock_id}/keypad", json={"paired": True}
            )
            assert paired.status_code == 204, paired.text
    address = account.api.put(
        "/address", json={"name": "Fuzzed", "smartlockIds": [devices[4], devices[3]]}
    )
    assert address.status_code == 200, address.text
    address_id = address.json()["addressId"]
    unit = account.api.put(f"/address/{address_id}/unit", json={"name": "Fuzzed"})
    assert unit.status_code == 200, unit.text
    reservation = account.api.put(
        f"/simulator/addresses/{address_id}/reservations",
        json={"uid": "fuzz", "name": "Fuzzed", "startDate": "2026-01-10", "endDate": "2026-01-12"},
    )
    assert reservation.status_code == 200, reservation.text
    # The catalog is the server's, not the account's: the example set's first brand and model.
    intercoms.import_example(account.api.server.ctx)
    example = intercoms.example_catalog()
    subscription_id, held_id = _subscription(account)
    return {
        "accountUserId": user_id,
        "addressId": address_id,
        "id:unit": unit.json()["id"],
        "id:addressToken": unit.json()["addressTokenId"],
        "id:reservation": reservation.json()["id"],
        "serviceId": "airbnb",
        "authorizationId": authorization,
        "accountId": sub.json()["accountId"],
        "apiKeyId": key_id,
        "id": token.json()["id"],
        "id:decentralWebhook": webhook.json()["id"],
        "notificationId": notification.json()["notificationId"],
        "smartlockId": devices[4],
        "smartlockId:opener": devices[2],
        "smartlockId:smartdoor": devices[3],
        "brandId": example["brands"][0]["brandId"],
        "intercomId": example["intercoms"][0]["intercomId"],
        "subscriptionId": subscription_id,
        "id:accountSubscription": held_id,
    }


FUZZ_PLAN_ID = 900_001
FUZZ_PLAN = {
    "subscriptionId": FUZZ_PLAN_ID,
    "titles": {"en": "Fuzzed (test)"},
    "descriptions": {},
    "quantity": 1,
    "length": "30d",
    "price": 0,
}


def _subscription(account: AccountFixture) -> tuple[int, str]:
    """A plan of the catalog, and the account's subscription of it (checked out as the
    checkout page does)."""
    ctx = account.api.server.ctx
    subscriptions.import_plans(ctx, [FUZZ_PLAN])
    held, _payment = subscriptions.checkout(
        ctx, acting_for(account.account_id, "fuzz"), FUZZ_PLAN_ID
    )
    return FUZZ_PLAN_ID, held.id


def plausible_fields(tag: str) -> st.SearchStrategy[dict[str, Any]]:
    """Values for the body fields whose rules the spec states only in prose ("at least 7 chars",
    "the language code", "the 2-letter country code", a scope or a redirect URI)."""
    return st.fixed_dictionaries(
        {
            "email": st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10).map(
                lambda local: f"{local}.{tag}@example.com"
            ),
            "password": st.text(min_size=7, max_size=30),
            "name": st.from_regex(r"\A[A-Za-z][A-Za-z .'-]{0,30}\Z"),
            "language": st.sampled_from(["de", "en", "fr", "it", "es", "nl", "de-AT", "en_GB"]),
            "country": st.sampled_from(["AT", "DE", "CH", "GB"]),
            "rights": st.integers(0, 31),
            "scopes": st.lists(st.sampled_from(sorted(Scope)), min_size=1, max_size=3, unique=True),
            "redirectUris": st.lists(
                st.sampled_from(["https://app.example.com/cb", "http://127.0.0.1:8123/cb"]),
                max_size=2,
                unique=True,
            ),
        }
    )


def declared_fields(operation: APIOperation) -> frozenset[str]:
    """The top-level properties of the operation's request body, as the vendor's spec names them."""
    spec = json_keyed_spec()
    definition = spec["paths"][operation.path][operation.method.lower()]
    content = definition.get("requestBody", {}).get("content", {})
    names: set[str] = set()
    for media in content.values():
        schema = media.get("schema", {})
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        names.update(schema.get("properties", {}))
    return frozenset(names)


def with_plausible_fields(case: Case, fields: dict[str, Any], declared: frozenset[str]) -> Case:
    """The case with plausible values in every field they exist for (added at the top level
    when the body declares them, replaced wherever they occur below)."""

    def overlay(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: fields.get(key, overlay(item)) for key, item in value.items()}
        return value

    if isinstance(case.body, dict):
        added = {name: fields[name] for name in declared & fields.keys()}
        case.body = overlay(case.body) | added
    return case


class Credentials:
    """The account's bearer token, issued anew when fuzzing revoked it (a password change
    revokes the account's tokens) while the account still exists."""

    def __init__(self, server: RunningServer, account_id: int, token: str) -> None:
        self._server = server
        self._account_id = account_id
        self.headers = {"Authorization": f"Bearer {token}"}

    def after(self, response: schemathesis.Response) -> None:
        if response.status_code != 401:
            return
        with self._server.ctx.db.read() as conn:
            if account_store.get_account(conn, self._account_id) is None:
                return
        _token, value = api_keys.issue_token_for_account(self._server.ctx, self._account_id, "fuzz")
        self.headers = {"Authorization": f"Bearer {value}"}


def as_httpx(response: schemathesis.Response) -> httpx.Response:
    """The response as ``ContractValidator`` reads it (requests has already decoded the body)."""
    sent = response.request
    body = sent.body.encode() if isinstance(sent.body, str) else sent.body
    request = httpx.Request(
        sent.method or "GET",
        sent.url or "",
        headers={
            name: value if isinstance(value, str) else value.decode()
            for name, value in sent.headers.items()
        },
        content=body if isinstance(body, bytes) else None,
    )
    headers = [
        (name, value)
        for name, values in response.headers.items()
        if name not in {"content-encoding", "content-length", "transfer-encoding"}
        for value in values
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=response.content, request=request
    )
