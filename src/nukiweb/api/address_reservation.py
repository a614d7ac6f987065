"""Tag AddressReservation: the bookings of an address, and the guest access they issue."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import authorized, json_list_response, no_content, operation
from nukiweb.api.models.short_rental import AddressReservation, ReservationAccessTimesUpdate
from nukiweb.api.parameters import Int32Id, TextId
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import reservations

router = APIRouter(route_class=CheckedRoute)


@operation(router, "AddressReservationsResource_get_get", response_model=list[AddressReservation])
async def list_reservations(request: Request, addressId: Int32Id) -> Response:
    """``startDate`` and ``endDate`` are the check-in and check-out instants: the booking's
    days at the address's (or the reservation's custom) times, in the address's time zone."""
    call = authorized(request)
    found = reservations.list_reservations(call.ctx, call.caller, addressId)
    return json_list_response([AddressReservation.of(shown) for shown in found], AddressReservation)


@operation(router, "AddressReservationIssueResource_post_post", status_code=204)
async def issue(request: Request, addressId: Int32Id, id: TextId) -> Response:  # noqa: A002 - the vendor's parameter name
    """Issues the guest's access now, until check-out; asynchronous, as authorizations are."""
    call = authorized(request)
    reservations.issue(call.ctx, call.caller, addressId, id)
    return no_content()


@operation(router, "AddressReservationRevokeResource_post_post", status_code=204)
async def revoke(request: Request, addressId: Int32Id, id: TextId) -> Response:  # noqa: A002 - the vendor's parameter name
    """Revokes the guest's access; automation does not issue it again (``issue`` does)."""
    call = authorized(request)
    reservations.revoke(call.ctx, call.caller, addressId, id)
    return no_content()


@operation(router, "ReservationAccessTimesUpdateResource_post_post", status_code=204)
async def update_access_times(
    request: Request,
    addressId: Int32Id,
    id: TextId,  # noqa: A002 - the vendor's parameter name
    body: ReservationAccessTimesUpdate,
) -> Response:
    """Custom check-in and check-out times for this stay (a field left out: the address's);
    access already issued moves with them."""
    call = authorized(request)
    reservations.update_access_times(
        call.ctx, call.caller, addressId, id, body.checkInTime, body.checkOutTime
    )
    return no_content()
