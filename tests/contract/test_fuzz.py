"""Property-based fuzzing, with schemathesis, of every operation nukiweb implements.

Each operation gets its own fresh account with an all-scopes token, so that a destructive one
(DELETE /account, a password change) starves only itself. Cases are valid and invalid inputs
generated from the vendor's description, aimed at random ids and at resources the account owns
(a sub-account, an API key, a token, a decentral webhook, a notification), some with plausible
values in the fields whose rules the spec gives only in prose. Every response must be no server
error; a successful one must match the spec (checked by our ``ContractValidator``, which knows
the spec's errata); an error must carry the vendor's JSON error body. Error statuses the spec
does not list are accepted: nukiweb answers 404 for others' ids and 400 for bad input where the
vendor's description omits them.
"""

from __future__ import annotations

import string
from typing import Any, TypeAlias

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation as GenericOperation
from schemathesis import Case as GenericCase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from nukiweb.api.app import ROUTERS
from nukiweb.api.unimplemented import implemented_operation_ids
from nukiweb.domain.scopes import Scope
from nukiweb.services import api_keys
from nukiweb.store import accounts as account_store
from tests.contract.validation import ContractValidator, json_keyed_spec
from tests.support import AccountFixture, RunningServer, make_account, unique_email

SCHEMA = schemathesis.openapi.from_dict(json_keyed_spec())
APIOperation: TypeAlias = GenericOperation[Any, Any, Any, Any]
Case: TypeAlias = GenericCase[Any]

# Operations the vendor's spec describes (the extra PUT /smartlock it omits has no schema here).
IMPLEMENTED = sorted(
    implemented_operation_ids(ROUTERS)
    & {op["operationId"] for item in json_keyed_spec()["paths"].values() for op in item.values()}
)

FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


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
    return {
        "accountUserId": user_id,
        "authorizationId": authorization,
        "accountId": sub.json()["accountId"],
        "apiKeyId": key_id,
        "id": token.json()["id"],
        "id:decentralWebhook": webhook.json()["id"],
        "notificationId": notification.json()["notificationId"],
        "smartlockId": devices[4],
        "smartlockId:opener": devices[2],
        "smartlockId:smartdoor": devices[3],
    }


def owned_parameter(operation: APIOperation, name: str, owned: dict[str, Any]) -> Any:
    """The owned resource for a path parameter; a device of the type the operation is for."""
    if name == "smartlockId" and operation.path.endswith("/openerconfig"):
        return owned["smartlockId:opener"]
    if name == "smartlockId" and operation.path.endswith("/smartdoorconfig"):
        return owned["smartlockId:smartdoor"]
    if name == "id" and "/auth/" in operation.path:
        return owned["authorizationId"]
    if name == "id" and operation.path.startswith("/api/decentralWebhook/"):
        return owned["id:decentralWebhook"]
    return owned[name]


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


def case_strategy(
    operation: APIOperation, owned: dict[str, Any], tag: str
) -> st.SearchStrategy[Case]:
    path_names = [parameter.name for parameter in operation.path_parameters]
    owned_path = {name: owned_parameter(operation, name, owned) for name in path_names}
    has_input = bool(len(operation.query) or len(operation.body))
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if path_names:
        strategies.append(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=owned_path)
        )
    if len(operation.body):
        plausible = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=owned_path)
        strategies.append(
            st.builds(
                with_plausible_fields,
                plausible,
                plausible_fields(tag),
                st.just(declared_fields(operation)),
            )
        )
    if path_names or has_input:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    if path_names and has_input:
        strategies.append(
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=owned_path)
        )
    return st.one_of(strategies)


class Credentials:
    """The account's bearer token, issued anew when fuzzing revoked it (a password change
    revokes the account's tokens) while the account still exists."""

    def __init__(self, server: RunningServer, account: AccountFixture) -> None:
        self._server = server
        self._account_id = account.account_id
        self.headers = {"Authorization": f"Bearer {account.token}"}

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


@pytest.mark.parametrize("operation_id", IMPLEMENTED)
def test_fuzz_operation(
    operation_id: str, server: RunningServer, contract: ContractValidator
) -> None:
    operation = SCHEMA.find_operation_by_id(operation_id)
    account = make_account(server, contract)
    try:
        owned = owned_resources(account)
        credentials = Credentials(server, account)
        strategy = case_strategy(operation, owned, f"op{IMPLEMENTED.index(operation_id)}")
        with requests.Session() as session:

            @FUZZ_SETTINGS
            @given(case=strategy)
            def fuzz(case: Case) -> None:
                response = case.call(
                    base_url=server.base_url, session=session, headers=credentials.headers
                )
                credentials.after(response)
                case.validate_response(response, checks=[not_a_server_error])
                contract.validate(as_httpx(response))

            fuzz()
    finally:
        account.api.close()
