"""The vendor operations nukiweb does not implement yet: each answers 501 with a JSON body,
after the same authentication as a real one, and docs/conformance.md lists it as missing."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from nukiweb.api.endpoint import guard, security_requirement
from nukiweb.api.operation import Operation
from nukiweb.api.operations import OPERATIONS
from nukiweb.domain.errors import NotImplementedOperation


def implemented_operation_ids(routers: Iterable[APIRouter]) -> set[str]:
    return {
        route.operation_id
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.operation_id
    }


def _placeholder(op: Operation) -> Callable[[], Coroutine[Any, Any, None]]:
    async def not_implemented() -> None:
        raise NotImplementedOperation(op.operation_id)

    return not_implemented


def add_placeholders(app: FastAPI, implemented: set[str]) -> None:
    """Registers a 501 route for every vendor operation that no router implements."""
    router = APIRouter()
    for op in OPERATIONS:
        if op.operation_id in implemented:
            continue
        router.add_api_route(
            op.path,
            _placeholder(op),
            methods=[op.method],
            operation_id=op.operation_id,
            summary=op.summary,
            description="Not implemented by nukiweb yet: answers 501.",
            tags=[op.tag],
            dependencies=[Depends(guard(op))],
            responses={501: {"description": "Not implemented by nukiweb yet"}},
            openapi_extra={"security": security_requirement(op)},
        )
    app.include_router(router)
