"""Tag Address: rental properties, the devices that open them, and their units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from nukiweb.api.advanced_actions import AdvancedConfirmationResponse
from nukiweb.api.endpoint import (
    authorized,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.short_rental import (
    Address,
    AddressCreate,
    AddressUnit,
    AddressUnitResponse,
    AddressUpdate,
)
from nukiweb.api.parameters import Int32Id, TextId
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import addresses

router = APIRouter(route_class=CheckedRoute)


@operation(router, "AddressesResource_get_get", response_model=list[Address])
async def list_addresses(request: Request) -> Response:
    call = authorized(request)
    found = addresses.list_addresses(call.ctx, call.caller)
    return json_list_response([Address.of(address) for address in found], Address)


@operation(router, "AddressesResource_put_put", response_model=Address)
async def create_address(request: Request, body: AddressCreate) -> Response:
    """Besides the spec's name and smartlockIds: ``timeZone`` (IANA, default UTC),
    ``checkInTime`` and ``checkOutTime`` (minutes after midnight, local; default 15:00 and
    11:00) and ``settings``."""
    call = authorized(request)
    address = addresses.create_address(
        call.ctx,
        call.caller,
        body.name,
        body.smartlockIds,
        time_zone=body.timeZone,
        check_in_time=body.checkInTime,
        check_out_time=body.checkOutTime,
        settings=body.settings,
    )
    return json_response(Address.of(address))


@operation(router, "AddressResource_post_post", status_code=204)
async def update_address(request: Request, addressId: Int32Id, body: AddressUpdate) -> Response:
    """Only the fields sent change; what the address's reservations issued follows."""
    call = authorized(request)
    addresses.update_address(call.ctx, call.caller, addressId, body.model_dump(exclude_unset=True))
    return no_content()


@operation(router, "AddressResource_delete_delete", status_code=204)
async def delete_address(request: Request, addressId: Int32Id) -> Response:
    """Revokes what the address issued (asynchronously), and deletes it with its units,
    tokens, feed and reservations."""
    call = authorized(request)
    addresses.delete_address(call.ctx, call.caller, addressId)
    return no_content()


@operation(router, "AddressUnitsResource_get_get", response_model=list[AddressUnitResponse])
async def list_units(request: Request, addressId: Int32Id) -> Response:
    call = authorized(request)
    units = addresses.list_units(call.ctx, call.caller, addressId)
    return json_list_response([AddressUnitResponse.of(unit) for unit in units], AddressUnitResponse)


@operation(router, "AddressUnitsResource_put_put", response_model=AddressUnitResponse)
async def create_unit(request: Request, addressId: Int32Id, body: AddressUnit) -> Response:
    """A unit, with an address token of its own."""
    call = authorized(request)
    unit = addresses.create_unit(call.ctx, call.caller, addressId, body.name)
    return json_response(AddressUnitResponse.of(unit))


@operation(
    router, "AddressUnitsResource_delete_delete", response_model=AdvancedConfirmationResponse
)
async def delete_units(
    request: Request, addressId: Int32Id, body: Annotated[list[str], Body()]
) -> Response:
    """Asynchronous: each unit goes once its token's authorizations have left the devices;
    meanwhile it carries the ``operationId`` answered as ``requestId``, and deleting it again
    answers 423."""
    call = authorized(request)
    operation_id = addresses.delete_units(call.ctx, call.caller, addressId, body)
    return json_response(AdvancedConfirmationResponse(requestId=operation_id))


@operation(router, "AddressUnitResource_delete_delete", response_model=AdvancedConfirmationResponse)
async def delete_unit(request: Request, addressId: Int32Id, id: TextId) -> Response:  # noqa: A002 - the spec's name
    """As deleting several: asynchronous, 423 while it is under way."""
    call = authorized(request)
    operation_id = addresses.delete_units(call.ctx, call.caller, addressId, [id])
    return json_response(AdvancedConfirmationResponse(requestId=operation_id))
