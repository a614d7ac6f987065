"""Binding a router function to a vendor operation, with the checks that operation needs.

``@operation(router, "AccountsResource_get_get")`` takes the method, path, tag and summary from
the generated table, and guards the route: the bearer token must hold one of the scopes of the
operation's security entry, and a sub-account one of the rights it needs. Routers then declare
``caller: CallerDep`` to receive the authenticated caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request

from nukiweb.api.operation import Operation
from nukiweb.api.operations import OPERATIONS
from nukiweb.domain.identity import Caller
from nukiweb.domain.rights import required_rights
from nukiweb.services.context import ServiceContext

OPERATIONS_BY_ID: dict[str, Operation] = {op.operation_id: op for op in OPERATIONS}

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def guard(op: Operation) -> Callable[[Request], Any]:
    needed = required_rights(op.tag, op.method, op.path)
    accepted = op.security

    async def authorize(request: Request) -> None:
        if accepted is None:
            return
        ctx: ServiceContext = request.app.state.ctx
        caller = ctx.tokens.authenticate(request.headers.get("authorization"))
        caller.require_scope(accepted)
        caller.require_rights(needed)
        request.state.caller = caller

    return authorize


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
    description: str | None = None,
) -> Callable[[Endpoint], Endpoint]:
    op = OPERATIONS_BY_ID[operation_id]

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(
            op.path,
            endpoint,
            methods=[op.method],
            operation_id=op.operation_id,
            summary=op.summary,
            description=description or endpoint.__doc__ or "",
            tags=[op.tag],
            status_code=status_code,
            response_model=response_model,
            response_model_exclude_none=True,
            dependencies=[Depends(guard(op))],
            openapi_extra={"security": security_requirement(op)},
        )
        return endpoint

    return register


async def _caller(request: Request) -> Caller:
    caller: Caller = request.state.caller
    return caller


async def _context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Int32Id = Annotated[int, Path(ge=0, le=2**31 - 1)]
"""A numeric id in a path; ids are int32 in the spec's schemas."""

CallerDep = Annotated[Caller, Depends(_caller)]
ContextDep = Annotated[ServiceContext, Depends(_context)]
