"""The MQTT API of Nuki's own locks (Smart Lock 3.0 Pro, 4th generation): its topics, their
payloads, the ``lockActionEvent`` CSV and the BLE error codes of ``commandResponse``
(docs/mqtt.md has the sources). Both sides use it: the server that reads locks, and the
emulator that plays them.

Topics are ``<root>/<nukiId in hex>/<name>``; the root is ``nuki`` on a real lock, and may be
longer (``test-1/nuki``) where several setups share one broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from nukiweb.domain.device_state import Hardware
from nukiweb.domain.devices import MAX_NUKI_ID, CompletionState

ROOT: Final = "nuki"


class Topic(StrEnum):
    # Published by the lock, QoS 0, retained: the lock's state.
    DEVICE_TYPE = "deviceType"
    NAME = "name"
    FIRMWARE = "firmware"
    MODE = "mode"
    STATE = "state"
    BATTERY_CRITICAL = "batteryCritical"
    BATTERY_CHARGE_STATE = "batteryChargeState"
    BATTERY_CHARGING = "batteryCharging"
    KEYPAD_BATTERY_CRITICAL = "keypadBatteryCritical"
    DOORSENSOR_STATE = "doorsensorState"
    DOORSENSOR_BATTERY_CRITICAL = "doorsensorBatteryCritical"
    RINGACTION_TIMESTAMP = "ringactionTimestamp"
    SERVER_CONNECTED = "serverConnected"
    TIMESTAMP = "timestamp"
    CONNECTED = "connected"  # "false" is the lock's Last Will
    # Published by the lock, QoS 2, not retained: what it did.
    COMMAND_RESPONSE = "commandResponse"
    LOCK_ACTION_EVENT = "lockActionEvent"
    # Subscribed by the lock, QoS 2, never retained: commands.
    LOCK_ACTION = "lockAction"
    LOCK = "lock"
    UNLOCK = "unlock"


STATE_TOPICS: Final = frozenset(
    {
        Topic.DEVICE_TYPE,
        Topic.NAME,
        Topic.FIRMWARE,
        Topic.MODE,
        Topic.STATE,
        Topic.BATTERY_CRITICAL,
        Topic.BATTERY_CHARGE_STATE,
        Topic.BATTERY_CHARGING,
        Topic.KEYPAD_BATTERY_CRITICAL,
        Topic.DOORSENSOR_STATE,
        Topic.DOORSENSOR_BATTERY_CRITICAL,
        Topic.RINGACTION_TIMESTAMP,
        Topic.SERVER_CONNECTED,
        Topic.TIMESTAMP,
        Topic.CONNECTED,
    }
)
COMMAND_TOPICS: Final = frozenset({Topic.LOCK_ACTION, Topic.LOCK, Topic.UNLOCK})
# The lock accepts only these through lockAction: unlock, lock, unlatch, lock 'n' go, lock 'n'
# go with unlatch, full lock.
COMMAND_ACTIONS: Final = frozenset(range(1, 7))
FULL_LOCK: Final = 6  # lockAction's own action for a lock with the full-lock option
COMMAND_EXPIRY_SECONDS: Final = 10  # the message expiry the specification (1.5) asks for


_COUNTED_TRIGGERS: Final = frozenset({2, 3})  # button, fob: ``context`` counts the presses


def topic(root: str, nuki_id: int, name: str) -> str:
    return f"{root}/{nuki_id:08X}/{name}"


def parse_topic(root: str, value: str) -> tuple[int, str] | None:
    """The nukiId and topic name of ``<root>/<hex>/<name>``; ``None`` for anything else. The hex
    is read as a number: locks do not always pad it to 8 digits."""
    if not value.startswith(root + "/"):
        return None
    rest = value[len(root) + 1 :]
    hex_id, slash, name = rest.partition("/")
    if not slash or not name or "/" in name or not 1 <= len(hex_id) <= 8:  # noqa: PLR2004
        return None
    try:
        nuki_id = int(hex_id, 16)
    except ValueError:
        return None
    if not 0 <= nuki_id <= MAX_NUKI_ID:
        return None
    return nuki_id, name


def parse_bool(payload: str) -> bool | None:
    value = payload.strip().lower()
    if value in {"true", "1"}:
        return True
    if value in {"false", "0"}:
        return False
    return None


def parse_int(payload: str) -> int | None:
    try:
        return int(payload.strip())
    except ValueError:
        return None


def format_bool(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True, slots=True)
class LockActionEvent:
    """``lockActionEvent``: ``action,trigger,authId,codeId,context``. ``context`` is the
    auto-unlock flag, the number of button or fob presses, or, with a keypad code (``code_id``
    > 0), the keypad source: 0 back key, 1 code, 2 fingerprint."""

    action: int
    trigger: int
    auth_id: int
    code_id: int
    context: int

    @classmethod
    def parse(cls, payload: str) -> LockActionEvent | None:
        parts = payload.strip().split(",")
        if len(parts) != 5:  # noqa: PLR2004 - the five fields of the CSV
            return None
        try:
            numbers = [int(part) for part in parts]
        except ValueError:
            return None
        event = cls(*numbers)
        # What the activity log can hold: a code of one byte, ids of 32 bits (BLE API).
        small = (event.action, event.trigger, event.context)
        if not all(0 <= number <= 255 for number in small) or event.action == 0:  # noqa: PLR2004
            return None
        if not all(0 <= number <= MAX_NUKI_ID for number in (event.auth_id, event.code_id)):
            return None
        return event

    @property
    def shown_action(self) -> int | None:
        """The action as ``Smartlock.State.lastAction`` shows it (1-5; a full lock is a lock),
        or ``None`` for an event without one (80 fob, 90 button without action)."""
        if self.action == FULL_LOCK:
            return 2
        return self.action if 1 <= self.action <= 5 else None  # noqa: PLR2004

    def format(self) -> str:
        return f"{self.action},{self.trigger},{self.auth_id},{self.code_id},{self.context}"

    @property
    def auto_unlock(self) -> bool:
        """Whether the lock unlocked itself as its owner came home: ``context`` is the
        auto-unlock flag unless presses (button 2, fob 3) or a keypad source (``code_id``) are
        what it counts."""
        return self.code_id == 0 and self.trigger not in _COUNTED_TRIGGERS and self.context == 1


# BLE error codes a lock answers in commandResponse (Nuki BLE API 2.1): what each means, and the
# completion state the activity log records for it.
BLE_ERRORS: Final[dict[int, tuple[str, CompletionState]]] = {
    0x20: ("not authorized", CompletionState.REJECTED),
    0x21: ("bad PIN", CompletionState.REJECTED),
    0x23: ("bad parameter", CompletionState.OTHER_ERROR),
    0x25: ("disabled", CompletionState.REJECTED),
    0x26: ("remote not allowed", CompletionState.REJECTED),
    0x27: ("time not allowed", CompletionState.REJECTED),
    0x40: ("auto-unlock too recent", CompletionState.TOO_RECENT),
    0x41: ("position unknown", CompletionState.OTHER_ERROR),
    0x42: ("motor blocked", CompletionState.MOTOR_BLOCKED),
    0x43: ("clutch failure", CompletionState.CLUTCH_FAILURE),
    0x44: ("motor timeout", CompletionState.OTHER_ERROR),
    0x45: ("busy", CompletionState.BUSY),
    0x46: ("canceled", CompletionState.CANCELED),
    0x47: ("not calibrated", CompletionState.OTHER_ERROR),
    0x48: ("motor position limit", CompletionState.OTHER_ERROR),
    0x49: ("motor low voltage", CompletionState.LOW_MOTOR_VOLTAGE),
    0x4A: ("motor power failure", CompletionState.MOTOR_POWER_FAILURE),
    0x4B: ("clutch power failure", CompletionState.CLUTCH_FAILURE),
    0x4C: ("voltage too low", CompletionState.LOW_MOTOR_VOLTAGE),
    0x4D: ("firmware update needed", CompletionState.OTHER_ERROR),
    0xFF: ("unknown error", CompletionState.UNKNOWN_ERROR),
}
SUCCESS: Final = 0


def command_failure(code: int) -> tuple[str, CompletionState, str]:
    """A failed ``commandResponse``: the device's error text, the log's completion state, and
    the code as the Advanced API reports it (two hex digits)."""
    meaning, completion = BLE_ERRORS.get(code, ("unknown error", CompletionState.UNKNOWN_ERROR))
    return f"The lock refused the action: {meaning} ({code:#04x}).", completion, f"{code:02x}"


def command_payload(action: int) -> tuple[str, str]:
    """The topic name and payload that ask a lock for ``action`` through ``lockAction``."""
    if action not in COMMAND_ACTIONS:
        raise ValueError(f"a lock takes actions 1-6 over MQTT, not {action}")
    return Topic.LOCK_ACTION, str(action)


def with_reported_values(hardware: Hardware, values: Mapping[str, str]) -> Hardware:
    """The hardware as the lock's state topics say it is; a value that cannot be read is left
    out (it changes nothing)."""
    mechanics = hardware.mechanics
    changes: dict[str, object] = {}
    moved: dict[str, object] = {}
    for name, payload in values.items():
        if name in _INT_FIELDS and (number := parse_int(payload)) is not None:
            field, highest = _INT_FIELDS[name]
            if 0 <= number <= highest:  # beyond, not a value Smartlock.State can show
                moved[field] = number
        elif name == Topic.BATTERY_CHARGE_STATE and (number := parse_int(payload)) is not None:
            moved["battery_charge"] = float(max(0, min(100, number)))
        elif name == Topic.BATTERY_CRITICAL and (flag := parse_bool(payload)) is not None:
            moved["battery_critical"] = flag
        elif name in _FLAG_FIELDS and (flag := parse_bool(payload)) is not None:
            changes[_FLAG_FIELDS[name]] = flag
    if moved:
        changes["mechanics"] = replace(mechanics, **moved)  # type: ignore[arg-type]
    return replace(hardware, **changes)  # type: ignore[arg-type]


# Each integer topic's field, and the highest value Smartlock.State has for it.
_INT_FIELDS: Final[dict[str, tuple[str, int]]] = {
    Topic.STATE: ("state", 255),
    Topic.MODE: ("mode", 4),
    Topic.DOORSENSOR_STATE: ("door_state", 255),
}
_FLAG_FIELDS: Final[dict[str, str]] = {
    Topic.BATTERY_CHARGING: "battery_charging",
    Topic.KEYPAD_BATTERY_CRITICAL: "keypad_battery_critical",
    Topic.DOORSENSOR_BATTERY_CRITICAL: "doorsensor_battery_critical",
}
