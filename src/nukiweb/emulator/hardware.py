"""What a Nuki lock does on its own side of the MQTT API, without the MQTT: the state it
publishes, how it answers a command, and what it does when someone acts at the door.

``LockHardware`` is a state machine with time passed in: every input (a command, a button
press, a timer come due) returns the ``Publication``s the lock makes, and ``due()`` says when
it next wants ``advance()``. The mechanics are ``domain.lock_physics``' plans, run step by
step; the session (``emulator.session``) turns the publications into MQTT messages.

Behaviour choices where the vendor's specification leaves them open (docs/mqtt.md):
- ``commandResponse`` comes once the action's outcome is known: when the motor has arrived
  (or stalled), not when the command is accepted. A lock 'n' go answers once unlocked, before
  it relocks; an unlatch answers once unlatched, before the latch is let go.
- A lock turned by hand changes state at once and publishes no ``lockActionEvent``: no motor
  runs, so no action is "about to be executed".
- The button is configured single press = lock 'n' go, double press = nothing; the fob as the
  Nuki Fob comes: one press = unlock a locked lock, lock any other, two = lock 'n' go, three =
  unlatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Final

from nukiweb.clock import Clock
from nukiweb.domain.devices import (
    CompletionState,
    DoorState,
    LockAction,
    LockState,
    Mode,
    OpenerAction,
    OpenerState,
    StateTrigger,
    device_kind,
)
from nukiweb.domain.lock_physics import (
    BATTERY_CRITICAL_CHARGE,
    ActionPlan,
    Fault,
    MechanicalState,
    StateChange,
    plan_action,
)
from nukiweb.domain.mqtt_api import (
    COMMAND_ACTIONS,
    SUCCESS,
    LockActionEvent,
    Topic,
    format_bool,
    parse_int,
)
from nukiweb.emulator.profile import LockProfile

# lockActionEvent fields.
TRIGGER_SYSTEM: Final = 0  # bluetooth, and the keypad
TRIGGER_BUTTON: Final = 2
TRIGGER_AUTOMATIC: Final = 3  # also the fob
TRIGGER_MQTT: Final = 172
BUTTON_WITHOUT_ACTION: Final = 90
KEYPAD_SOURCE_CODE: Final = 1

# BLE error codes (mqtt_api.BLE_ERRORS) the lock answers in commandResponse.
BAD_PARAMETER: Final = 0x23
BUSY: Final = 0x45
CANCELED: Final = 0x46
_RESPONSE_CODES: Final = {
    CompletionState.SUCCESS: SUCCESS,
    CompletionState.MOTOR_BLOCKED: 0x42,
    CompletionState.BUSY: BUSY,
    CompletionState.LOW_MOTOR_VOLTAGE: 0x49,
    CompletionState.REJECTED: 0x25,  # the lock's mode does not take actions
    CompletionState.OTHER_ERROR: 0x47,  # not calibrated (lock) or not trained (opener)
    CompletionState.CANCELED: CANCELED,
}
_UNKNOWN_ERROR: Final = 0xFF
# The order of things due at one instant: state steps, then the answer.
_STEP, _RESPONSE = 0, 1


@dataclass(frozen=True, slots=True)
class Publication:
    """One message the lock publishes under ``<root>/<ID>/``: state topics retained with QoS 0,
    events and answers not retained with QoS 2."""

    name: str
    payload: str

    @property
    def retained(self) -> bool:
        return self.name not in (Topic.COMMAND_RESPONSE, Topic.LOCK_ACTION_EVENT)

    @property
    def qos(self) -> int:
        return 0 if self.retained else 2


class ControlError(ValueError):
    """Something was asked of the lock that it cannot do, or in words it does not read."""


@dataclass(order=True)
class _Due:
    at: float
    order: int
    sequence: int
    change: StateChange | None = field(compare=False, default=None)
    response: int | None = field(compare=False, default=None)


class LockHardware:
    """One lock's state and behaviour. Every method takes ``now``, seconds on a monotonic
    scale of the caller's (the session's event loop time), and returns what to publish."""

    def __init__(
        self,
        profile: LockProfile,
        clock: Clock,
        mechanics: MechanicalState | None = None,
    ) -> None:
        self.profile = profile
        self._clock = clock
        self.mechanics = mechanics or _initial(profile)
        self.battery_charging = False
        self.keypad_battery_critical = False
        self.doorsensor_battery_critical = False
        self.server_connected = True
        self.ring_action: datetime | None = None
        self.next_fault: Fault | None = None
        self.updated = clock.now()
        self._pending: list[_Due] = []
        self._sequence = 0

    # --- what the lock publishes ---------------------------------------------------------

    def state_payloads(self) -> dict[str, str]:
        """Every retained state topic and its payload, but ``connected``, which the session
        owns (it is true while connected, and the Last Will says false)."""
        device = self.mechanics
        payloads = {
            Topic.DEVICE_TYPE: str(int(self.profile.device_type)),
            Topic.NAME: self.profile.name,
            Topic.FIRMWARE: self.profile.firmware,
            Topic.MODE: str(device.mode),
            Topic.STATE: str(device.state),
            Topic.BATTERY_CRITICAL: format_bool(device.battery_critical),
            Topic.BATTERY_CHARGE_STATE: str(device.reported_battery_charge),
            Topic.BATTERY_CHARGING: format_bool(self.battery_charging),
            Topic.KEYPAD_BATTERY_CRITICAL: format_bool(self.keypad_battery_critical),
            Topic.DOORSENSOR_STATE: str(_door_payload(device.door_state)),
            Topic.DOORSENSOR_BATTERY_CRITICAL: format_bool(self.doorsensor_battery_critical),
            Topic.SERVER_CONNECTED: format_bool(self.server_connected),
            Topic.TIMESTAMP: _iso(self.updated),
        }
        if self.ring_action is not None:
            payloads[Topic.RINGACTION_TIMESTAMP] = _iso(self.ring_action)
        return {str(name): value for name, value in payloads.items()}

    def _changing(self, change: Callable[[], None]) -> list[Publication]:
        """``change`` applied; the state topics whose payload it changed, then ``timestamp``."""
        before = self.state_payloads()
        change()
        after = self.state_payloads()
        changed = [
            Publication(name, payload)
            for name, payload in after.items()
            if before.get(name) != payload and name != Topic.TIMESTAMP
        ]
        if not changed:
            return []
        self.updated = self._clock.now()
        return [*changed, Publication(Topic.TIMESTAMP, _iso(self.updated))]

    # --- commands over MQTT --------------------------------------------------------------

    def command(self, name: str, payload: str, now: float) -> list[Publication]:
        """A message on ``lockAction``, ``lock`` or ``unlock``."""
        action = self.command_action(name, payload)
        if action is None:
            return [_response(BAD_PARAMETER)]
        event = LockActionEvent(action, TRIGGER_MQTT, 0, 0, 0)
        return self._run(action, StateTrigger.SYSTEM, event, now, respond=True)

    def command_action(self, name: str, payload: str) -> int | None:
        """The action a command asks for; ``None`` when the lock does not read it."""
        if name == Topic.LOCK_ACTION:
            action = parse_int(payload)
            accepted = device_kind(self.profile.device_type).actions & COMMAND_ACTIONS
            return action if action in accepted else None
        if payload.strip().lower() != "true":
            return None
        if name == Topic.LOCK:
            return int(OpenerAction.DEACTIVATE_RING_TO_OPEN if self.profile.is_opener else 2)
        if name == Topic.UNLOCK:
            if self.profile.is_opener:
                return int(OpenerAction.ELECTRIC_STRIKE_ACTUATION)
            return int(LockAction.UNLOCK if self.profile.has_handle else LockAction.UNLATCH)
        return None

    # --- what people do at the door ------------------------------------------------------

    def press_button(self, presses: int, now: float) -> list[Publication]:
        """The lock's own button: once is lock 'n' go (an opener toggles ring to open), twice
        does nothing but say so."""
        if presses == 1:
            action = self._button_action()
            event = LockActionEvent(action, TRIGGER_BUTTON, 0, 0, 0)
            return self._run(action, StateTrigger.BUTTON, event, now)
        if presses == 2:  # noqa: PLR2004 - a double press
            return [_event(LockActionEvent(BUTTON_WITHOUT_ACTION, TRIGGER_BUTTON, 0, 0, 2))]
        raise ControlError("the button is pressed once or twice")

    def _button_action(self) -> int:
        if not self.profile.is_opener:
            return int(LockAction.LOCK_N_GO)
        if self.mechanics.state == OpenerState.RING_TO_OPEN_ACTIVE:
            return int(OpenerAction.DEACTIVATE_RING_TO_OPEN)
        return int(OpenerAction.ACTIVATE_RING_TO_OPEN)

    def turn_by_hand(self, locked: bool) -> list[Publication]:
        """Someone turns the key or the knob: the lock sees where it now is; no event."""
        self._require_lock("turned by hand")
        interrupted = self._interrupt()
        turned = replace(
            self.mechanics,
            state=LockState.LOCKED if locked else LockState.UNLOCKED,
            trigger=StateTrigger.MANUAL,
        )
        return interrupted + self._changing(lambda: self._set(turned))

    def enter_code(
        self, auth_id: int, code_id: int, now: float, action: int = LockAction.UNLATCH
    ) -> list[Publication]:
        """A valid code typed on the keypad (a wrong one is never published): the lock runs
        ``action``, unlatch by default; an opener opens."""
        if self.profile.is_opener:
            action = OpenerAction.ELECTRIC_STRIKE_ACTUATION
        self._check_local_action(action)
        event = LockActionEvent(action, TRIGGER_SYSTEM, auth_id, code_id, KEYPAD_SOURCE_CODE)
        return self._run(action, StateTrigger.SYSTEM, event, now)

    def use_fob(self, auth_id: int, presses: int, now: float) -> list[Publication]:
        """A paired Nuki Fob pressed once (unlock a locked lock, lock any other), twice (lock
        'n' go) or three times (unlatch)."""
        self._require_lock("operated with a fob")
        if presses == 1:
            action = (
                LockAction.UNLOCK if self.mechanics.state == LockState.LOCKED else LockAction.LOCK
            )
        elif presses in (2, 3):
            action = LockAction.LOCK_N_GO if presses == 2 else LockAction.UNLATCH  # noqa: PLR2004
        else:
            raise ControlError("a fob is pressed one to three times")
        event = LockActionEvent(action, TRIGGER_AUTOMATIC, auth_id, 0, presses)
        return self._run(action, StateTrigger.MANUAL, event, now)

    def auto_unlock(self, auth_id: int, now: float) -> list[Publication]:
        """The app of ``auth_id`` comes home and the lock unlocks by itself."""
        self._require_lock("auto-unlocked")
        event = LockActionEvent(LockAction.UNLOCK, TRIGGER_SYSTEM, auth_id, 0, 1)
        return self._run(LockAction.UNLOCK, StateTrigger.AUTOMATIC, event, now)

    def ring(self, now: float) -> list[Publication]:
        """Someone rings at the opener's intercom: ``ringactionTimestamp``; with ring to open
        or continuous mode on, the opener opens the door."""
        if not self.profile.is_opener:
            raise ControlError("only an opener has a doorbell")
        ringing = self._changing(lambda: setattr(self, "ring_action", self._clock.now()))
        device = self.mechanics
        if device.state != OpenerState.RING_TO_OPEN_ACTIVE and device.mode != Mode.CONTINUOUS:
            return ringing
        action = OpenerAction.ELECTRIC_STRIKE_ACTUATION
        event = LockActionEvent(action, TRIGGER_SYSTEM, 0, 0, 0)
        return ringing + self._run(action, StateTrigger.SYSTEM, event, now)

    def set_door(self, is_open: bool) -> list[Publication]:
        if not self.profile.door_sensor or not device_kind(self.profile.device_type).has_motor:
            raise ControlError("this lock has no door sensor")
        door = DoorState.DOOR_OPENED if is_open else DoorState.DOOR_CLOSED
        return self._changing(lambda: self._set(replace(self.mechanics, door_state=door)))

    def set_battery(self, percent: float) -> list[Publication]:
        if not 0 <= percent <= 100:  # noqa: PLR2004 - percent
            raise ControlError("a battery charge is 0 to 100 percent")
        critical = percent <= BATTERY_CRITICAL_CHARGE
        charged = replace(self.mechanics, battery_charge=percent, battery_critical=critical)
        return self._changing(lambda: self._set(charged))

    def set_charging(self, charging: bool) -> list[Publication]:
        return self._changing(lambda: setattr(self, "battery_charging", charging))

    def set_keypad_battery_critical(self, critical: bool) -> list[Publication]:
        return self._changing(lambda: setattr(self, "keypad_battery_critical", critical))

    def set_doorsensor_battery_critical(self, critical: bool) -> list[Publication]:
        return self._changing(lambda: setattr(self, "doorsensor_battery_critical", critical))

    def set_server_connected(self, connected: bool) -> list[Publication]:
        return self._changing(lambda: setattr(self, "server_connected", connected))

    def provoke_fault(self, fault: str) -> None:
        """The next action's motor blocks."""
        if fault != "motor_blocked":
            raise ControlError("the fault to provoke is motor_blocked")
        self._require_lock("blocked")
        self.next_fault = "motor_blocked"

    # --- time ----------------------------------------------------------------------------

    def due(self) -> float | None:
        """When ``advance`` next has something to do."""
        return self._pending[0].at if self._pending else None

    def advance(self, now: float) -> list[Publication]:
        """Everything due by ``now``, in order: state steps, then the answer of an action."""
        published: list[Publication] = []
        while self._pending and self._pending[0].at <= now:
            due = self._pending.pop(0)
            if due.change is not None:
                published += self._changing(partial(self._apply, due.change))
            if due.response is not None:
                published.append(_response(due.response))
        return published

    @property
    def busy(self) -> bool:
        """Whether the lock is still carrying out an action it has to answer for."""
        return any(due.response is not None for due in self._pending)

    # --- running actions -----------------------------------------------------------------

    def _run(
        self,
        action: int,
        trigger: int,
        event: LockActionEvent,
        now: float,
        *,
        respond: bool = False,
    ) -> list[Publication]:
        """``action`` planned from where the lock is, announced, and its immediate steps run;
        the rest wait for ``advance``. A refused action moves nothing and, for a command, is
        answered at once."""
        if self.busy:  # the answer of the last command is still to come
            return [_response(BUSY)] if respond else []
        fault = self.next_fault if device_kind(self.profile.device_type).has_motor else None
        plan = plan_action(
            self.mechanics, action, 0, self.profile.timings, fault=fault, trigger=trigger
        )
        if not plan.steps:
            return [_response(_response_code(plan))] if respond else []
        self.next_fault = None
        self._pending.clear()  # the new plan replaces what the old one had left (a relock)
        at = now
        for step in plan.steps:
            at += step.after_seconds
            self._schedule(_Due(at, _STEP, self._next_sequence(), change=step.change))
        if respond:
            answer_at = now + plan.log.after_seconds
            self._schedule(
                _Due(answer_at, _RESPONSE, self._next_sequence(), response=_response_code(plan))
            )
        return [_event(event), *self.advance(now)]

    def _interrupt(self) -> list[Publication]:
        """The hand wins over the motor: what was still to come (a relock) is dropped, and a
        command still unanswered is answered "canceled"."""
        canceled = [_response(CANCELED) for due in self._pending if due.response is not None]
        self._pending.clear()
        return canceled

    def _schedule(self, due: _Due) -> None:
        self._pending.append(due)
        self._pending.sort()

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _apply(self, change: StateChange) -> None:
        self.mechanics = change.apply(self.mechanics)

    def _set(self, mechanics: MechanicalState) -> None:
        self.mechanics = mechanics

    def _require_lock(self, what: str) -> None:
        if not device_kind(self.profile.device_type).has_motor:
            raise ControlError(f"an opener cannot be {what}")

    def _check_local_action(self, action: int) -> None:
        if action not in device_kind(self.profile.device_type).actions:
            raise ControlError(f"this device has no action {action}")


def _initial(profile: LockProfile) -> MechanicalState:
    device = MechanicalState.initial(profile.device_type)
    door_sensor = profile.door_sensor and device_kind(profile.device_type).has_motor
    return replace(
        device, door_state=DoorState.DOOR_CLOSED if door_sensor else DoorState.DEACTIVATED
    )


def _door_payload(door_state: int) -> int:
    # The Web API's 0 (no sensor) is "deactivated" to MQTT, which has no 0.
    return DoorState.DEACTIVATED if door_state == DoorState.UNAVAILABLE else door_state


def _response_code(plan: ActionPlan) -> int:
    return _RESPONSE_CODES.get(plan.log.completion, _UNKNOWN_ERROR)


def _response(code: int) -> Publication:
    return Publication(Topic.COMMAND_RESPONSE, str(code))


def _event(event: LockActionEvent) -> Publication:
    return Publication(Topic.LOCK_ACTION_EVENT, event.format())


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
