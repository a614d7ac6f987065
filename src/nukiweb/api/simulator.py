"""nukiweb's simulator control API (not part of the vendor's API): provoke on simulated
hardware what real hardware does on its own. Served only with ``serve --simulator`` or
``--demo``; documented in docs/simulator.md. Any valid token of the account may use it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from nukiweb.api.endpoint import (
    json_list_response,
    json_response,
    no_content,
    token_call,
)
from nukiweb.api.models.common import RequestModel, ResponseModel
from nukiweb.api.parameters import Int32Id, SmartlockId, TextId
from nukiweb.api.routing import CheckedRoute
from nukiweb.domain.bookings import Booking
from nukiweb.domain.errors import InvalidParameter
from nukiweb.services import demo, jobs, reservations, simulator

router = APIRouter(prefix="/simulator", tags=["Simulator"], route_class=CheckedRoute)


class SimulatedBridge(ResponseModel):
    bridgeId: int
    name: str
    online: bool
    firmwareVersion: str
    smartlockIds: list[int]


class BridgeOnline(RequestModel):
    online: bool


class Fault(RequestModel):
    fault: Literal["motor_blocked"]


class Battery(RequestModel):
    charge: Annotated[float, Field(ge=0, le=100)]


class Door(RequestModel):
    open: bool


class Button(RequestModel):
    presses: Literal[1, 2] = 1


class Turn(RequestModel):
    action: Annotated[int, Field(ge=1, le=5)]


class Firmware(RequestModel):
    version: Annotated[str, Field(max_length=20)]


class Handle(RequestModel):
    handle: bool


class NightMode(RequestModel):
    enabled: bool


class Advance(RequestModel):
    seconds: Annotated[float, Field(ge=0, le=365 * 24 * 3600)]


class Keypad(RequestModel):
    paired: bool


class KeypadCode(RequestModel):
    code: Annotated[int, Field(ge=0, le=9_999_999)]


class OperateAs(RequestModel):
    action: Annotated[int, Field(ge=1, le=7)] = 1
    remote: bool = False


class InjectedBooking(RequestModel):
    uid: Annotated[str, Field(min_length=1, max_length=255)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(max_length=254)] | None = None
    guests: Annotated[int, Field(ge=1, le=1000)] = 1
    reference: Annotated[str, Field(max_length=100)] | None = None
    startDate: date
    endDate: date
    state: Literal["accepted", "canceled"] = "accepted"


class InjectedReservation(ResponseModel):
    id: str


class Clock(ResponseModel):
    manual: bool
    now: str


@router.get("/bridges", response_model=list[SimulatedBridge], operation_id="simulator_bridges")
async def list_bridges(request: Request) -> Response:
    """The account's bridges and the devices behind each."""
    call = token_call(request)
    bridges = [
        SimulatedBridge(
            bridgeId=bridge.bridge_id,
            name=bridge.name,
            online=bridge.online,
            firmwareVersion=bridge.firmware_version,
            smartlockIds=devices,
        )
        for bridge, devices in simulator.list_bridges(call.ctx, call.caller)
    ]
    return json_list_response(bridges, SimulatedBridge)


@router.post("/bridges/{bridgeId}/online", status_code=204, operation_id="simulator_bridge_online")
async def set_bridge_online(request: Request, bridgeId: Int32Id, body: BridgeOnline) -> Response:
    """Take a bridge offline (its devices show ``serverState`` 4) or bring it back."""
    call = token_call(request)
    simulator.set_bridge_online(call.ctx, call.caller, bridgeId, body.online)
    return no_content()


@router.post("/smartlocks/{smartlockId}/fault", status_code=204, operation_id="simulator_fault")
async def provoke_fault(request: Request, smartlockId: SmartlockId, body: Fault) -> Response:
    """The device's next action ends in this fault (``motor_blocked``)."""
    call = token_call(request)
    simulator.provoke_fault(call.ctx, call.caller, smartlockId, body.fault)
    return no_content()


@router.post("/smartlocks/{smartlockId}/battery", status_code=204, operation_id="simulator_battery")
async def set_battery(request: Request, smartlockId: SmartlockId, body: Battery) -> Response:
    """Set the battery charge in percent; at 20 % or less it is critical."""
    call = token_call(request)
    simulator.set_battery(call.ctx, call.caller, smartlockId, body.charge)
    return no_content()


@router.post("/smartlocks/{smartlockId}/door", status_code=204, operation_id="simulator_door")
async def set_door(request: Request, smartlockId: SmartlockId, body: Door) -> Response:
    """Open or close the door: the door sensor reports it and the log says so."""
    call = token_call(request)
    simulator.set_door(call.ctx, call.caller, smartlockId, body.open)
    return no_content()


@router.post("/smartlocks/{smartlockId}/button", status_code=204, operation_id="simulator_button")
async def press_button(request: Request, smartlockId: SmartlockId, body: Button) -> Response:
    """Press the device's button once or twice: what its advanced config says happens."""
    call = token_call(request)
    simulator.press_button(call.ctx, call.caller, smartlockId, body.presses)
    return no_content()


@router.post("/smartlocks/{smartlockId}/turn", status_code=204, operation_id="simulator_turn")
async def turn_by_hand(request: Request, smartlockId: SmartlockId, body: Turn) -> Response:
    """Turn the lock by hand (a manual action in the log)."""
    call = token_call(request)
    simulator.turn_by_hand(call.ctx, call.caller, smartlockId, body.action)
    return no_content()


@router.post("/smartlocks/{smartlockId}/ring", status_code=204, operation_id="simulator_ring")
async def ring(request: Request, smartlockId: SmartlockId) -> Response:
    """Ring at an opener's intercom."""
    call = token_call(request)
    simulator.ring(call.ctx, call.caller, smartlockId)
    return no_content()


@router.post(
    "/smartlocks/{smartlockId}/firmware", status_code=204, operation_id="simulator_firmware"
)
async def set_firmware(request: Request, smartlockId: SmartlockId, body: Firmware) -> Response:
    """Install a firmware version (e.g. one below the simple actions' minimum)."""
    call = token_call(request)
    simulator.set_firmware(call.ctx, call.caller, smartlockId, body.version)
    return no_content()


@router.post("/smartlocks/{smartlockId}/handle", status_code=204, operation_id="simulator_handle")
async def set_handle(request: Request, smartlockId: SmartlockId, body: Handle) -> Response:
    """Give the door a handle outside (``/action/unlock`` then unlocks) or a knob (it
    unlatches)."""
    call = token_call(request)
    simulator.set_handle(call.ctx, call.caller, smartlockId, body.handle)
    return no_content()


@router.post(
    "/smartlocks/{smartlockId}/night-mode", status_code=204, operation_id="simulator_night_mode"
)
async def set_night_mode(request: Request, smartlockId: SmartlockId, body: NightMode) -> Response:
    call = token_call(request)
    simulator.set_night_mode(call.ctx, call.caller, smartlockId, body.enabled)
    return no_content()


@router.post("/smartlocks/{smartlockId}/keypad", status_code=204, operation_id="simulator_keypad")
async def pair_keypad(request: Request, smartlockId: SmartlockId, body: Keypad) -> Response:
    """Pair or unpair a keypad; keypad codes (authorization type 13) need one."""
    call = token_call(request)
    simulator.pair_keypad(call.ctx, call.caller, smartlockId, body.paired)
    return no_content()


@router.post(
    "/smartlocks/{smartlockId}/keypad/code", status_code=204, operation_id="simulator_keypad_code"
)
async def enter_code(request: Request, smartlockId: SmartlockId, body: KeypadCode) -> Response:
    """Type a code on the keypad: a valid code inside its window unlocks; a wrong or refused
    one writes its log entry and moves nothing."""
    call = token_call(request)
    simulator.enter_code(call.ctx, call.caller, smartlockId, body.code)
    return no_content()


@router.post(
    "/smartlocks/{smartlockId}/authorizations/{authorizationId}/operate",
    status_code=204,
    operation_id="simulator_operate_as",
)
async def operate_as(
    request: Request, smartlockId: SmartlockId, authorizationId: TextId, body: OperateAs
) -> Response:
    """Operate the device with an app or fob authorization, at the door or ``remote``."""
    call = token_call(request)
    simulator.operate_as(
        call.ctx,
        call.caller,
        smartlockId,
        authorizationId,
        body.action,
        body.remote,
    )
    return no_content()


@router.put(
    "/addresses/{addressId}/reservations",
    response_model=InjectedReservation,
    operation_id="simulator_booking",
)
async def inject_booking(request: Request, addressId: Int32Id, body: InjectedBooking) -> Response:
    """A booking arrives at the address (or changes: same ``uid``), as its feed would bring it;
    its guest's access follows at once. Days are the address's local dates."""
    call = token_call(request)
    if body.endDate <= body.startDate:
        raise InvalidParameter("endDate", body.endDate, "It must be after startDate.")
    booking = Booking(
        uid=body.uid,
        name=body.name,
        email=body.email,
        guests=body.guests,
        reference=body.reference,
        start_day=body.startDate,
        end_day=body.endDate,
        canceled=body.state == "canceled",
    )
    reservation_id = reservations.record_booking(call.ctx, call.caller, addressId, booking)
    return json_response(InjectedReservation(id=reservation_id))


@router.delete(
    "/addresses/{addressId}/reservations/{uid}",
    status_code=204,
    operation_id="simulator_booking_cancel",
)
async def cancel_booking(
    request: Request, addressId: Int32Id, uid: Annotated[str, Path(max_length=255)]
) -> Response:
    """The booking ``uid`` is cancelled at its source: its guest's access is revoked."""
    call = token_call(request)
    reservations.cancel_booking(call.ctx, call.caller, addressId, uid)
    return no_content()


@router.get(
    "/feeds/demo.ics",
    operation_id="demo_booking_feed",  # no "simulator_": it needs no token
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def demo_feed(request: Request) -> Response:
    """The demo address's booking feed (iCal), as a rental platform exports a listing's: no
    token, as platforms' feed URLs need none."""
    ctx = request.app.state.ctx
    return Response(demo.demo_feed(ctx), media_type="text/calendar")


@router.get("/clock", response_model=Clock, operation_id="simulator_clock")
async def clock(request: Request) -> Response:
    call = token_call(request)
    manual = call.ctx.simulation is not None and call.ctx.simulation.manual is not None
    return json_response(Clock(manual=manual, now=call.ctx.clock.now().isoformat()))


@router.post("/clock/advance", status_code=204, operation_id="simulator_advance")
async def advance_clock(request: Request, body: Advance) -> Response:
    """With ``--manual-clock``: let this many seconds pass; what fell due happens, in order,
    and the durable jobs due then (reservations' access, feed syncs) are done before it
    answers."""
    call = token_call(request)
    simulator.advance_clock(call.ctx, body.seconds)
    await jobs.run_until_idle(call.ctx)
    return no_content()
