"""The ASGI application: one router per vendor tag, the simulator's, the pages, Swagger UI."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from nukiweb import web
from nukiweb.api import (
    account,
    account_subscription,
    account_user,
    address,
    address_reservation,
    address_token,
    advanced_actions,
    advanced_api,
    api_key,
    company,
    errors,
    notification,
    opener,
    service,
    simulator,
    smartlock,
    smartlock_auth,
    smartlock_log,
    subscription,
    swagger,
)
from nukiweb.services import instances, integrations, jobs
from nukiweb.services.context import ServiceContext
from nukiweb.webhooks.addresses import Resolver, resolve_with_system
from nukiweb.webhooks.delivery import DeliveryWorker

ROUTERS = (
    account.router,
    advanced_actions.router,
    account_user.router,
    address.router,
    address_reservation.router,
    address_token.router,
    advanced_api.router,
    api_key.router,
    company.router,
    notification.router,
    service.router,
    smartlock.router,
    smartlock_auth.router,
    smartlock_log.router,
    opener.router,
    subscription.router,
    account_subscription.router,
)


def implemented_operation_ids(routers: Iterable[APIRouter]) -> set[str]:
    """The operation ids the routers serve (docs/conformance.md compares them with the spec)."""
    return {
        route.operation_id
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.operation_id
    }


def create_app(
    ctx: ServiceContext, *, simulator_api: bool = False, webhook_resolver: Resolver | None = None
) -> FastAPI:
    """The app; ``simulator_api`` adds nukiweb's simulator control API under /simulator;
    ``webhook_resolver`` resolves webhooks' host names (default: the system's resolver)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ctx.db.keep_reader()  # on the event loop's thread, where requests read
        await ctx.db.open_async_readers()
        # The ~145,000 objects of the modules, routes and models made at start-up live as long
        # as the process: out of the cyclic collector's reach, a full collection walks the
        # few thousand made since instead of all of them (measured: 190-255 ms → under 10 ms
        # on a loaded 2-core box, a pause every request in flight waits out; bench/README.md).
        gc.collect()
        gc.freeze()
        worker = DeliveryWorker(ctx, resolve=webhook_resolver or resolve_with_system)
        ctx.on_event = worker.wake
        delivering = asyncio.create_task(worker.run())
        # Under a lease before it holds anything (services/instances.py); changes that an
        # instance now gone sent and no device confirmed are sent again.
        await to_thread.run_sync(instances.join, ctx)
        await instances.send_unconfirmed_again(ctx)
        stopping = asyncio.Event()
        leasing = asyncio.create_task(instances.keep_lease(ctx, stopping))
        runner = jobs.JobRunner(ctx)
        ctx.on_job = runner.wake
        running = asyncio.create_task(runner.run())
        # Tokens' last activity, noted in memory as requests authenticate, written once a
        # minute and at shutdown.
        served = asyncio.Event()
        recording = asyncio.create_task(integrations.keep_recording_activity(ctx, served))
        brokered = None if ctx.broker is None else asyncio.create_task(ctx.broker.run(served))
        yield
        served.set()
        await recording
        if brokered is not None:
            await brokered
        ctx.on_job = None
        runner.stop()
        await running
        stopping.set()
        await leasing
        await to_thread.run_sync(instances.leave, ctx)
        ctx.on_event = None
        await worker.stop()
        await delivering
        await ctx.db.close_async_readers()
        ctx.db.release_reader()

    app = FastAPI(
        title="Nuki API",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        # nukiweb configures no OpenTelemetry: spare every request FastAPI's look for it.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.ctx = ctx
    # The pages' simulator panel exists exactly when the simulator control API does.
    app.state.simulator_api = simulator_api
    errors.install(app)
    routers: list[APIRouter] = [*ROUTERS]
    if simulator_api:
        routers.append(simulator.router)
    routes = [route for router in routers for route in router.routes]
    # The API's routes first: a request is matched against each route in turn, and the pages'
    # routers (each matched route by route) before them cost GET /account a third of its time.
    # No path of the one kind matches a route of the other (tests/api/test_routing.py), so the
    # order decides nothing but the cost.
    app.router.routes.extend(sorted(routes, key=_literal_segments_first))
    swagger.install(app)
    web.install(app)
    return app


def _literal_segments_first(route: object) -> tuple[int, ...]:
    """Routes are matched in order: ``/smartlock/log`` must come before ``/smartlock/{id}``."""
    path = route.path if isinstance(route, APIRoute) else ""
    return tuple(int(segment.startswith("{")) for segment in path.strip("/").split("/"))
