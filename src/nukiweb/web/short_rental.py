"""The Short rental pages: addresses (their devices, time zone, check-in and check-out times),
the booking feed linked to each, its reservations with the access issued to their guests, and
the page ``POST /service/{id}/link`` answers, where a listing's feed is linked to an address.
The buttons of the reservations and units are in ``address_buttons``.

Every change calls the use case the API's operation calls, as the signed-in account; a
sub-account needs the rights of that operation. What a service refuses is the page again with
its message (and the form as entered), never a half-made change.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from nukiweb.api.errors import status_of
from nukiweb.domain.errors import InvalidParameter, NotFound
from nukiweb.domain.short_rental import BOOKING_SERVICES
from nukiweb.services import addresses, booking_services, reservations, smartlocks
from nukiweb.services.context import ServiceContext
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.pages import (
    context_of,
    form_text,
    page_router,
    path_id,
    posted_form,
    redirect,
    render,
    require_rights,
    require_session,
)
from nukiweb.web.short_rental_views import (
    AddressForm,
    describe_address,
    describe_reservation,
    describe_unit,
    feeds_by_address,
    time_zones,
)

ADDRESSES_PATH = "/web/short-rental"
ADDRESS_PATH = ADDRESSES_PATH + "/{address_id}"
LINK_PATH = ADDRESSES_PATH + "/services/{service_id}/link"
MAX_ADDRESS_ID = 2**31 - 1  # the spec's addressId is an int32
_URL_LENGTH = 4000
NOTICES = {
    "created": "The address is created.",
    "saved": "The address is saved.",
    "deleted": "The address is deleted; the access it issued is being revoked.",
    "linked": "The booking feed is linked and its bookings are read.",
    "synced": "The booking feed was fetched.",
    "unlinked": "The booking feed is unlinked; its reservations stay.",
    "issued": "The guest's access is being issued.",
    "revoked": "The guest's access is being revoked.",
    "times": "The reservation's access times are saved.",
    "unit": "The unit is added.",
    "unit-deleted": "The unit is being deleted.",
}

router = page_router()


# --- addresses -------------------------------------------------------------------------------


@router.get(ADDRESSES_PATH)
async def addresses_page(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    require_rights(session, "Address", "GET", "/address")
    return _addresses_page(request, session, AddressForm(), notice=NOTICES.get(notice or ""))


@router.post(ADDRESSES_PATH)
async def create_address(request: Request) -> Response:
    session = require_session(request)
    entered = AddressForm.posted(await posted_form(request, session))
    require_rights(session, "Address", "PUT", "/address")
    try:
        address = addresses.create_address(
            context_of(request),
            session.caller,
            entered.name,
            entered.device_ids(),
            time_zone=entered.time_zone or None,
            check_in_time=entered.check_in_time(),
            check_out_time=entered.check_out_time(),
        )
    except InvalidParameter as refused:
        return _addresses_page(request, session, entered, refused.message, 400)
    return redirect(f"{address_url(address.address_id)}?notice=created")


def _addresses_page(
    request: Request,
    session: WebSession,
    entered: AddressForm,
    error: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    ctx = context_of(request)
    devices = smartlocks.list_devices(ctx, session.caller)
    names = {device.smartlock_id: device.name for device in devices}
    feeds = feeds_by_address(booking_services.list_services(ctx, session.caller))
    return render(
        request,
        "short_rental.html",
        session,
        status_code,
        page="short-rental",
        addresses=[
            describe_address(address, names, feeds)
            for address in addresses.list_addresses(ctx, session.caller)
        ],
        devices=devices,
        form=entered,
        time_zones=time_zones(),
        error=error,
        notice=notice,
    )


# --- one address -----------------------------------------------------------------------------


@router.get(ADDRESS_PATH)
async def address_page(request: Request, address_id: str, notice: str | None = None) -> Response:
    session = require_session(request)
    return address_page_response(
        request, session, address_id_of(address_id), notice=NOTICES.get(notice or "")
    )


@router.post(ADDRESS_PATH)
async def update_address(request: Request, address_id: str) -> Response:
    session = require_session(request)
    entered = AddressForm.posted(await posted_form(request, session))
    require_rights(session, "Address", "POST", "/address/{addressId}")
    found = address_id_of(address_id)
    try:
        addresses.update_address(context_of(request), session.caller, found, entered.changes())
    except InvalidParameter as refused:
        return address_page_response(request, session, found, refused.message, 400, entered=entered)
    return redirect(f"{address_url(found)}?notice=saved")


@router.get(ADDRESS_PATH + "/delete")
async def confirm_delete(request: Request, address_id: str) -> Response:
    """Deleting takes a second step: it revokes every guest's access at the address."""
    session = require_session(request)
    require_rights(session, "Address", "DELETE", "/address/{addressId}")
    ctx = context_of(request)
    address = addresses.get_address(ctx, session.caller, address_id_of(address_id))
    shown = reservations.list_reservations(ctx, session.caller, address.address_id)
    return render(
        request,
        "address_delete.html",
        session,
        page="short-rental",
        address=address,
        reservation_count=len(shown),
    )


@router.post(ADDRESS_PATH + "/delete")
async def delete_address(request: Request, address_id: str) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    require_rights(session, "Address", "DELETE", "/address/{addressId}")
    addresses.delete_address(context_of(request), session.caller, address_id_of(address_id))
    return redirect(f"{ADDRESSES_PATH}?notice=deleted")


def address_page_response(
    request: Request,
    session: WebSession,
    address_id: int,
    error: str | None = None,
    status_code: int = 200,
    *,
    notice: str | None = None,
    entered: AddressForm | None = None,
    feed_form: tuple[str, str] | None = None,
) -> Response:
    require_rights(session, "Address", "GET", "/address")
    require_rights(session, "AddressReservation", "GET", "/address/{addressId}/reservation")
    ctx = context_of(request)
    address = addresses.get_address(ctx, session.caller, address_id)
    devices = smartlocks.list_devices(ctx, session.caller)
    names = {device.smartlock_id: device.name for device in devices}
    feeds = feeds_by_address(booking_services.list_services(ctx, session.caller))
    now = ctx.clock.now()
    return render(
        request,
        "address.html",
        session,
        status_code,
        page="short-rental",
        shown=describe_address(address, names, feeds),
        devices=devices,
        form=entered or AddressForm.of(address),
        time_zones=time_zones(),
        services=BOOKING_SERVICES,
        feed_form=feed_form or (address.service_id or "airbnb", ""),
        reservations=[
            describe_reservation(reservation, address, now)
            for reservation in reservations.list_reservations(ctx, session.caller, address_id)
        ],
        units=[
            describe_unit(unit) for unit in addresses.list_units(ctx, session.caller, address_id)
        ],
        error=error,
        notice=notice,
    )


# --- its booking feed ------------------------------------------------------------------------


@router.post(ADDRESS_PATH + "/feed")
async def link_feed(request: Request, address_id: str) -> Response:
    """Links a listing's feed to the address (replacing the one it had)."""
    session = require_session(request)
    form = await posted_form(request, session)
    found = address_id_of(address_id)
    service_id = form_text(form, "service_id", 40)
    url = form_text(form, "url", _URL_LENGTH)
    try:
        await _link(request, session, service_id, found, url)
    except InvalidParameter as refused:
        return address_page_response(
            request, session, found, refused.message, 400, feed_form=(service_id, url)
        )
    return redirect(f"{address_url(found)}?notice=linked")


@router.post(ADDRESS_PATH + "/sync")
async def sync_feed(request: Request, address_id: str) -> Response:
    """Fetches the feeds of the address's service now; a fetch that fails is shown on the
    feed (as the API records it), not refused."""
    session = require_session(request)
    await posted_form(request, session)
    ctx = context_of(request)
    found = address_id_of(address_id)
    try:
        service_id = _linked_service(ctx, session, found)
        require_rights(session, "Service", "POST", "/service/{serviceId}/sync")
        await booking_services.sync(ctx, session.caller, service_id)
    except InvalidParameter as refused:
        return address_page_response(request, session, found, refused.message, 400)
    return redirect(f"{address_url(found)}?notice=synced")


@router.post(ADDRESS_PATH + "/unlink")
async def unlink_feed(request: Request, address_id: str) -> Response:
    """Unlinks the address's service (``POST /service/{id}/unlink``: the feeds of every
    address it feeds, which the button says)."""
    session = require_session(request)
    await posted_form(request, session)
    ctx = context_of(request)
    found = address_id_of(address_id)
    try:
        service_id = _linked_service(ctx, session, found)
        require_rights(session, "Service", "POST", "/service/{serviceId}/unlink")
        booking_services.unlink(ctx, session.caller, service_id)
    except InvalidParameter as refused:
        return address_page_response(request, session, found, refused.message, 400)
    return redirect(f"{address_url(found)}?notice=unlinked")


def _linked_service(ctx: ServiceContext, session: WebSession, address_id: int) -> str:
    """The service whose feed the address is linked to."""
    service_id = addresses.get_address(ctx, session.caller, address_id).service_id
    if service_id is None:
        raise InvalidParameter("serviceId", None, "The address has no booking feed linked.")
    return service_id


async def _link(
    request: Request, session: WebSession, service_id: str, address_id: int, url: str
) -> None:
    require_rights(session, "Service", "POST", "/service/{serviceId}/link")
    if not url:
        raise InvalidParameter("url", url, "Paste the listing's iCal export link.")
    await booking_services.link_feed(
        context_of(request), session.caller, service_id, address_id, url
    )


# --- the link page ---------------------------------------------------------------------------


@router.get(LINK_PATH)
async def link_page(request: Request, service_id: str) -> Response:
    """Where ``POST /service/{serviceId}/link`` sends the user."""
    session = require_session(request)
    require_rights(session, "Service", "POST", "/service/{serviceId}/link")
    return _link_page(request, session, service_id)


@router.post(LINK_PATH)
async def link_from_page(request: Request, service_id: str) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    url = form_text(form, "url", _URL_LENGTH)
    chosen = form_text(form, "address_id", 20)
    try:
        address_id = _chosen_address(chosen)
        await _link(request, session, _service_id(service_id), address_id, url)
    except (InvalidParameter, NotFound) as refused:
        status_code = status_of(refused)
        return _link_page(request, session, service_id, refused.message, status_code, url, chosen)
    return redirect(f"{address_url(address_id)}?notice=linked")


def _chosen_address(text: str) -> int:
    if not text:
        raise InvalidParameter("addressId", text, "Choose the address to link.")
    return address_id_of(text)


def _link_page(
    request: Request,
    session: WebSession,
    service_id: str,
    error: str | None = None,
    status_code: int = 200,
    url: str = "",
    chosen: str = "",
) -> Response:
    ctx = context_of(request)
    service = booking_services.get_service(ctx, session.caller, _service_id(service_id))
    return render(
        request,
        "feed_link.html",
        session,
        status_code,
        page="short-rental",
        service=service,
        addresses=addresses.list_addresses(ctx, session.caller),
        url=url,
        chosen=chosen,
        error=error,
    )


def _service_id(text: str) -> str:
    """A service of the link page's path; another name is no page (404)."""
    if text not in BOOKING_SERVICES:
        raise NotFound("service", text[:40])
    return text


# --- shared ----------------------------------------------------------------------------------


def address_id_of(text: str) -> int:
    """An address's id in a page's path or form; one that no address can have names nothing
    (as in the API)."""
    return path_id(text, "address", MAX_ADDRESS_ID)


def address_url(address_id: int) -> str:
    return f"{ADDRESSES_PATH}/{address_id}"
