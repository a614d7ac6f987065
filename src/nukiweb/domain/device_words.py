"""Nuki's numeric codes in the words the web pages show: device states, batteries and doors
(doc §5, spec ``Smartlock.State``), activity-log actions, triggers and outcomes (spec
``SmartlockLog``), authorization types and time windows (spec ``SmartlockAuth``).

The words are the doc's and the spec's own ("rto active", "lock'n'go"); a code no table knows is
shown as its number rather than hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

from nukiweb.domain.authorizations import EVERY_DAY, AuthType
from nukiweb.domain.device_state import from_document, state_view
from nukiweb.domain.devices import (
    CompletionState,
    DeviceType,
    DoorState,
    LockState,
    LogAction,
    LogTrigger,
    OpenerAction,
    OpenerState,
    ServerState,
    device_kind,
)
from nukiweb.domain.smartlocks import Authorization, Device, LogEntry

# --- device state (doc §5) -------------------------------------------------------------------

# Keyed by number: LockState's aliases (NOT_ACTIVATED is UNCALIBRATED) would collide as members.
_LOCK_STATES: Final[Mapping[int, str]] = MappingProxyType(
    {
        LockState.UNCALIBRATED: "uncalibrated",
        LockState.LOCKED: "locked",
        LockState.UNLOCKING: "unlocking",
        LockState.UNLOCKED: "unlocked",
        LockState.LOCKING: "locking",
        LockState.UNLATCHED: "unlatched",
        LockState.UNLOCKED_LOCK_N_GO: "unlocked (lock'n'go)",
        LockState.UNLATCHING: "unlatching",
        LockState.ERROR_WRONG_ENTRY_CODE: "wrong entry code",
        LockState.ERROR_WRONG_FINGERPRINT: "wrong fingerprint",
        LockState.MOTOR_BLOCKED: "motor blocked",
        LockState.UNDEFINED: "undefined",
    }
)
# The Smart Door column of doc §5 differs from the Smart Lock's in two places.
_SMARTDOOR_STATES: Final[Mapping[int, str]] = MappingProxyType(
    dict(_LOCK_STATES) | {LockState.NOT_ACTIVATED: "not activated", LockState.BOOT_RUN: "boot run"}
)
_OPENER_STATES: Final[Mapping[int, str]] = MappingProxyType(
    {
        OpenerState.UNTRAINED: "untrained",
        OpenerState.ONLINE: "online",
        OpenerState.RING_TO_OPEN_ACTIVE: "rto active",
        OpenerState.OPEN: "open",
        OpenerState.OPENING: "opening",
        OpenerState.BOOT_RUN: "boot run",
        OpenerState.UNDEFINED: "undefined",
    }
)
_DOOR_STATES: Final[Mapping[int, str]] = MappingProxyType(
    {
        DoorState.UNAVAILABLE: "unavailable",
        DoorState.DEACTIVATED: "deactivated",
        DoorState.DOOR_CLOSED: "closed",
        DoorState.DOOR_OPENED: "open",
        DoorState.DOOR_STATE_UNKNOWN: "unknown",
        DoorState.CALIBRATING: "calibrating",
        DoorState.UNCALIBRATED: "uncalibrated",
        DoorState.REMOVED: "removed",
        DoorState.UNKNOWN: "unknown",
    }
)


def state_words(device_type: DeviceType, state: int) -> str | None:
    """``Smartlock.State.state`` in words; ``None`` for a box, which has no state."""
    kind = device_kind(device_type)
    if not kind.has_lock_state:
        return None
    table = {
        DeviceType.OPENER: _OPENER_STATES,
        DeviceType.SMARTDOOR: _SMARTDOOR_STATES,
    }.get(kind.device_type, _LOCK_STATES)
    return table.get(state, f"state {state}")


def door_words(device_type: DeviceType, door_state: int) -> str | None:
    """``Smartlock.State.doorState`` in words; ``None`` for a device that takes no door sensor."""
    if not device_kind(device_type).supports_door_sensor:
        return None
    return _DOOR_STATES.get(door_state, f"door state {door_state}")


def battery_words(device_type: DeviceType, state: Mapping[str, Any]) -> str | None:
    """Critical, charging and the charge of a ``Smartlock.State``; ``None`` without a battery."""
    if not device_kind(device_type).has_battery:
        return None
    parts = []
    if state.get("batteryCritical"):
        parts.append("critical")
    if state.get("batteryCharging"):
        parts.append("charging")
    if state.get("batteryCharge") is not None:
        parts.append(f"{state['batteryCharge']} %")
    return ", ".join(parts) or None


_SERVER_STATES: Final[Mapping[int, str]] = MappingProxyType(
    {
        ServerState.OK: "ok",
        ServerState.UNREGISTERED: "unregistered",
        ServerState.AUTH_UUID_INVALID: "auth uuid invalid",
        ServerState.AUTH_INVALID: "auth invalid",
        ServerState.OFFLINE: "offline",
    }
)


def server_state_words(server_state: int) -> str:
    """``Smartlock.serverState`` in words."""
    return _SERVER_STATES.get(server_state, f"server state {server_state}")


# --- a device as one row of the Smart Locks page ---------------------------------------------


@dataclass(frozen=True, slots=True)
class SimpleActionLabels:
    """The buttons for ``/action/lock`` and ``/action/unlock`` (doc §6.1); ``None``: no button."""

    lock: str | None
    unlock: str


def simple_action_labels(device_type: DeviceType) -> SimpleActionLabels:
    """A box only unlocks; an opener's lock deactivates ring to open, its unlock opens."""
    device_type = DeviceType(device_type)
    if device_type is DeviceType.BOX:
        return SimpleActionLabels(None, "Unlock")
    if device_type is DeviceType.OPENER:
        return SimpleActionLabels("Deactivate ring to open", "Open")
    return SimpleActionLabels("Lock", "Unlock")


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    smartlock_id: int
    name: str
    product: str
    state: str | None
    battery: str | None
    door: str | None
    online: bool
    busy: bool
    in_flight: str | None
    """The state shown while an operation is under way: the motion (``unlocking…``), or the
    state and that a command waits for the device; None when nothing is under way."""
    error: str | None
    actions: SimpleActionLabels


# States a device is in while its motor moves.
_MOVING_LOCK_STATES = frozenset({LockState.UNLOCKING, LockState.LOCKING, LockState.UNLATCHING})
COMMAND_WAITING = "command sent, waiting for the device…"


def in_flight_words(device_type: DeviceType, state: int, busy: bool) -> str | None:
    """What a device is doing: the motion it is in (whatever started it); else, while an
    operation is under way that has not moved it yet, its state and that a command waits."""
    words = state_words(device_type, state)
    moving = (
        state == OpenerState.OPENING
        if DeviceType(device_type) is DeviceType.OPENER
        else state in _MOVING_LOCK_STATES
    )
    if moving and words is not None:
        return f"{words}…"
    if not busy:
        return None
    return COMMAND_WAITING if words is None else f"{words}; {COMMAND_WAITING}"


def describe_device(device: Device, now: datetime) -> DeviceSummary:
    """The device as the Smart Locks page lists it, from the state the API shows of it."""
    shown = state_view(from_document(device.mechanics), device.operation_id, now)
    busy = device.operation_id is not None
    return DeviceSummary(
        smartlock_id=device.smartlock_id,
        name=device.name,
        product=device_kind(device.type).product,
        state=state_words(device.type, shown["state"]),
        battery=battery_words(device.type, shown),
        door=door_words(device.type, shown["doorState"]),
        online=device.server_state != ServerState.OFFLINE,
        busy=busy,
        in_flight=in_flight_words(device.type, shown["state"], busy),
        error=device.error,
        actions=simple_action_labels(device.type),
    )


# --- the activity log (spec SmartlockLog) ----------------------------------------------------

_LOG_ACTIONS: Final[Mapping[int, str]] = MappingProxyType(
    {
        LogAction.UNLOCK: "unlock",
        LogAction.LOCK: "lock",
        LogAction.UNLATCH: "unlatch",
        LogAction.LOCK_N_GO: "lock'n'go",
        LogAction.LOCK_N_GO_WITH_UNLATCH: "lock'n'go with unlatch",
        LogAction.DOOR_WARNING_AJAR: "door warning: ajar",
        LogAction.DOOR_WARNING_STATUS_MISMATCH: "door warning: status mismatch",
        LogAction.DOORBELL_RECOGNITION: "doorbell recognition",
        LogAction.DOOR_OPENED: "door opened",
        LogAction.DOOR_CLOSED: "door closed",
        LogAction.DOOR_SENSOR_JAMMED: "door sensor jammed",
        LogAction.FIRMWARE_UPDATE: "firmware update",
        LogAction.DOOR_LOG_ENABLED: "door log enabled",
        LogAction.DOOR_LOG_DISABLED: "door log disabled",
        LogAction.INITIALIZATION: "initialization",
        LogAction.CALIBRATION: "calibration",
        LogAction.LOG_ENABLED: "log enabled",
        LogAction.LOG_DISABLED: "log disabled",
    }
)
# An opener logs its own action numbers in 1..7 (see LogAction).
_OPENER_LOG_ACTIONS: Final[Mapping[int, str]] = MappingProxyType(
    {
        OpenerAction.ACTIVATE_RING_TO_OPEN: "activate ring to open",
        OpenerAction.DEACTIVATE_RING_TO_OPEN: "deactivate ring to open",
        OpenerAction.ELECTRIC_STRIKE_ACTUATION: "open (electric strike)",
        OpenerAction.ACTIVATE_CONTINUOUS_MODE: "activate continuous mode",
        OpenerAction.DEACTIVATE_CONTINUOUS_MODE: "deactivate continuous mode",
    }
)
_LOG_TRIGGERS: Final[Mapping[int, str]] = MappingProxyType(
    {
        LogTrigger.SYSTEM: "system",
        LogTrigger.MANUAL: "manual",
        LogTrigger.BUTTON: "button",
        LogTrigger.AUTOMATIC: "automatic",
        LogTrigger.WEB: "web",
        LogTrigger.APP: "app",
        LogTrigger.AUTO_LOCK: "auto lock",
        LogTrigger.ACCESSORY: "accessory",
        LogTrigger.KEYPAD: "keypad",
    }
)
_COMPLETION_STATES: Final[Mapping[int, str]] = MappingProxyType(
    {
        CompletionState.SUCCESS: "success",
        CompletionState.MOTOR_BLOCKED: "motor blocked",
        CompletionState.CANCELED: "canceled",
        CompletionState.TOO_RECENT: "too recent",
        CompletionState.BUSY: "busy",
        CompletionState.LOW_MOTOR_VOLTAGE: "low motor voltage",
        CompletionState.CLUTCH_FAILURE: "clutch failure",
        CompletionState.MOTOR_POWER_FAILURE: "motor power failure",
        CompletionState.INCOMPLETE: "incomplete",
        CompletionState.REJECTED: "rejected",
        CompletionState.REJECTED_NIGHT_MODE: "rejected (night mode)",
        CompletionState.OTHER_ERROR: "other error",
        CompletionState.UNKNOWN_ERROR: "unknown error",
    }
)
_OPENER_LOG_DEVICE_TYPE = 2  # SmartlockLog.deviceType


def _opener_label(code: int) -> str:
    opener = _OPENER_LOG_ACTIONS.get(code)
    lock = _LOG_ACTIONS.get(code)
    if lock is None:
        return f"{opener} (Opener)"
    return lock if opener is None else f"{lock} / {opener} (Opener)"


# The action filter of the Activity log page: a code means one thing on locks and another on an
# opener, so a label names both.
LOG_ACTION_CHOICES: Final[tuple[tuple[int, str], ...]] = tuple(
    (code, _opener_label(code)) for code in sorted({*_LOG_ACTIONS, *_OPENER_LOG_ACTIONS})
)


def log_action_words(log_device_type: int, action: int) -> str:
    """``SmartlockLog.action`` in words, read as an opener's action on an opener's entry."""
    if log_device_type == _OPENER_LOG_DEVICE_TYPE and action in _OPENER_LOG_ACTIONS:
        return _OPENER_LOG_ACTIONS[action]
    return _LOG_ACTIONS.get(action, f"action {action}")


def log_trigger_words(trigger: int) -> str:
    return _LOG_TRIGGERS.get(trigger, f"trigger {trigger}")


def completion_words(state: int) -> str:
    return _COMPLETION_STATES.get(state, f"state {state}")


def failure_words(state: int) -> str:
    """Why an action failed, as the device's ``error`` says it (a sentence, not a code)."""
    return f"The action failed: {completion_words(state)}."


def is_log_action(code: int) -> bool:
    """Whether ``code`` is an action the log knows, for a lock or for an opener."""
    return code in _LOG_ACTIONS or code in _OPENER_LOG_ACTIONS


@dataclass(frozen=True, slots=True)
class LogLine:
    """An activity-log entry as the Activity log page lists it."""

    id: str
    smartlock_id: int
    date: str
    device: str
    name: str
    action: str
    trigger: str
    outcome: str
    error: str | None


def describe_log_entry(entry: LogEntry, device_names: Mapping[int, str]) -> LogLine:
    """``device_names``: the account's devices by smartlockId; a deleted one shows its id."""
    return LogLine(
        id=entry.id,
        smartlock_id=entry.smartlock_id,
        date=utc_text(entry.date, seconds=True),
        device=device_names.get(entry.smartlock_id, f"device {entry.smartlock_id}"),
        name=entry.name,
        action=log_action_words(entry.device_type, entry.action),
        trigger=log_trigger_words(entry.trigger),
        outcome=completion_words(entry.state),
        error=entry.error,
    )


# --- authorizations and account users (spec SmartlockAuth, AccountUser) ---------------------

_AUTH_TYPES: Final[Mapping[int, str]] = MappingProxyType(
    {
        AuthType.APP: "app",
        AuthType.BRIDGE: "bridge",
        AuthType.FOB: "fob",
        AuthType.KEYPAD: "keypad",
        AuthType.KEYPAD_CODE: "keypad code",
        AuthType.Z_KEY: "Z-key",
        AuthType.VIRTUAL: "virtual",
    }
)
_ACCOUNT_USER_TYPES: Final[Mapping[int, str]] = MappingProxyType({0: "user", 1: "company"})
# allowedWeekDays: 64 Monday ... 1 Sunday.
WEEK_DAYS: Final[tuple[tuple[int, str], ...]] = (
    (64, "Mon"),
    (32, "Tue"),
    (16, "Wed"),
    (8, "Thu"),
    (4, "Fri"),
    (2, "Sat"),
    (1, "Sun"),
)


def auth_type_words(auth_type: int) -> str:
    return _AUTH_TYPES.get(auth_type, f"type {auth_type}")


def account_user_type_words(user_type: int) -> str:
    return _ACCOUNT_USER_TYPES.get(user_type, f"type {user_type}")


def utc_text(moment: datetime, seconds: bool = False) -> str:
    """A date as the pages show it, in UTC (a naive one is taken to be UTC already)."""
    shown = moment.astimezone(UTC) if moment.utcoffset() is not None else moment
    return shown.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def time_limits(auth: Authorization) -> list[str]:
    """When the authorization admits, one phrase per restriction; none when it always does.
    Equal from and until times, and no week days or all of them, restrict nothing
    (``domain.authorizations``)."""
    limits = []
    if auth.allowed_from_date is not None:
        limits.append(f"from {utc_text(auth.allowed_from_date)}")
    if auth.allowed_until_date is not None:
        limits.append(f"until {utc_text(auth.allowed_until_date)}")
    daily = daily_limits(auth.allowed_week_days, auth.allowed_from_time, auth.allowed_until_time)
    return limits + daily


def daily_limits(week_days: int | None, start: int | None, end: int | None) -> list[str]:
    """The week days and the daily from-until of a window (UTC), one phrase each."""
    limits = []
    if week_days and week_days != EVERY_DAY:
        limits.append(", ".join(name for bit, name in WEEK_DAYS if week_days & bit))
    if start is not None and end is not None and start != end:
        limits.append(f"{_clock(start)} to {_clock(end)} UTC")
    return limits


@dataclass(frozen=True, slots=True)
class AuthorizationSummary:
    """An authorization as the Users page lists it."""

    id: str
    name: str
    type: str
    account_user: str | None
    enabled: bool
    remote_allowed: bool
    limits: list[str]
    pending: bool
    error: str | None


def describe_authorization(
    auth: Authorization, user_names: Mapping[int, str]
) -> AuthorizationSummary:
    """``user_names``: the account users by accountUserId."""
    user_id = auth.account_user_id
    return AuthorizationSummary(
        id=auth.id,
        name=auth.name,
        type=auth_type_words(auth.type),
        account_user=None if user_id is None else user_names.get(user_id, f"user {user_id}"),
        enabled=auth.enabled,
        remote_allowed=auth.remote_allowed,
        limits=time_limits(auth),
        pending=auth.operation_id is not None,
        error=auth.error,
    )
