"""Binding a router function to a vendor operation, with the checks that operation needs.

``@operation(router, "AccountsResource_get_get")`` takes the method, path, tag and summary from
the generated table. Routers declare ``call: AuthorizedCall`` to receive the service context and
the authenticated caller: the bearer token holds one of the scopes of the operation's security
entry, and a sub-account holds one of the rights the operation needs. It is one dependency, and
responses are serialised once by their own model, because every request passes through here
(bench/README.md has the figures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request, Response
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
# operationId → (the scopes of which the token needs one, the rights a sub-account needs)
_REQUIREMENTS: dict[str, tuple[tuple[str, ...] | None, Rights]] = {
    op.operation_id: (op.security, required_rights(op.tag, op.method, op.path))
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


async def _authorized_call(request: Request) -> Call:
    ctx: ServiceContext = request.app.state.ctx
    operation_id = request.scope["route"].operation_id
    return Call(ctx, authorize(ctx, operation_id, request.headers.get("authorization")))


async def _token_call(request: Request) -> Call:
    """Any valid token, whatever its scopes: for nukiweb's own simulator control API."""
    ctx: ServiceContext = request.app.state.ctx
    return Call(ctx, ctx.tokens.authenticate(request.headers.get("authorization")))


async def _context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


AuthorizedCall = Annotated[Call, Depends(_authorized_call)]
TokenCall = Annotated[Call, Depends(_token_call)]
ContextDep = Annotated[ServiceContext, Depends(_context)]
"""For the operations the vendor leaves open to anyone."""

Int32Id = Annotated[int, Path(ge=0, le=2**31 - 1)]
"""A numeric id in a path; ids are int32 in the spec's schemas."""


def security_requirement(op: Operation) -> list[dict[str, list[str]]]:
    if op.security is None:
        return []
    return [{"oauth": list(op.security)}, {"api_key": []}]


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


_LISTS: dict[type[BaseModel], TypeAdapter[Any]] = {}


def json_list_response(models: Sequence[BaseModel], model_type: type[BaseModel]) -> Response:
    adapter = _LISTS.get(model_type)
    if adapter is None:
        adapter = _LISTS[model_type] = TypeAdapter(list[model_type])  # type: ignore[valid-type]
    body = adapter.dump_json(list(models), exclude_none=True)
    return Response(body, media_type="application/json")
