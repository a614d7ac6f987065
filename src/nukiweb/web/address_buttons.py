"""The buttons of an address's page that act on its reservations and units: Issue, Revoke,
the custom access times of a stay, Add unit and Delete.

Each calls the use case of the API operation it mirrors (a sub-account needs that operation's
rights); what the service refuses is the address's page again with its message.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from nukiweb.api.errors import status_of
from nukiweb.domain.errors import NukiwebError
from nukiweb.domain.identity import Caller
from nukiweb.services import addresses, reservations
from nukiweb.services.context import ServiceContext
from nukiweb.web.pages import (
    context_of,
    form_text,
    page_router,
    posted_form,
    redirect,
    require_rights,
    require_session,
)
from nukiweb.web.short_rental import (
    ADDRESS_PATH,
    address_id_of,
    address_page_response,
    address_url,
)
from nukiweb.web.short_rental_views import minutes_of

RESERVATION_PATH = ADDRESS_PATH + "/reservations/{reservation_id}"
RESERVATION_OPERATION = "/address/{addressId}/reservation/{id}"
_ID_LENGTH = 40  # longer than any id: one cut short names nothing, as a whole one would not

# What a button does: with the context, the caller, the address's id and the posted form.
Act = Callable[[ServiceContext, Caller, int, FormData], object]

router = page_router()


@router.post(RESERVATION_PATH + "/issue")
async def issue(request: Request, address_id: str, reservation_id: str) -> Response:
    def act(ctx: ServiceContext, caller: Caller, found: int, _form: FormData) -> None:
        reservations.issue(ctx, caller, found, reservation_id[:_ID_LENGTH])

    operation = ("AddressReservation", "POST", f"{RESERVATION_OPERATION}/issue")
    return await _press(request, address_id, operation, act, "issued")


@router.post(RESERVATION_PATH + "/revoke")
async def revoke(request: Request, address_id: str, reservation_id: str) -> Response:
    def act(ctx: ServiceContext, caller: Caller, found: int, _form: FormData) -> None:
        reservations.revoke(ctx, caller, found, reservation_id[:_ID_LENGTH])

    operation = ("AddressReservation", "POST", f"{RESERVATION_OPERATION}/revoke")
    return await _press(request, address_id, operation, act, "revoked")


@router.post(RESERVATION_PATH + "/access-times")
async def update_access_times(request: Request, address_id: str, reservation_id: str) -> Response:
    """Custom check-in and check-out times for one stay; an empty field: the address's."""

    def act(ctx: ServiceContext, caller: Caller, found: int, form: FormData) -> None:
        reservations.update_access_times(
            ctx,
            caller,
            found,
            reservation_id[:_ID_LENGTH],
            minutes_of("checkInTime", form_text(form, "check_in", 40)),
            minutes_of("checkOutTime", form_text(form, "check_out", 40)),
        )

    operation = ("AddressReservation", "POST", f"{RESERVATION_OPERATION}/update/accesstimes")
    return await _press(request, address_id, operation, act, "times")


@router.post(ADDRESS_PATH + "/units")
async def create_unit(request: Request, address_id: str) -> Response:
    def act(ctx: ServiceContext, caller: Caller, found: int, form: FormData) -> None:
        addresses.create_unit(ctx, caller, found, form_text(form, "name", 1000))

    operation = ("Address", "PUT", "/address/{addressId}/unit")
    return await _press(request, address_id, operation, act, "unit")


@router.post(ADDRESS_PATH + "/units/{unit_id}/delete")
async def delete_unit(request: Request, address_id: str, unit_id: str) -> Response:
    """Asynchronous, as ``DELETE /address/{addressId}/unit/{id}``: the unit goes once what its
    token issued has left the devices."""

    def act(ctx: ServiceContext, caller: Caller, found: int, _form: FormData) -> None:
        addresses.delete_units(ctx, caller, found, [unit_id[:_ID_LENGTH]])

    operation = ("Address", "DELETE", "/address/{addressId}/unit/{id}")
    return await _press(request, address_id, operation, act, "unit-deleted")


async def _press(
    request: Request,
    address_id: str,
    operation: tuple[str, str, str],
    act: Act,
    notice: str,
) -> Response:
    """A button's form: checked, done, and the address's page with ``notice`` (one of
    ``short_rental.NOTICES``), or with why it was refused."""
    session = require_session(request)
    form = await posted_form(request, session)
    found = address_id_of(address_id)
    try:
        require_rights(session, *operation)
        act(context_of(request), session.caller, found, form)
    except NukiwebError as refused:
        return address_page_response(request, session, found, refused.message, status_of(refused))
    return redirect(f"{address_url(found)}?notice={notice}")
