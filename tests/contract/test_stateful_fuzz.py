"""Stateful fuzzing, with schemathesis: sequences of calls in which what one call answers feeds
the next.

schemathesis builds a state machine from the links between the vendor's operations: those it
infers from the description (an ``accountUserId`` in one answer is the path parameter of
another operation), and those added below to an in-memory copy where inference finds none. A
step's ids come from earlier answers (a device's ``smartlockId`` from ``GET /smartlock``, an
authorization's ``id``, an account user, an API key, a token, a decentral webhook, a
notification, a sub-account), so sequences reach what one operation alone does not: an object
changed, then read, deleted, then used again. Generated values are valid and invalid ones.

Every answer must be no server error,
match the spec when successful (our ``ContractValidator``, which knows the spec's errata), and
carry the vendor's JSON error body otherwise. (schemathesis' check that a deleted object stays
gone does not apply: on SQLite a new object may get the id of the last one deleted.) Each
scenario starts with an account of its own that owns one object of each kind; a token it
revokes (a password change, its API key deleted) is issued anew.
"""

from __future__ import annotations

import copy
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.generation.stateful.state_machine import APIStateMachine
from sqlalchemy import Connection, select

from nukiweb.api.app import ROUTERS, implemented_operation_ids
from nukiweb.api.models.webhooks import NotificationBody
from nukiweb.api.operations import OPERATIONS
from nukiweb.domain.identity import Caller
from nukiweb.services import (
    account_users,
    api_keys,
    authorizations,
    notifications,
    smartlocks,
    webhook_subscriptions,
)
from nukiweb.services.authorizations import NewAuthorization
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store.schema import accounts
from tests.contract.fuzzing import (
    Case,
    Credentials,
    as_httpx,
    declared_fields,
    plausible_fields,
    with_plausible_fields,
)
from tests.contract.validation import ContractValidator, erratum_spec
from tests.support import RunningServer, make_account, unique_email

Link = dict[str, Any]


def links_from_the_account(implemented: set[str]) -> dict[str, Link]:
    """``GET /account`` leads to every operation that needs no id: the lists and the creating
    ``PUT``s, which schemathesis would otherwise never start from (it starts from lists and
    ``POST``s, and the vendor creates with ``PUT``)."""
    return {
        op.operation_id: {"operationId": op.operation_id}
        for op in OPERATIONS
        if op.operation_id in implemented
        and "{" not in op.path
        and op.operation_id != "AccountsResource_get_get"
    }


def extra_links(implemented: set[str]) -> dict[tuple[str, str, str], dict[str, Link]]:
    """Links that inference does not find, by the path, method and status that answer them."""
    sub_account = "#/paths/~1account~1sub~1{accountId}"
    return {
        ("/account", "get", "200"): links_from_the_account(implemented),
        # A new sub-account's id names it in the operations of /account/sub/{accountId}.
        ("/account/sub", "put", "200"): {
            f"{method.capitalize()}SubAccount": {
                "operationRef": f"{sub_account}/{method}",
                "parameters": {"path.accountId": "$response.body#/accountId"},
            }
            for method in ("get", "post", "delete")
        },
        # Authorizations on several of one's devices at once.
        ("/smartlock", "get", "200"): {
            "CreateAuthorizations": {
                "operationId": "SmartlocksAuthsResource_put_put",
                "requestBody": {"smartlockIds": ["$response.body#/*/smartlockId"]},
            }
        },
    }


def linked_spec(implemented: set[str]) -> dict[str, Any]:
    """The vendor's description as the service behaves, with the links above."""
    spec = copy.deepcopy(erratum_spec())
    for (path, method, status), links in extra_links(implemented).items():
        response = spec["paths"][path][method]["responses"][status]
        response.setdefault("links", {}).update(links)
    return spec


# Operations the vendor's spec describes (the extra PUT /smartlock it omits has no schema here).
IMPLEMENTED = implemented_operation_ids(ROUTERS) & {op.operation_id for op in OPERATIONS}
SCHEMA = schemathesis.openapi.from_dict(linked_spec(IMPLEMENTED)).include(
    operation_id=sorted(IMPLEMENTED)
)


@SCHEMA.hook
def flatmap_case(context: schemathesis.HookContext, case: Case) -> st.SearchStrategy[Case]:
    """Half the bodies get plausible values where the spec states rules only in prose (an
    email, a password of 7 characters, a language), so that creations succeed and feed later
    steps."""
    if context.operation is None or not isinstance(case.body, dict):
        return st.just(case)
    declared = declared_fields(context.operation)
    plausible = plausible_fields("stateful").map(
        lambda fields: with_plausible_fields(case, fields, declared)
    )
    return st.one_of(st.just(case), plausible)


SCENARIOS = 120  # per backend
STEPS = 12  # at most, per scenario
ROUNDS = 6  # at most: a round ends early when the server's state made generation inconsistent
STATEFUL_SETTINGS = settings(
    max_examples=SCENARIOS,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class Tenant:
    """The account a scenario acts as. Each scenario starts with a new one, copied from a
    template (argon2 hashes its password once) and given one object of each kind, so that what
    one scenario did does not change what the next one generates, and the same seed gives the
    same run; it is deleted (with the sub-accounts and emails it made) when the scenario ends."""

    def __init__(self, server: RunningServer, contract: ContractValidator) -> None:
        self._ctx = server.ctx
        self._server = server
        self._template = make_account(server, contract)
        self.scenarios = 0
        self.account_id = self._template.account_id
        self.credentials = Credentials(server, self.account_id, self._template.token)

    def start(self) -> None:
        self.scenarios += 1
        with self._ctx.db.transaction() as conn:
            self.account_id = account_store.insert_account(conn, self._template_values(conn))
        _key, token = api_keys.issue_token_for_account(self._ctx, self.account_id, "stateful")
        seed_objects(self._ctx, self._ctx.tokens.authenticate(f"Bearer {token}"))
        self.credentials = Credentials(self._server, self.account_id, token)

    def end(self) -> None:
        with self._ctx.db.transaction() as conn:
            account_store.delete_account(conn, self.account_id)
        self._ctx.tokens.invalidate()

    def close(self) -> None:
        self._template.api.close()

    def _template_values(self, conn: Connection) -> dict[str, Any]:
        """The template's row for a new account of its own (its email is the unique key)."""
        template = accounts.c.account_id == self._template.account_id
        values = dict(conn.execute(select(accounts).where(template)).mappings().one())
        del values["account_id"]
        email = unique_email("stateful")
        return values | {"email": email, "email_key": email}


SEEDED_NOTIFICATION = NotificationBody.model_validate(
    {"pushId": "seeded", "os": 0, "settings": [{"triggerEvents": ["lock"]}]}
).model_dump()


def seed_objects(ctx: ServiceContext, caller: Caller) -> None:
    """What the lists that start sequences name: an opener, a smart door and a lock, an account
    user authorized on the lock, a decentral webhook and a notification. Made through the
    services: quicker than over HTTP, where it is tested elsewhere."""
    devices = [smartlocks.add_device(ctx, caller.account_id, kind, "Seeded") for kind in (2, 3, 4)]
    user = account_users.create_user(ctx, caller, unique_email("seeded"), "Seeded", None, None)
    new = NewAuthorization("Seeded", remote_allowed=True, account_user_id=user.account_user_id)
    authorizations.create(ctx, caller, [devices[-1].smartlock_id], new)
    webhook_subscriptions.create_decentral(
        ctx, caller, "http://127.0.0.1:9/seeded", ["DEVICE_LOGS"]
    )
    notifications.create_notification(ctx, caller, SEEDED_NOTIFICATION)


class Findings:
    """What the checks found, each with the steps of its scenario: recorded rather than raised,
    so that Hypothesis never replays a scenario against a server whose state has moved on."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.found: list[str] = []

    def step(self, case: Case, response: schemathesis.Response) -> None:
        self.steps.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

    def add(self, error: BaseException) -> None:
        self.found.append("\n  ".join([*self.steps, f"{type(error).__name__}: {error}"]))


def workflow(
    server: RunningServer,
    contract: ContractValidator,
    tenant: Tenant,
    findings: Findings,
    session: requests.Session,
) -> type[APIStateMachine]:
    """The state machine, calling the test server as the tenant."""

    class Workflow(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            tenant.start()
            findings.steps = []

        def teardown(self) -> None:
            tenant.end()

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:  # noqa: ARG002
            return {
                "base_url": server.base_url,
                "session": session,
                "headers": tenant.credentials.headers,
            }

        def after_call(self, response: schemathesis.Response, case: Case) -> None:
            super().after_call(response, case)
            findings.step(case, response)
            tenant.credentials.after(response)

        def validate_response(
            self,
            response: schemathesis.Response,
            case: Case,
            additional_checks: Any = None,  # noqa: ARG002
            **kwargs: Any,
        ) -> None:
            try:
                case.validate_response(
                    response,
                    checks=[not_a_server_error],
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
                contract.validate(as_httpx(response))
            except (AssertionError, FailureGroup) as error:
                findings.add(error)

    return Workflow


def test_stateful_fuzz(server: RunningServer, contract: ContractValidator) -> None:
    tenant = Tenant(server, contract)
    findings = Findings()
    try:
        with requests.Session() as session:
            machine = workflow(server, contract, tenant, findings, session)
            for round_seed in range(ROUNDS):
                remaining = SCENARIOS - tenant.scenarios
                if remaining <= 0:
                    break
                try:
                    seed(round_seed)(machine).run(
                        settings=settings(STATEFUL_SETTINGS, max_examples=remaining)
                    )
                except Flaky:
                    continue  # generation met a state it had not met with the same choices
    finally:
        tenant.close()
    assert not findings.found, "\n\n".join(findings.found)
    assert tenant.scenarios >= SCENARIOS // 2, f"only {tenant.scenarios} scenarios ran"
