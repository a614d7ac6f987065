"""The vendor operations nukiweb does not implement yet: each answers 501 with a JSON body,
after the same authentication as a real one, and docs/conformance.md lists it as missing."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute

from nukiweb.api.endpoint import OPERATIONS_BY_ID, authorize, security_requirement
from nukiweb.api.operations import OPERATIONS
from nukiweb.api.routing import CheckedRoute
from nukiweb.domain.errors import NotImplementedOperation
from nukiweb.services.context import ServiceContext


def implemented_operation_ids(routers: Iterable[APIRouter]) -> set[str]:
    return {
        route.operation_id
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.operation_id
    }


async def not_implemented(request: Request) -> None:
    """Authenticates like the real operation would, then answers 501."""
    ctx: ServiceContext = request.app.state.ctx
    operation_id = request.scope["route"].operation_id
    if not OPERATIONS_BY_ID[operation_id].is_public:
        authorize(ctx, operation_id, request.headers.get("authorization"))
    raise NotImplementedOperation(operation_id)


def placeholders(implemented: set[str]) -> APIRouter:
    """A 501 route for every vendor operation that no router implements."""
    router = APIRouter(route_class=CheckedRoute)
    for op in OPERATIONS:
        if op.operation_id in implemented:
            continue
        router.add_api_route(
            op.path,
            not_implemented,
            methods=[op.method],
            operation_id=op.operation_id,
            summary=op.summary,
            description="Not implemented by nukiweb yet: answers 501.",
            tags=[op.tag],
            responses={501: {"description": "Not implemented by nukiweb yet"}},
            openapi_extra={"security": security_requirement(op)},
        )
    return router
