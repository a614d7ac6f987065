"""Binding a router function to a vendor operation, with the checks that operation needs.

``@operation(router, "AccountsResource_get_get")`` takes the method, path, tag and summary from
the generated table. An endpoint's first line, ``call = authorized(request)``, gives it the
service context and the authenticated caller: the bearer token holds one of the scopes of the
operation's security entry, and a sub-account holds one of the rights the operation needs.
Responses are serialised once, by their own model: every request passes through here
(bench/README.md has the figures).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, TypeAdapter

from nukiweb.api.extra_operations import EXTRA_OPERATIONS
from nukiweb.api.operation import Operation
from nukiweb.api.operations import OPERATIONS
from nukiweb.domain.identity import Caller
from nukiweb.domain.rights import Rights, required_rights
from nukiweb.services.context import ServiceContext

OPERATIONS_BY_ID: dict[str, Operation] = {
    op.operation_id: op for op in (*OPERATIONS, *EXTRA_OPERATIONS)
}
# Operations on an account's own data that the vendor's spec leaves without a security entry,
# unlike their siblings: nukiweb asks them for the scope their siblings ask for
# (docs/conformance.md, "Deliberate differences").
SECURITY_ERRATA: dict[str, tuple[str, ...]] = {
    "AddressesResource_put_put": ("account",),
    "AddressResource_delete_delete": ("account",),
    "AddressTokensResource_get_get": ("account",),
}
# operationId → (the scopes of which the token needs one, the rights a sub-account needs)
_REQUIREMENTS: dict[str, tuple[tuple[str, ...] | None, Rights]] = {
    op.operation_id: (
        SECURITY_ERRATA.get(op.operation_id, op.security),
        required_rights(op.tag, op.method, op.path),
    )
    for op in OPERATIONS_BY_ID.values()
}

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Call:
    """What an authorized operation works with: the services' context and who is calling."""

    ctx: ServiceContext
    caller: Caller


def authorize(ctx: ServiceContext, operation_id: str, authorization: str | None) -> Caller:
    accepted, needed = _REQUIREMENTS[operation_id]
    caller = ctx.tokens.authenticate(authorization)
    caller.require_scope(accepted or ())
    caller.require_rights(needed)
    return caller


def authorized(request: Request) -> Call:
    """The call of the operation this request is routed to, once its token and the caller's
    rights allow it; the first line of every authenticated endpoint. (A call rather than a
    FastAPI dependency: resolving one costs a fifth of a request on the hot path.)"""
    ctx: ServiceContext = request.app.state.ctx
    operation_id = request.scope["route"].operation_id
    return Call(ctx, authorize(ctx, operation_id, request.headers.get("authorization")))


def check_access(request: Request) -> None:
    """What ``authorized`` (or ``token_call``) would refuse, checked ahead: FastAPI validates
    parameters before an endpoint runs, and a caller without access learns 401 or 403 before
    anything about its input."""
    route = request.scope.get("route")
    operation_id = getattr(route, "operation_id", None)
    if operation_id in _REQUIREMENTS:
        if _REQUIREMENTS[operation_id][0] is not None:
            authorized(request)
    elif operation_id is not None and operation_id.startswith("simulator_"):
        token_call(request)


def token_call(request: Request) -> Call:
    """Any valid token, whatever its scopes: for nukiweb's own simulator control API."""
    ctx: ServiceContext = request.app.state.ctx
    return Call(ctx, ctx.tokens.authenticate(request.headers.get("authorization")))


def security_requirement(op: Operation) -> list[dict[str, list[str]]]:
    security = SECURITY_ERRATA.get(op.operation_id, op.security)
    if security is None:
        return []
    return [{"oauth": list(security)}, {"api_key": []}]


def operation(
    router: APIRouter,
    operation_id: str,
    *,
    status_code: int = 200,
    response_model: Any = None,
) -> Callable[[Endpoint], Endpoint]:
    op = OPERATIONS_BY_ID[operation_id]

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(
            op.path,
            endpoint,
            methods=[op.method],
            operation_id=op.operation_id,
            summary=op.summary,
            description=endpoint.__doc__ or "",
            tags=[op.tag],
            status_code=status_code,
            response_model=response_model,
            openapi_extra={"security": security_requirement(op)},
        )
        return endpoint

    return register


NO_CONTENT = 204


def no_content() -> Response:
    return Response(status_code=NO_CONTENT)


def json_response(model: BaseModel) -> Response:
    """The model as the vendor serialises it: absent optional fields are left out."""
    return Response(model.model_dump_json(exclude_none=True), media_type="application/json")


def json_document_response(document: Any) -> Response:
    """A JSON document built by hand (dicts, lists, strings, numbers), serialised as is."""
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(body, media_type="application/json")


def json_body_response(body: bytes) -> Response:
    """A JSON body serialised already."""
    return Response(body, media_type="application/json")


_LISTS: dict[type[BaseModel], TypeAdapter[Any]] = {}


def json_list_response(models: Sequence[BaseModel], model_type: type[BaseModel]) -> Response:
    adapter = _LISTS.get(model_type)
    if adapter is None:
        adapter = _LISTS[model_type] = TypeAdapter(list[model_type])  # type: ignore[valid-type]
    body = adapter.dump_json(list(models), exclude_none=True)
    return Response(body, media_type="application/json")
