"""What an action does to a device, as a plan the simulator executes with its injected clock.

A plan is the ordered steps "after this many seconds, these fields change" and the activity-log
entry the action writes. Nothing here waits: the simulator applies ``steps[n]`` once
``steps[n].after_seconds`` have passed since it applied ``steps[n - 1]`` (the first step's delay
counts from the start), and a new plan on a device replaces the old plan's steps still pending.

Failures are data: a device that refuses an action in its current state gets a plan with no steps
and a log entry whose completion state says why; a provoked motor fault ends in motor blocked.

Battery. The vendor publishes no per-action figures; these are nukiweb's assumptions:
- a motor movement (lock, unlock, each half of lock 'n' go) drains ``MOTOR_MOVEMENT_DRAIN`` =
  0.1 % of the charge, a full lock two movements; holding the latch (unlatch) drains
  ``UNLATCH_DRAIN`` = 0.05 % more; an opener action ``OPENER_ACTION_DRAIN`` = 0.02 % (a relay, no
  motor); the box has no battery. Full to empty is then about 1,000 movements: months of daily
  use, the order of magnitude of a real set of batteries, and visible in a simulation.
- ``battery_critical`` holds while the charge is at or below ``BATTERY_CRITICAL_CHARGE`` = 20 %.
- a motor does not start when the charge is below what the movement needs: the log says "low
  motor voltage" (completion state 5) and nothing moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Literal

from nukiweb.domain.devices import (
    ActionOption,
    CompletionState,
    DeviceType,
    DoorState,
    LockAction,
    LockState,
    Mode,
    OpenerAction,
    OpenerState,
    StateTrigger,
    check_action,
    device_kind,
)
from nukiweb.domain.errors import InvalidParameter

MOTOR_MOVEMENT_DRAIN = 0.1
UNLATCH_DRAIN = 0.05
OPENER_ACTION_DRAIN = 0.02
BATTERY_CRITICAL_CHARGE = 20.0
MAX_RING_TO_OPEN_TIMER = 65535  # Smartlock.State.ringToOpenTimer maximum

Fault = Literal["motor_blocked"]

# States a device passes through while it moves: it answers "busy" to any action meanwhile.
_LOCK_MOVING = frozenset({LockState.UNLOCKING, LockState.LOCKING, LockState.UNLATCHING})
_OPENER_MOVING = frozenset({OpenerState.OPENING})
# States a device leaves on its own after a while (latch released, lock 'n' go relocks, ring to
# open times out, the door-open pulse ends, the boot finishes).
_LOCK_TIMED = frozenset({LockState.UNLATCHED, LockState.UNLOCKED_LOCK_N_GO, LockState.BOOT_RUN})
_OPENER_TIMED = frozenset({OpenerState.OPEN, OpenerState.RING_TO_OPEN_ACTIVE, OpenerState.BOOT_RUN})
# Lock 'n' go waits in "unlocked (lock 'n' go)"; a new action there simply replaces the relock.
_LOCK_BUSY = _LOCK_MOVING | (_LOCK_TIMED - {LockState.UNLOCKED_LOCK_N_GO})
_OPENER_BUSY = _OPENER_MOVING | {OpenerState.OPEN, OpenerState.BOOT_RUN}
_OPENING_LOCK_ACTIONS = frozenset(
    {LockAction.UNLOCK, LockAction.UNLATCH, LockAction.LOCK_N_GO, LockAction.LOCK_N_GO_WITH_UNLATCH}
)


@dataclass(frozen=True, slots=True)
class Timings:
    """How long the mechanics take, in seconds; all zero makes every action complete at once."""

    motor_time: float = 1.5  # one movement between locked and unlocked
    # advancedConfig.unlatchDuration and .lngTimeout: 3 s and 20 s on a real keyturner
    # (its GET /smartlock body in gh:iobroker-community-adapters/ioBroker.nuki-extended#18).
    unlatch_hold: float = 3.0
    lng_timeout: float = 20.0
    # openerAdvancedConfig.rtoTimeout is in minutes; 20 minutes assumed.
    rto_timeout: float = 20 * 60.0
    # openerAdvancedConfig.electricStrikeDelay / electricStrikeDuration (ms there); assumed.
    electric_strike_delay: float = 0.0
    electric_strike_duration: float = 3.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not math.isfinite(value) or value < 0:
                raise InvalidParameter(field.name, value, "A duration is a number of seconds ≥ 0.")

    @classmethod
    def instant(cls) -> Timings:
        return cls(0, 0, 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class MechanicalState:
    """What the simulator tracks of a device; the fields of ``Smartlock.State`` it moves."""

    device_type: DeviceType
    state: int  # LockState or OpenerState; the box has none, it keeps UNDEFINED
    mode: int = Mode.DOOR
    door_state: int = DoorState.UNAVAILABLE
    battery_charge: float = 100.0  # percent; the API shows it rounded down
    battery_critical: bool = False
    night_mode: bool = False
    ring_to_open_timer: int = 0  # seconds of ring to open left when the plan is made; opener only
    last_action: int | None = None
    trigger: int = StateTrigger.SYSTEM

    @classmethod
    def initial(cls, device_type: DeviceType) -> MechanicalState:
        """A device as it comes out of setup: a lock locked, an opener online."""
        device_type = DeviceType(device_type)
        if device_type is DeviceType.OPENER:
            return cls(device_type, OpenerState.ONLINE)
        if device_type is DeviceType.BOX:
            return cls(device_type, LockState.UNDEFINED)
        return cls(device_type, LockState.LOCKED)

    @property
    def reported_battery_charge(self) -> int:
        """``batteryCharge`` as the API reports it, an integer percent."""
        return max(0, min(100, math.floor(self.battery_charge)))


@dataclass(frozen=True, slots=True)
class StateChange:
    """The fields a step sets; ``None`` leaves a field as it is."""

    state: int | None = None
    mode: int | None = None
    ring_to_open_timer: int | None = None
    last_action: int | None = None
    trigger: int | None = None
    battery_charge: float | None = None
    battery_critical: bool | None = None
    door_state: int | None = None

    def apply(self, device: MechanicalState) -> MechanicalState:
        changes = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(device, **{name: v for name, v in changes.items() if v is not None})


_RING_TO_OPEN_OFF = StateChange(state=OpenerState.ONLINE, ring_to_open_timer=0)


@dataclass(frozen=True, slots=True)
class PlanStep:
    after_seconds: float  # since the previous step, or since the start for the first
    change: StateChange


@dataclass(frozen=True, slots=True)
class LogEntry:
    """The ``SmartlockLog`` fields an action decides; written ``after_seconds`` from the start,
    once the outcome is known."""

    action: int
    trigger: int  # State.trigger and SmartlockLog.trigger agree on 0..5 and 7
    completion: CompletionState
    after_seconds: float = 0.0
    error: str | None = None  # SmartlockLog.error


@dataclass(frozen=True, slots=True)
class ActionPlan:
    device: MechanicalState  # before the action
    steps: tuple[PlanStep, ...]
    log: LogEntry
    battery_drain: float = 0.0

    @property
    def total_seconds(self) -> float:
        return sum(step.after_seconds for step in self.steps)

    def states(self) -> tuple[MechanicalState, ...]:
        """The device after each step, in order."""
        device, result = self.device, list[MechanicalState]()
        for step in self.steps:
            device = step.change.apply(device)
            result.append(device)
        return tuple(result)

    @property
    def final(self) -> MechanicalState:
        states = self.states()
        return states[-1] if states else self.device


def is_stable(device_type: DeviceType, state: int) -> bool:
    """Whether a device stays in ``state`` until something acts on it."""
    device_type = DeviceType(device_type)
    if device_type is DeviceType.BOX:
        return True
    if device_type is DeviceType.OPENER:
        return state not in _OPENER_MOVING | _OPENER_TIMED
    return state not in _LOCK_MOVING | _LOCK_TIMED


def plan_action(
    device: MechanicalState,
    action: int,
    option: int = ActionOption.NONE,
    timings: Timings | None = None,
    *,
    fault: Fault | None = None,
    trigger: int = StateTrigger.SYSTEM,
) -> ActionPlan:
    """The plan of ``action`` on ``device``. ``trigger`` is what the device records as the cause
    (``devices.trigger_for_web_action`` for the Web API); ``fault`` provokes a hardware failure
    and makes the motor run even where it otherwise would not need to."""
    check_action(device.device_type, action, option)
    timings = timings or Timings()
    kind = device_kind(device.device_type)
    if fault is not None and not kind.has_motor:
        raise InvalidParameter("fault", fault, f"A {kind.product} has no motor to block.")
    drain = action_drain(device.device_type, action, option)
    refusal = _refusal(device, action, trigger, drain)
    if refusal is not None:
        completion, reason = refusal
        return ActionPlan(device, (), LogEntry(action, trigger, completion, error=reason))
    if kind.has_motor and (fault is not None or not _already_there(device, action, option)):
        steps, log_after = _lock_movement(LockAction(action), option, timings)
    elif kind.has_ring_to_open:
        steps, log_after = _opener_movement(device, OpenerAction(action), timings)
    else:  # the box, or a lock already where the action would put it: nothing moves
        steps, log_after, drain = (PlanStep(0.0, StateChange()),), 0.0, 0.0
    completion = CompletionState.SUCCESS
    if fault == "motor_blocked":
        steps, log_after = _blocked(steps, timings)
        completion = CompletionState.MOTOR_BLOCKED
    steps = _with_first_change(steps, _bookkeeping(device, action, trigger, drain))
    return ActionPlan(device, steps, LogEntry(action, trigger, completion, log_after), drain)


def action_drain(device_type: DeviceType, action: int, option: int) -> float:
    """Battery percent an action takes when it runs (see the module docstring)."""
    kind = device_kind(device_type)
    if not kind.has_battery:
        return 0.0
    if not kind.has_motor:
        return OPENER_ACTION_DRAIN
    movements = {
        LockAction.UNLOCK: 1,
        LockAction.LOCK: 2 if option & ActionOption.FULL_LOCK else 1,
        LockAction.UNLATCH: 1,
        LockAction.LOCK_N_GO: 2,
        LockAction.LOCK_N_GO_WITH_UNLATCH: 2,
    }[LockAction(action)]
    unlatches = action in (LockAction.UNLATCH, LockAction.LOCK_N_GO_WITH_UNLATCH)
    return movements * MOTOR_MOVEMENT_DRAIN + (UNLATCH_DRAIN if unlatches else 0.0)


def _refusal(
    device: MechanicalState, action: int, trigger: int, drain: float
) -> tuple[CompletionState, str] | None:
    """Why the device will not run the action in its current state, if it will not."""
    if device.device_type is DeviceType.BOX:
        return None
    if device.device_type is DeviceType.OPENER:
        return _opener_refusal(device)
    return _lock_refusal(device, action, trigger, drain)


def _opener_refusal(device: MechanicalState) -> tuple[CompletionState, str] | None:
    if device.state == OpenerState.UNTRAINED:
        return CompletionState.OTHER_ERROR, "The opener is not trained to its intercom."
    if device.state in _OPENER_BUSY:
        return CompletionState.BUSY, "The opener is busy."
    if device.mode not in (Mode.DOOR, Mode.CONTINUOUS):
        return CompletionState.REJECTED, f"The opener is in mode {device.mode}."
    return None


def _lock_refusal(
    device: MechanicalState, action: int, trigger: int, drain: float
) -> tuple[CompletionState, str] | None:
    # Not calibrated has its own BLE error (0x47) but no log completion state of its own.
    if device.state == LockState.UNCALIBRATED:
        return CompletionState.OTHER_ERROR, "The lock is not calibrated."
    if device.state in _LOCK_BUSY:
        return CompletionState.BUSY, "The lock is busy."
    if device.mode != Mode.DOOR:
        return CompletionState.REJECTED, f"The lock is in mode {device.mode}."
    if device.battery_charge < drain:
        return CompletionState.LOW_MOTOR_VOLTAGE, "The battery is too weak to move the motor."
    # Night mode's "no auto unlock": the BLE error REJECTED_NIGHTMODE (vendor-behaviour §1.3).
    if device.night_mode and trigger == StateTrigger.AUTOMATIC and action in _OPENING_LOCK_ACTIONS:
        return CompletionState.REJECTED_NIGHT_MODE, "Night mode does not allow auto unlock."
    return None


def _already_there(device: MechanicalState, action: int, option: int) -> bool:
    """[inferred] "force" (option 2) is the BLE flag that makes the motor move even when the lock
    already is where the action puts it; without it such an action completes at once."""
    if option & ActionOption.FORCE:
        return False
    return (action, device.state) in {
        (LockAction.LOCK, LockState.LOCKED),
        (LockAction.UNLOCK, LockState.UNLOCKED),
    }


def _lock_movement(
    action: LockAction, option: int, timings: Timings
) -> tuple[tuple[PlanStep, ...], float]:
    """The lock's states through ``action`` and when the log entry is due: after the first
    movement (a lock 'n' go is logged once unlocked, not when it relocks)."""
    motor, hold, lng = timings.motor_time, timings.unlatch_hold, timings.lng_timeout
    if action is LockAction.LOCK:
        turns = 2 if option & ActionOption.FULL_LOCK else 1
        return _states((0.0, LockState.LOCKING), (motor * turns, LockState.LOCKED)), motor * turns
    if action is LockAction.UNLOCK:
        return _states((0.0, LockState.UNLOCKING), (motor, LockState.UNLOCKED)), motor
    relock = ((lng, LockState.LOCKING), (motor, LockState.LOCKED))
    if action is LockAction.LOCK_N_GO:
        opening = ((0.0, LockState.UNLOCKING), (motor, LockState.UNLOCKED_LOCK_N_GO))
        return _states(*opening, *relock), motor
    unlatch = ((0.0, LockState.UNLATCHING), (motor, LockState.UNLATCHED))
    if action is LockAction.UNLATCH:
        return _states(*unlatch, (hold, LockState.UNLOCKED)), motor
    return _states(*unlatch, (hold, LockState.UNLOCKED_LOCK_N_GO), *relock), motor


def _opener_movement(
    device: MechanicalState, action: OpenerAction, timings: Timings
) -> tuple[tuple[PlanStep, ...], float]:
    """The opener's states through ``action`` and when the log entry is due."""
    if action is OpenerAction.ACTIVATE_RING_TO_OPEN:
        return _ring_to_open(timings.rto_timeout), 0.0
    if action is OpenerAction.DEACTIVATE_RING_TO_OPEN:
        return (PlanStep(0.0, _RING_TO_OPEN_OFF),), 0.0
    if action in (OpenerAction.ACTIVATE_CONTINUOUS_MODE, OpenerAction.DEACTIVATE_CONTINUOUS_MODE):
        on = action is OpenerAction.ACTIVATE_CONTINUOUS_MODE
        switch = PlanStep(0.0, StateChange(mode=Mode.CONTINUOUS if on else Mode.DOOR))
        return (switch, *_rest_of_ring_to_open(device, 0.0)), 0.0
    delay, duration = timings.electric_strike_delay, timings.electric_strike_duration
    opening = _states((0.0, OpenerState.OPENING), (delay, OpenerState.OPEN))
    back = _rest_of_ring_to_open(device, delay + duration) or (PlanStep(0.0, _RING_TO_OPEN_OFF),)
    return (*opening, *_after(duration, back)), delay


def _rest_of_ring_to_open(device: MechanicalState, elapsed: float) -> tuple[PlanStep, ...]:
    """Ring to open, if it was on, runs on through an action that leaves it alone until its
    timer ends; the new plan replaces the old one's pending end, so it must carry it."""
    if device.state != OpenerState.RING_TO_OPEN_ACTIVE:
        return ()
    left = max(0.0, device.ring_to_open_timer - elapsed)
    return _ring_to_open(left) if left > 0 else (PlanStep(0.0, _RING_TO_OPEN_OFF),)


def _ring_to_open(seconds: float) -> tuple[PlanStep, ...]:
    timer = min(MAX_RING_TO_OPEN_TIMER, math.ceil(seconds))
    on = StateChange(state=OpenerState.RING_TO_OPEN_ACTIVE, ring_to_open_timer=timer)
    return PlanStep(0.0, on), PlanStep(seconds, _RING_TO_OPEN_OFF)


def _after(seconds: float, steps: tuple[PlanStep, ...]) -> tuple[PlanStep, ...]:
    """``steps`` with their start delayed by ``seconds``."""
    first = PlanStep(steps[0].after_seconds + seconds, steps[0].change)
    return (first, *steps[1:])


def _states(*timeline: tuple[float, int]) -> tuple[PlanStep, ...]:
    return tuple(PlanStep(after, StateChange(state=state)) for after, state in timeline)


def _blocked(steps: tuple[PlanStep, ...], timings: Timings) -> tuple[tuple[PlanStep, ...], float]:
    """The motor starts (the first step) and stalls one motor time later."""
    stalled = PlanStep(timings.motor_time, StateChange(state=LockState.MOTOR_BLOCKED))
    return (steps[0], stalled), timings.motor_time


def _bookkeeping(device: MechanicalState, action: int, trigger: int, drain: float) -> StateChange:
    """What every action that runs records at once: itself, its trigger and the battery."""
    charge = max(0.0, device.battery_charge - drain)
    return StateChange(
        last_action=action,
        trigger=trigger,
        battery_charge=charge,
        battery_critical=device_kind(device.device_type).has_battery
        and charge <= BATTERY_CRITICAL_CHARGE,
    )


def _with_first_change(steps: tuple[PlanStep, ...], extra: StateChange) -> tuple[PlanStep, ...]:
    """``steps`` with ``extra``'s fields added to the first step."""
    first = steps[0]
    merged = replace(
        extra,
        **{
            f.name: getattr(first.change, f.name)
            for f in fields(StateChange)
            if getattr(first.change, f.name) is not None
        },
    )
    return (PlanStep(first.after_seconds, merged), *steps[1:])


# Where a device ends up when its pending steps are lost (the server stopped mid-movement):
# the state the movement was heading for.
_SETTLED_LOCK = {
    LockState.UNLOCKING: LockState.UNLOCKED,
    LockState.LOCKING: LockState.LOCKED,
    LockState.UNLATCHING: LockState.UNLOCKED,
    LockState.UNLATCHED: LockState.UNLOCKED,
    LockState.UNLOCKED_LOCK_N_GO: LockState.LOCKED,
    LockState.BOOT_RUN: LockState.LOCKED,
}
_SETTLED_OPENER = {
    OpenerState.OPENING: OpenerState.ONLINE,
    OpenerState.OPEN: OpenerState.ONLINE,
    OpenerState.RING_TO_OPEN_ACTIVE: OpenerState.ONLINE,
    OpenerState.BOOT_RUN: OpenerState.ONLINE,
}


def settled(device: MechanicalState) -> MechanicalState:
    """The device at rest: a movement or timer whose remaining steps will not run any more
    (the simulator restarted) completes at once, so the device does not stay busy for ever."""
    if is_stable(device.device_type, device.state):
        return device
    table = _SETTLED_OPENER if device.device_type is DeviceType.OPENER else _SETTLED_LOCK
    state = table.get(device.state, device.state)  # type: ignore[call-overload]
    return replace(device, state=state, ring_to_open_timer=0)
