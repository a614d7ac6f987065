"""The ASGI application: one router per vendor tag, placeholders for the rest, Swagger UI."""

from __future__ import annotations

from fastapi import FastAPI

from nukiweb.api import account, api_key, errors, swagger, unimplemented
from nukiweb.services.context import ServiceContext

ROUTERS = (account.router, api_key.router)


def create_app(ctx: ServiceContext) -> FastAPI:
    app = FastAPI(
        title="Nuki API",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.ctx = ctx
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    # Mounted before the placeholders so that the swagger path is not taken by another route.
    swagger.install(app)
    unimplemented.add_placeholders(app, unimplemented.implemented_operation_ids(ROUTERS))
    return app
