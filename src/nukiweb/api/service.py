"""Tag Service: the booking sources an account links to its addresses (iCal feeds)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_document_response,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.short_rental import Service
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import booking_services

router = APIRouter(route_class=CheckedRoute)

ServiceId = Annotated[str, Path(max_length=32)]


@operation(router, "ServicesResource_get_get", response_model=list[Service])
async def list_services(request: Request, serviceIds: str | None = None) -> Response:
    """``serviceIds``: comma-separated; names of services nukiweb does not have are left out."""
    call = authorized(request)
    services = booking_services.list_services(call.ctx, call.caller, serviceIds)
    return json_list_response([Service.of(service) for service in services], Service)


@operation(router, "ServiceResource_get_get", response_model=Service)
async def get_service(request: Request, serviceId: ServiceId) -> Response:
    call = authorized(request)
    return json_response(Service.of(booking_services.get_service(call.ctx, call.caller, serviceId)))


@operation(router, "ServiceLinkResource_post_post", response_model=str)
async def link(request: Request, serviceId: ServiceId) -> Response:
    """The URL of the page where the user links a listing: pastes its iCal export feed's URL
    and picks the address (the vendor answers the platform's consent page)."""
    call = authorized(request)
    return json_document_response(booking_services.link_page_url(call.ctx, serviceId))


@operation(router, "ServiceSyncResource_post_post", status_code=204)
async def sync(request: Request, serviceId: ServiceId) -> Response:
    """Fetches the service's linked feeds now; a feed that fails leaves its error on the
    service (``listings[].syncError``), and its reservations as they were."""
    call = authorized(request)
    await booking_services.sync(call.ctx, call.caller, serviceId)
    return no_content()


@operation(router, "ServiceUnlinkResource_post_post", status_code=204)
async def unlink(request: Request, serviceId: ServiceId) -> Response:
    """Its feeds are no longer fetched; reservations and the access they issued stay."""
    call = authorized(request)
    booking_services.unlink(call.ctx, call.caller, serviceId)
    return no_content()
