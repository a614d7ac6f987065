"""Property-based fuzzing, with schemathesis, of every operation nukiweb implements.

Each operation gets its own fresh account with an all-scopes token, so that a destructive one
(DELETE /account, a password change) starves only itself. Cases are valid and invalid inputs
generated from the vendor's description, plus valid inputs aimed at resources the account really
owns (a sub-account, an API key, a token). Every response must be no server error; a successful
one must match the spec (checked by our ``ContractValidator``, which knows the spec's errata);
an error one must carry the vendor's JSON error body. Statuses the spec does not list for an
error are accepted: nukiweb answers 404 for others' ids and 400 for bad input where the vendor's
description forgets them.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error

from nukiweb.api.app import ROUTERS
from nukiweb.api.unimplemented import implemented_operation_ids
from tests.contract.validation import ContractValidator, json_keyed_spec
from tests.support import AccountFixture, RunningServer, make_account, unique_email

SCHEMA = schemathesis.openapi.from_dict(json_keyed_spec())
IMPLEMENTED = sorted(implemented_operation_ids(ROUTERS))

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
        "/api/key",
        json={"description": "fuzz", "redirectUris": ["https://fuzz.example/cb"]},
    )
    assert key.status_code == 200, key.text
    key_id = key.json()["apiKeyId"]
    token = account.api.put(
        f"/api/key/{key_id}/token", json={"description": "fuzz", "scopes": ["account"]}
    )
    assert token.status_code == 200, token.text
    return {"accountId": sub.json()["accountId"], "apiKeyId": key_id, "id": token.json()["id"]}


def case_strategy(operation: APIOperation, owned: dict[str, Any]) -> st.SearchStrategy[Case]:
    path_names = [parameter.name for parameter in operation.path_parameters]
    owned_path = {name: owned[name] for name in path_names}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if path_names:
        strategies.append(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=owned_path)
        )
    if path_names or len(operation.query) or len(operation.body):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    if path_names and (len(operation.query) or len(operation.body)):
        strategies.append(
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=owned_path)
        )
    return st.one_of(strategies)


def as_httpx(response: schemathesis.Response) -> httpx.Response:
    """The response as ``ContractValidator`` reads it (requests has already decoded the body)."""
    sent = response.request
    request = httpx.Request(
        sent.method or "GET",
        sent.url or "",
        headers=dict(sent.headers),
        content=sent.body.encode() if isinstance(sent.body, str) else sent.body,
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
        auth = {"Authorization": f"Bearer {account.token}"}
        with requests.Session() as session:

            @FUZZ_SETTINGS
            @given(case=case_strategy(operation, owned, f"op{IMPLEMENTED.index(operation_id)}"))
            def fuzz(case: Case) -> None:
                response = case.call(base_url=server.base_url, session=session, headers=auth)
                case.validate_response(response, checks=[not_a_server_error])
                contract.validate(as_httpx(response))

            fuzz()
    finally:
        account.api.close()
