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

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from nukiweb.api.app import ROUTERS, implemented_operation_ids
from tests.contract.fuzzing import (
    APIOperation,
    Case,
    Credentials,
    as_httpx,
    declared_fields,
    owned_resources,
    plausible_fields,
    with_plausible_fields,
)
from tests.contract.validation import ContractValidator, json_keyed_spec
from tests.support import RunningServer, make_account

SCHEMA = schemathesis.openapi.from_dict(json_keyed_spec())

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


# (parameter, a test of the operation's path, the owned resource) where a parameter's name
# alone does not say which resource it names.
_OWNED_BY_PATH = (
    ("smartlockId", lambda path: path.endswith("/openerconfig"), "smartlockId:opener"),
    ("smartlockId", lambda path: path.endswith("/smartdoorconfig"), "smartlockId:smartdoor"),
    ("id", lambda path: "/auth/" in path, "authorizationId"),
    ("id", lambda path: path.startswith("/api/decentralWebhook/"), "id:decentralWebhook"),
    ("id", lambda path: path.startswith("/address/token/"), "id:addressToken"),
    ("id", lambda path: "/reservation/" in path, "id:reservation"),
    ("id", lambda path: "/unit/" in path, "id:unit"),
    ("id", lambda path: path.startswith("/account/subscription/"), "id:accountSubscription"),
)


def owned_parameter(operation: APIOperation, name: str, owned: dict[str, Any]) -> Any:
    """The owned resource for a path parameter; a device of the type the operation is for."""
    for parameter, matches, key in _OWNED_BY_PATH:
        if name == parameter and matches(operation.path):
            return owned[key]
    return owned[name]


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


@pytest.mark.parametrize("operation_id", IMPLEMENTED)
def test_fuzz_operation(
    operation_id: str, server: RunningServer, contract: ContractValidator
) -> None:
    operation = SCHEMA.find_operation_by_id(operation_id)
    account = make_account(server, contract)
    try:
        owned = owned_resources(account)
        credentials = Credentials(server, account.account_id, account.token)
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
