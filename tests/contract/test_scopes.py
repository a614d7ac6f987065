"""Every one of the vendor's operations, against tokens with and without the scopes that its
security entry names — read from the vendor's own OpenAPI description, not from our table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from nukiweb.api.endpoint import SECURITY_ERRATA
from nukiweb.domain.scopes import Scope
from tests.contract.validation import ContractValidator, vendor_spec
from tests.support import AccountFixture, RunningServer, make_account

OPERATIONS = [
    (method.upper(), path, op)
    for path, item in vendor_spec()["paths"].items()
    for method, op in item.items()
]


def test_the_vendor_spec_has_109_operations() -> None:
    assert len(OPERATIONS) == 109


def accepted_scopes(op: dict[str, Any]) -> tuple[str, ...] | None:
    """The scopes the spec's security entry names; where it names none for an account's own
    data, those nukiweb asks for instead (docs/conformance.md, "Deliberate differences")."""
    if op["operationId"] in SECURITY_ERRATA:
        return SECURITY_ERRATA[op["operationId"]]
    entries = op.get("security") or []
    if not entries:
        return None
    return tuple(scope for entry in entries for listed in entry.values() for scope in listed)


def concrete(path: str) -> str:
    """The path with an id of the right shape in each parameter."""
    return re.sub(r"\{[^}]+\}", "17618910285", path).replace(
        "/token/17618910285", "/token/0123456789abcdef01234567"
    )


@pytest.fixture
def fresh_account(server: RunningServer, contract: ContractValidator) -> Iterator[AccountFixture]:
    made = make_account(server, contract)
    yield made
    made.api.close()


@pytest.mark.parametrize(
    ("method", "path", "op"),
    OPERATIONS,
    ids=[op["operationId"] for _method, _path, op in OPERATIONS],
)
def test_scope_is_required(
    fresh_account: AccountFixture, method: str, path: str, op: dict[str, Any]
) -> None:
    accepted = accepted_scopes(op)
    url = concrete(path)
    body = {} if method in ("PUT", "POST") else None
    api = fresh_account.api
    if accepted is None:
        assert api.with_token(None).request(method, url, json=body).status_code != 401
        return
    assert api.with_token(None).request(method, url, json=body).status_code == 401
    others = [scope for scope in Scope if scope.value not in accepted]
    if accepted:
        without = fresh_account.client_with(*others)
        assert without.request(method, url, json=body).status_code == 401
    for scope in accepted or ("account",):
        with_scope = fresh_account.client_with(Scope(scope))
        status = with_scope.request(method, url, json=body).status_code
        assert status != 401, f"{scope} should admit {method} {path}"


def test_create_smartlock_needs_smartlock_create(fresh_account: AccountFixture) -> None:
    """``PUT /smartlock``, which the doc lists and the spec omits."""
    body = {"type": 4, "name": "Scoped"}
    assert fresh_account.api.with_token(None).put("/smartlock", json=body).status_code == 401
    others = [scope for scope in Scope if scope is not Scope.SMARTLOCK_CREATE]
    assert fresh_account.client_with(*others).put("/smartlock", json=body).status_code == 401
    allowed = fresh_account.client_with(Scope.SMARTLOCK_CREATE).put("/smartlock", json=body)
    assert allowed.status_code == 200
