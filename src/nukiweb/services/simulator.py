"""What the simulator control API provokes on simulated hardware: a bridge going offline, a
motor that blocks, a flat battery, a door opening, a button press, a lock turned by hand, a
doorbell ringing, a firmware update, time passing. Each goes through the same paths as the
real event would: the device's state, its activity log, and (later) webhooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from nukiweb.bridges.hub import SIMULATED, DeviceCommand
from nukiweb.domain.authorizations import (
    AuthorizationRules,
    AuthType,
    TimeWindow,
    decide_access,
)
from nukiweb.domain.device_state import Hardware, from_document
from nukiweb.domain.devices import (
    CompletionState,
    DeviceType,
    DoorState,
    LockAction,
    LogAction,
    LogTrigger,
    Mode,
    OpenerAction,
    OpenerState,
    ServerState,
    StateTrigger,
    check_action,
    device_kind,
)
from nukiweb.domain.errors import Conflict, InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.lock_physics import BATTERY_CRITICAL_CHARGE, MechanicalState
from nukiweb.domain.simple_actions import FirmwareVersion
from nukiweb.domain.smartlocks import Authorization, Bridge, Device
from nukiweb.domain.webhooks import Feature
from nukiweb.services import device_reports, events
from nukiweb.services.context import ServiceContext, Simulation
from nukiweb.store import authorizations as auth_store
from nukiweb.store import smartlocks as store

WRONG_CODE = "Wrong entry code."

# advancedConfig.singleButtonPressAction / doubleButtonPressAction (spec) → the lock action;
# 1 "intelligent" is decided by the lock's state, 6 "show status" moves nothing.
_LOCK_BUTTON_ACTIONS = {2: LockAction.UNLOCK, 3: LockAction.LOCK, 4: LockAction.UNLATCH}
_LOCK_BUTTON_ACTIONS[5] = LockAction.LOCK_N_GO
# openerAdvancedConfig button actions: 2/3 (de)activate ring to open, 5/6 (de)activate
# continuous mode, 7 open; 1 and 4 toggle.
_OPENER_BUTTON_ACTIONS = {
    2: OpenerAction.ACTIVATE_RING_TO_OPEN,
    3: OpenerAction.DEACTIVATE_RING_TO_OPEN,
    5: OpenerAction.ACTIVATE_CONTINUOUS_MODE,
    6: OpenerAction.DEACTIVATE_CONTINUOUS_MODE,
    7: OpenerAction.ELECTRIC_STRIKE_ACTUATION,
}


def list_bridges(ctx: ServiceContext, caller: Caller) -> list[tuple[Bridge, list[int]]]:
    with ctx.db.read() as conn:
        return [
            (bridge, [d.smartlock_id for d in store.devices_of_bridge(conn, bridge.bridge_id)])
            for bridge in store.list_bridges(conn, caller.owner_account_id)
        ]


def list_simulated(ctx: ServiceContext, caller: Caller) -> list[tuple[Bridge, list[Device]]]:
    """The account's simulated bridges and their devices: what the simulator may move (a lock
    on the MQTT broker is moved by its own emulator)."""
    with ctx.db.read() as conn:
        return [
            (bridge, store.devices_of_bridge(conn, bridge.bridge_id))
            for bridge in store.list_bridges(conn, caller.owner_account_id)
            if bridge.kind == SIMULATED
        ]


def manual_clock_time(ctx: ServiceContext) -> datetime | None:
    """The simulated time when it moves only through ``advance_clock`` (``--manual-clock``)."""
    manual = ctx.simulation is not None and ctx.simulation.manual is not None
    return ctx.clock.now() if manual else None


def set_bridge_online(ctx: ServiceContext, caller: Caller, bridge_id: int, online: bool) -> None:
    """Offline, the bridge's devices show ``serverState`` 4 and cannot be reached."""
    with ctx.db.transaction() as conn:
        bridge = store.get_bridge(conn, bridge_id)
        if bridge is None or bridge.account_id != caller.owner_account_id:
            raise NotFound("bridge", bridge_id)
        if bridge.kind != SIMULATED:  # a lock on the broker: its Last Will says so
            raise InvalidParameter("bridgeId", bridge_id, "It is not a simulated bridge.")
        store.set_bridge_online(conn, bridge_id, online)
        state = ServerState.OK if online else ServerState.OFFLINE
        now = ctx.clock.now()
        for device in store.devices_of_bridge(conn, bridge_id):
            store.update_device(conn, device.smartlock_id, {"server_state": int(state)})
            shown = replace(device, server_state=int(state))
            events.emit(
                ctx, conn, device.account_id, Feature.DEVICE_STATUS,
                events.device_status(shown, now), device.smartlock_id,
            )  # fmt: skip


def provoke_fault(ctx: ServiceContext, caller: Caller, smartlock_id: int, fault: str) -> None:
    """The device's next action ends in this fault."""
    device = _device(ctx, caller, smartlock_id)
    if fault != "motor_blocked":
        raise InvalidParameter("fault", fault, "The fault to provoke is 'motor_blocked'.")
    if not device_kind(device.type).has_motor:
        raise InvalidParameter("fault", fault, "This device has no motor to block.")
    _change(ctx, smartlock_id, lambda h: replace(h, next_fault="motor_blocked"))


def set_battery(ctx: ServiceContext, caller: Caller, smartlock_id: int, charge: float) -> None:
    device = _device(ctx, caller, smartlock_id)
    if not device_kind(device.type).has_battery:
        raise InvalidParameter("charge", charge, "This device has no battery.")
    if not 0 <= charge <= 100:  # noqa: PLR2004 - percent
        raise InvalidParameter("charge", charge)
    critical = charge <= BATTERY_CRITICAL_CHARGE

    def drained(hardware: Hardware) -> Hardware:
        mechanics = replace(hardware.mechanics, battery_charge=charge, battery_critical=critical)
        return replace(hardware, mechanics=mechanics)

    _change(ctx, smartlock_id, drained)


def set_handle(ctx: ServiceContext, caller: Caller, smartlock_id: int, handle: bool) -> None:
    """Whether the door has a handle outside (doc §6.1: ``/action/unlock`` then unlocks
    instead of unlatching)."""
    device = _device(ctx, caller, smartlock_id)
    if not device_kind(device.type).has_motor:
        raise InvalidParameter("handle", handle, "Only a lock's door has a handle or a knob.")
    _change(ctx, smartlock_id, lambda h: replace(h, has_handle=handle))


def set_night_mode(ctx: ServiceContext, caller: Caller, smartlock_id: int, on: bool) -> None:
    _device(ctx, caller, smartlock_id)
    _change(
        ctx,
        smartlock_id,
        lambda h: replace(h, mechanics=replace(h.mechanics, night_mode=on)),
    )


def set_door(ctx: ServiceContext, caller: Caller, smartlock_id: int, is_open: bool) -> None:
    """The door sensor reports the door opened or closed, and the log says so."""
    device = _device(ctx, caller, smartlock_id)
    if not device_kind(device.type).supports_door_sensor:
        raise InvalidParameter("open", is_open, "This device has no door sensor.")
    door = DoorState.DOOR_OPENED if is_open else DoorState.DOOR_CLOSED
    _change(
        ctx,
        smartlock_id,
        lambda h: replace(h, mechanics=replace(h.mechanics, door_state=door)),
    )
    device_reports.record_log(
        ctx,
        smartlock_id,
        name=device.name,
        action=LogAction.DOOR_OPENED if is_open else LogAction.DOOR_CLOSED,
        trigger=LogTrigger.SYSTEM,
        state=0,
    )


def press_button(ctx: ServiceContext, caller: Caller, smartlock_id: int, presses: int) -> None:
    """The device's own button, pressed once or twice: what its advanced config says."""
    device = _device(ctx, caller, smartlock_id)
    if presses not in (1, 2):
        raise InvalidParameter("presses", presses)
    action = _button_action(device, presses)
    if action is not None:
        _run(ctx, device, action, StateTrigger.BUTTON, LogTrigger.BUTTON)


def turn_by_hand(ctx: ServiceContext, caller: Caller, smartlock_id: int, action: int) -> None:
    """Someone turns the key or the knob: the lock moves and logs a manual action."""
    device = _device(ctx, caller, smartlock_id)
    if not device_kind(device.type).has_motor:
        raise InvalidParameter("action", action, "Only a lock can be turned by hand.")
    check_action(device.type, action, 0)
    _run(ctx, device, action, StateTrigger.MANUAL, LogTrigger.MANUAL)


def ring(ctx: ServiceContext, caller: Caller, smartlock_id: int) -> None:
    """Someone rings at the intercom: the opener logs it, and opens the door when ring to open
    or continuous mode is active."""
    device = _device(ctx, caller, smartlock_id)
    if device.type is not DeviceType.OPENER:
        raise InvalidParameter("smartlockId", smartlock_id, "Only an opener has a doorbell.")
    mechanics = from_document(device.mechanics).mechanics
    device_reports.record_log(
        ctx,
        smartlock_id,
        name=device.name,
        action=LogAction.DOORBELL_RECOGNITION,
        trigger=LogTrigger.SYSTEM,
        state=0,
    )
    if mechanics.state == OpenerState.RING_TO_OPEN_ACTIVE or mechanics.mode == Mode.CONTINUOUS:
        continuous = mechanics.mode == Mode.CONTINUOUS
        trigger = StateTrigger.CONTINUOUS_MODE if continuous else StateTrigger.SYSTEM
        config = device.opener_advanced_config or {}
        if not continuous and config.get("disableRtoAfterRing"):
            # openerAdvancedConfig.disableRtoAfterRing: this ring uses ring to open up.
            now = ctx.clock.now()
            _change(ctx, smartlock_id, lambda h: h.with_mechanics(_rto_off(h.mechanics), now))
        _run(ctx, device, OpenerAction.ELECTRIC_STRIKE_ACTUATION, trigger, LogTrigger.SYSTEM)


def _rto_off(mechanics: MechanicalState) -> MechanicalState:
    return replace(mechanics, state=OpenerState.ONLINE, ring_to_open_timer=0)


def set_firmware(ctx: ServiceContext, caller: Caller, smartlock_id: int, version: str) -> None:
    device = _device(ctx, caller, smartlock_id)
    firmware = FirmwareVersion.parse(version, "version")
    with ctx.db.transaction() as conn:
        store.update_device(
            conn,
            smartlock_id,
            {"firmware_version": firmware.to_int(), "update_date": ctx.clock.now()},
        )
        updated = store.get_device_by_id(conn, smartlock_id)
        assert updated is not None
        events.emit(
            ctx, conn, updated.account_id, Feature.DEVICE_MASTERDATA,
            events.masterdata(updated, ctx.clock.now()), smartlock_id,
        )  # fmt: skip
    device_reports.record_log(
        ctx,
        smartlock_id,
        name=device.name,
        action=LogAction.FIRMWARE_UPDATE,
        trigger=LogTrigger.SYSTEM,
        state=0,
    )


def advance_clock(ctx: ServiceContext, seconds: float) -> None:
    manual = _simulation(ctx).manual
    if manual is None:
        raise Conflict("The simulator runs in real time: start it with --manual-clock.")
    if not 0 <= seconds <= 365 * 24 * 3600:
        raise InvalidParameter("seconds", seconds)
    manual.advance(seconds)


def _button_action(device: Device, presses: int) -> int | None:
    key = "singleButtonPressAction" if presses == 1 else "doubleButtonPressAction"
    if device.type is DeviceType.OPENER:
        setting = int((device.opener_advanced_config or {}).get(key, 0))
        return _opener_button_action(device, setting)
    if not device_kind(device.type).has_motor:
        return int(LockAction.UNLOCK) if device.type is DeviceType.BOX else None
    config: dict[str, Any] = device.advanced_config or device.smartdoor_advanced_config or {}
    setting = int(config.get(key, 1 if presses == 1 else 0))
    if setting == 1:  # intelligent: lock an open door, unlock a locked one
        state = from_document(device.mechanics).mechanics.state
        return int(LockAction.UNLOCK if state == 1 else LockAction.LOCK)
    action = _LOCK_BUTTON_ACTIONS.get(setting)
    return None if action is None else int(action)


def _opener_button_action(device: Device, setting: int) -> int | None:
    mechanics = from_document(device.mechanics).mechanics
    if setting == 1:
        rto_on = mechanics.state == OpenerState.RING_TO_OPEN_ACTIVE
        return int(
            OpenerAction.DEACTIVATE_RING_TO_OPEN if rto_on else OpenerAction.ACTIVATE_RING_TO_OPEN
        )
    if setting == 4:  # noqa: PLR2004 - toggle continuous mode
        cm_on = mechanics.mode == Mode.CONTINUOUS
        return int(
            OpenerAction.DEACTIVATE_CONTINUOUS_MODE
            if cm_on
            else OpenerAction.ACTIVATE_CONTINUOUS_MODE
        )
    action = _OPENER_BUTTON_ACTIONS.get(setting)
    return None if action is None else int(action)


def _run(
    ctx: ServiceContext, device: Device, action: int, state_trigger: int, log_trigger: int
) -> None:
    _simulation(ctx).bridges.send(
        DeviceCommand(
            smartlock_id=device.smartlock_id,
            actions=(action,),
            option=0,
            state_trigger=state_trigger,
            log_trigger=log_trigger,
            actor=device.name,
        )
    )


def _simulation(ctx: ServiceContext) -> Simulation:
    if ctx.simulation is None:
        raise Conflict("This server runs no simulated hardware.")
    return ctx.simulation


def _device(ctx: ServiceContext, caller: Caller, smartlock_id: int) -> Device:
    """The caller's simulated device: a real lock (on the MQTT broker) is not the simulator's
    to move — its emulator has control topics of its own (docs/mqtt.md)."""
    with ctx.db.read() as conn:
        device = store.owned_device(conn, caller.owner_account_id, smartlock_id)
        bridge = store.get_bridge(conn, device.bridge_id)
    if bridge is None or bridge.kind != SIMULATED:
        raise InvalidParameter("smartlockId", smartlock_id, "It is not a simulated device.")
    return device


def _change(ctx: ServiceContext, smartlock_id: int, change: Callable[[Hardware], Hardware]) -> None:
    device_reports.change_hardware(ctx, smartlock_id, change)


def pair_keypad(ctx: ServiceContext, caller: Caller, smartlock_id: int, paired: bool) -> None:
    """Pair or unpair a keypad (``config.keypadPaired``): keypad codes (type 13) need one."""
    device = _device(ctx, caller, smartlock_id)
    if not device_kind(device.type).supports_keypad:
        raise InvalidParameter("paired", paired, "This device takes no keypad.")
    with ctx.db.transaction() as conn:
        # The configuration as it is now, its row locked: another process may change it.
        current = store.lock_device(conn, smartlock_id)
        if current is None:
            raise NotFound("smartlock", smartlock_id)
        store.update_device(
            conn,
            smartlock_id,
            {"config": current.config | {"keypadPaired": paired}, "update_date": ctx.clock.now()},
        )


def enter_code(ctx: ServiceContext, caller: Caller, smartlock_id: int, code: int) -> None:
    """Someone types a code on the device's keypad. A code the device holds, used inside its
    window, unlocks (trigger keypad, source keypad code, the authorization named); a wrong
    code, or one refused (disabled, outside its window), writes its log entry and moves
    nothing."""
    device = _device(ctx, caller, smartlock_id)
    if not device.config.get("keypadPaired"):
        raise InvalidParameter("code", "*****", "No keypad is paired with this device.")
    with ctx.db.read() as conn:
        holder = auth_store.holder_of_code(conn, ctx.secrets, smartlock_id, code)
        auth = None if holder is None else auth_store.get_by_id(conn, ctx.secrets, holder)
    if auth is None or auth.device_copy is None:
        _refuse(ctx, device, None, LogTrigger.KEYPAD, WRONG_CODE)
        return
    # A keypad opens the door: an opener actuates the electric strike, a lock unlocks.
    opens = OpenerAction.ELECTRIC_STRIKE_ACTUATION if device.type is DeviceType.OPENER else None
    _use(ctx, device, auth, int(opens or LockAction.UNLOCK), LogTrigger.KEYPAD, remote=False)


def operate_as(
    ctx: ServiceContext,
    caller: Caller,
    smartlock_id: int,
    authorization_id: str,
    action: int,
    remote: bool,
) -> None:
    """Someone operates the device with an app or fob authorization: at the door over
    bluetooth, or ``remote`` through the bridge (which needs ``remoteAllowed``)."""
    device = _device(ctx, caller, smartlock_id)
    check_action(device.type, action, 0)
    with ctx.db.read() as conn:
        auth = auth_store.get_authorization(
            conn, ctx.secrets, caller.owner_account_id, authorization_id
        )
    if auth is None or auth.smartlock_id != smartlock_id:
        raise NotFound("authorization", authorization_id)
    if auth.type == AuthType.KEYPAD_CODE:
        raise InvalidParameter("authorizationId", authorization_id, "Type a keypad code instead.")
    if auth.device_copy is None:
        raise Conflict("The device does not hold this authorization (yet).")
    trigger = LogTrigger.BUTTON if auth.type == AuthType.FOB else LogTrigger.APP
    _use(ctx, device, auth, action, trigger, remote=remote)


def _use(
    ctx: ServiceContext,
    device: Device,
    auth: Authorization,
    action: int,
    log_trigger: int,
    *,
    remote: bool,
) -> None:
    held = auth.device_copy or {}
    rules = AuthorizationRules(
        enabled=held["enabled"],
        remote_allowed=held["remote_allowed"],
        window=TimeWindow(
            allowed_from_date=_held_date(held["allowed_from_date"]),
            allowed_until_date=_held_date(held["allowed_until_date"]),
            allowed_week_days=held["allowed_week_days"],
            allowed_from_time=held["allowed_from_time"],
            allowed_until_time=held["allowed_until_time"],
        ),
    )
    now = ctx.clock.now()
    decision = decide_access(rules, now, remote=remote)
    if not decision.allowed:
        _refuse(ctx, device, auth, log_trigger, str(decision.reason), action)
        return
    with ctx.db.transaction() as conn:
        auth_store.count_use(conn, auth.id, now)
    keypad = log_trigger == LogTrigger.KEYPAD
    _simulation(ctx).bridges.send(
        DeviceCommand(
            smartlock_id=device.smartlock_id,
            actions=(action,),
            option=0,
            state_trigger=StateTrigger.SYSTEM if keypad else StateTrigger.MANUAL,
            log_trigger=log_trigger,
            actor=auth.name,
            source=1 if keypad else 0,
            auth_id=auth.id,
            account_user_id=auth.account_user_id,
        )
    )


def _held_date(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _refuse(
    ctx: ServiceContext,
    device: Device,
    auth: Authorization | None,
    log_trigger: int,
    reason: str,
    action: int = LockAction.UNLOCK,
) -> None:
    """The log entry of an access the device refused; nothing moves."""
    keypad = log_trigger == LogTrigger.KEYPAD
    device_reports.record_log(
        ctx,
        device.smartlock_id,
        name=auth.name if auth is not None else "Keypad",
        action=action,
        trigger=log_trigger,
        state=int(CompletionState.REJECTED),
        source=1 if keypad else 0,
        error=reason,
        auth_id=None if auth is None else auth.id,
        account_user_id=None if auth is None else auth.account_user_id,
    )
