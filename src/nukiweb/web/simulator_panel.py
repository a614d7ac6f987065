"""The Simulator panel: per simulated device, the buttons that provoke what hardware does on its
own (a doorbell, the button, a lock turned by hand, the door, a code typed on the keypad, the
battery, a blocked motor), the bridges' online switch and the manual clock, so that a newcomer
can watch the webhooks and the activity log react.

The panel exists only when the server runs the simulator control API (``serve --simulator`` or
``--demo``): otherwise its paths answer 404 and the navigation has no link to it. Every button
calls the service function the control API's operation calls (``api.simulator``), its input
read by that operation's request model. The control API lets any token of the account use it;
the panel asks of a sub-account only what reading the devices asks, as it lists them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from nukiweb.api.errors import status_of
from nukiweb.api.models.common import INT32_MAX
from nukiweb.api.simulator import (
    Advance,
    Battery,
    BridgeOnline,
    Button,
    Door,
    Fault,
    Keypad,
    KeypadCode,
    Turn,
)
from nukiweb.domain.device_words import DeviceSummary, describe_device
from nukiweb.domain.devices import (
    DeviceKind,
    DeviceType,
    LockAction,
    device_kind,
)
from nukiweb.domain.errors import InvalidParameter, NotFound, NukiwebError
from nukiweb.domain.identity import Caller
from nukiweb.domain.smartlocks import Bridge, Device
from nukiweb.services import jobs, simulator
from nukiweb.services.context import ServiceContext
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.devices import smartlock_id_of
from nukiweb.web.pages import (
    context_of,
    page_router,
    path_id,
    posted_form,
    redirect,
    render,
    require_rights,
    require_session,
    validated,
)

SIMULATOR_PATH = "/web/simulator"
Model = TypeVar("Model", bound=BaseModel)
_INTEGER = re.compile(r"-?[0-9]{1,19}")

# What the redirect after a button says, by the outcome its handler names; made from the
# account's own device and bridge names, never from text in the URL.
DEVICE_NOTICES = {
    "ring": "Rang the doorbell of {name}.",
    "button-1": "Pressed the button of {name}.",
    "button-2": "Pressed the button of {name} twice.",
    "turn-1": "Turned {name} by hand to unlock it.",
    "turn-2": "Turned {name} by hand to lock it.",
    "door-open": "Opened the door of {name}.",
    "door-closed": "Closed the door of {name}.",
    "fault": "The motor of {name} will block on its next action.",
    "battery": "Set the battery charge of {name}.",
    "keypad-paired": "Paired a keypad with {name}.",
    "keypad-unpaired": "Unpaired the keypad of {name}.",
    "code": "Typed a code on the keypad of {name}: its state and the activity log tell.",
}
BRIDGE_NOTICES = {"online": "{name} is online again.", "offline": "{name} is offline now."}
CLOCK_NOTICE = "The simulated clock moved on; what fell due has happened."

router = page_router()


# --- the page --------------------------------------------------------------------------------


@router.get(SIMULATOR_PATH)
async def simulator_page(
    request: Request,
    done: str | None = None,
    smartlockId: str | None = None,
    bridgeId: str | None = None,
) -> Response:
    """``done`` and ``smartlockId`` or ``bridgeId``: what the redirect after a button was for."""
    session = _panel_session(request)
    return _page(request, session, done=Done(done, smartlockId, bridgeId))


def _panel_session(request: Request) -> WebSession:
    """The signed-in session, on a server that runs the simulator; 404 on one that does not."""
    if not request.app.state.simulator_api:
        raise NotFound("page", request.url.path)
    session = require_session(request)
    require_rights(session, "Smartlock", "GET", "/smartlock")
    return session


@dataclass(frozen=True, slots=True)
class Done:
    """What the redirect after a button says was done (``outcome``), and to which device or
    bridge: the query of the panel's URL, trusted for nothing but choosing a notice."""

    outcome: str | None
    smartlock_id: str | None = None
    bridge_id: str | None = None

    def notice(self, bridges: list[tuple[Bridge, list[Device]]]) -> str | None:
        """Made from the account's own device and bridge names, never from text in the URL."""
        if self.outcome == "clock":
            return CLOCK_NOTICE
        devices = {str(d.smartlock_id): d.name for _bridge, found in bridges for d in found}
        if self.outcome in DEVICE_NOTICES and self.smartlock_id in devices:
            return DEVICE_NOTICES[self.outcome].format(name=devices[self.smartlock_id])
        names = {str(bridge.bridge_id): bridge.name for bridge, _devices in bridges}
        if self.outcome in BRIDGE_NOTICES and self.bridge_id in names:
            return BRIDGE_NOTICES[self.outcome].format(name=names[self.bridge_id])
        return None


def _page(
    request: Request,
    session: WebSession,
    error: str | None = None,
    status_code: int = 200,
    *,
    done: Done | None = None,
) -> Response:
    ctx = context_of(request)
    now = ctx.clock.now()
    bridges = simulator.list_simulated(ctx, session.caller)
    return render(
        request,
        "simulator.html",
        session,
        status_code,
        page="simulator",
        bridges=[bridge for bridge, _devices in bridges],
        devices=[
            PanelDevice(
                summary=describe_device(device, now),
                kind=device_kind(device.type),
                is_opener=device.type is DeviceType.OPENER,
                keypad_paired=bool(device.config.get("keypadPaired")),
            )
            for _bridge, devices in bridges
            for device in devices
        ],
        clock=simulator.manual_clock_time(ctx),
        notice=None if done is None else done.notice(bridges),
        error=error,
    )


@dataclass(frozen=True, slots=True)
class PanelDevice:
    """A device on the panel: its summary (as the Smart Locks page shows it) and what decides
    which of its buttons the panel offers."""

    summary: DeviceSummary
    kind: DeviceKind
    is_opener: bool
    keypad_paired: bool


# --- the devices' buttons --------------------------------------------------------------------

# A control: the service call for a device, given the request model the API's operation reads;
# it answers which notice to show.
Control = Callable[[ServiceContext, Caller, int, Any], str]


def _ring(ctx: ServiceContext, caller: Caller, smartlock_id: int, _body: None) -> str:
    simulator.ring(ctx, caller, smartlock_id)
    return "ring"


def _button(ctx: ServiceContext, caller: Caller, smartlock_id: int, body: Button) -> str:
    simulator.press_button(ctx, caller, smartlock_id, body.presses)
    return f"button-{body.presses}"


def _turn(ctx: ServiceContext, caller: Caller, smartlock_id: int, body: Turn) -> str:
    if body.action not in (LockAction.UNLOCK, LockAction.LOCK):
        raise InvalidParameter("action", body.action, "Turn the lock to unlock (1) or lock (2).")
    simulator.turn_by_hand(ctx, caller, smartlock_id, body.action)
    return f"turn-{body.action}"


def _door(ctx: ServiceContext, caller: Caller, smartlock_id: int, body: Door) -> str:
    simulator.set_door(ctx, caller, smartlock_id, body.open)
    return "door-open" if body.open else "door-closed"


def _fault(ctx: ServiceContext, caller: Caller, smartlock_id: int, body: Fault) -> str:
    simulator.provoke_fault(ctx, caller, smartlock_id, body.fault)
    return "fault"


def _battery(ctx: ServiceContext, caller: Caller, smartlock_id: int, body: Battery) -> str:
    simulator.set_battery(ctx, caller, smartlock_id, body.charge)
    return "battery"


def _keypad(ctx: ServiceContext, caller: Caller, smartlock_id: int, body: Keypad) -> str:
    simulator.pair_keypad(ctx, caller, smartlock_id, body.paired)
    return "keypad-paired" if body.paired else "keypad-unpaired"


def _code(ctx: ServiceContext, caller: Caller, smartlock_id: int, body: KeypadCode) -> str:
    simulator.enter_code(ctx, caller, smartlock_id, body.code)
    return "code"


# The path's last segment → the API operation's request model (None: it takes no body) and
# the control.
CONTROLS: Mapping[str, tuple[type[BaseModel] | None, Control]] = {
    "ring": (None, _ring),
    "button": (Button, _button),
    "turn": (Turn, _turn),
    "door": (Door, _door),
    "fault": (Fault, _fault),
    "battery": (Battery, _battery),
    "keypad": (Keypad, _keypad),
    "code": (KeypadCode, _code),
}


@router.post(SIMULATOR_PATH + "/smartlocks/{smartlock_id}/{control}")
async def device_control(request: Request, smartlock_id: str, control: str) -> Response:
    """A refusal (another account's device, a button the device has not, a value out of
    range) comes back as the panel with the error; a done one redirects to the device."""
    session = _panel_session(request)
    form = await posted_form(request, session)
    found = CONTROLS.get(control)
    if found is None:
        raise NotFound("page", request.url.path)
    model, act = found
    ctx = context_of(request)
    try:
        device_id = smartlock_id_of(smartlock_id)
        body = None if model is None else _parsed(model, form)
        outcome = act(ctx, session.caller, device_id, body)
    except NukiwebError as error:
        return _page(request, session, error.message, status_of(error))
    query = urlencode({"done": outcome, "smartlockId": device_id})
    return redirect(f"{SIMULATOR_PATH}?{query}#device-{device_id}")


# --- bridges and the clock -------------------------------------------------------------------


@router.post(SIMULATOR_PATH + "/bridges/{bridge_id}/online")
async def bridge_online(request: Request, bridge_id: str) -> Response:
    session = _panel_session(request)
    form = await posted_form(request, session)
    ctx = context_of(request)
    try:
        found = path_id(bridge_id, "bridge", INT32_MAX)
        body = _parsed(BridgeOnline, form)
        simulator.set_bridge_online(ctx, session.caller, found, body.online)
    except NukiwebError as error:
        return _page(request, session, error.message, status_of(error))
    query = urlencode({"done": "online" if body.online else "offline", "bridgeId": found})
    return redirect(f"{SIMULATOR_PATH}?{query}#bridges")


@router.post(SIMULATOR_PATH + "/clock/advance")
async def advance_clock(request: Request) -> Response:
    """As the API's: what fell due happens, and the durable jobs due then are done before the
    redirect."""
    session = _panel_session(request)
    form = await posted_form(request, session)
    ctx = context_of(request)
    try:
        body = _parsed(Advance, form)
        simulator.advance_clock(ctx, body.seconds)
    except NukiwebError as error:
        return _page(request, session, error.message, status_of(error))
    await jobs.run_until_idle(ctx)
    return redirect(f"{SIMULATOR_PATH}?done=clock#clock")


# --- reading the forms -----------------------------------------------------------------------


def _parsed(model: type[Model], form: FormData) -> Model:
    """The form's fields as the API operation's request model reads a body; a value it refuses
    is an ``InvalidParameter`` naming the field (a code is never repeated)."""
    fields = {
        name: _as_json_would_carry_it(value)
        for name, value in form.items()
        if name != "csrf_token" and isinstance(value, str)
    }
    return validated(model, fields)


def _as_json_would_carry_it(text: str) -> int | str:
    """A form field as the API's JSON body would carry it: a whole number as a number (the
    models take ``presses`` 1 or 2, not "1"), anything else as text, which they read as
    they read it from JSON (booleans, decimals)."""
    return int(text) if _INTEGER.fullmatch(text) else text
