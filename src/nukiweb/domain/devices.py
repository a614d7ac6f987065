"""Nuki device types, the Web API's numeric codes for them, and the smartlockId codec.

Sources, cited beside each number: the vendor doc (``reference/nuki-web-api-doc-v1.4.0.txt``,
§1.3 device ids, §5 states, §6 actions) and the ``description`` texts of the vendor spec's schemas
(``Smartlock``, ``Smartlock.State``, ``SmartlockAction``, ``SmartlockLog``,
``SmartlockLog.OpenerLog``). All numbers are in the *Web API* numbering, which differs from the
Bridge HTTP API's in places (opener continuous mode is action 6/7 here, 4/5 on the bridge).

Where the doc and the spec give one number two meanings depending on the device type, the enum
has both names for it (an alias), each commented with its source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from types import MappingProxyType

from nukiweb.domain.errors import InvalidParameter


class DeviceType(IntEnum):
    """``Smartlock.type``: 0 keyturner, 1 box, 2 opener, 3 smartdoor, 4 smartlock 3.0/4. Gen."""

    KEYTURNER = 0  # Smart Lock 1.0 and 2.0
    BOX = 1
    OPENER = 2
    SMARTDOOR = 3
    SMARTLOCK3 = 4  # Smart Lock 3.0, 3.0 Pro and the 4th generation


# --- smartlockId codec (doc §1.3; vendor-behaviour §1.9) -------------------------------------

MAX_NUKI_ID = 0xFFFF_FFFF  # a nukiId is 32 bits: 8 hex digits in the app
_NUKI_ID_BITS = 32
MAX_SMARTLOCK_ID = (max(DeviceType) << _NUKI_ID_BITS) | MAX_NUKI_ID  # 0x4_FFFF_FFFF
_HEX_NUKI_ID = re.compile(r"[0-9A-Fa-f]{1,8}")


def smartlock_id(device_type: DeviceType, nuki_id: int) -> int:
    """The Web API's id of a device: its 8-digit hex nukiId with the type digit in front, read as
    one hex number (doc §1.3), i.e. ``type << 32 | nukiId``; type 0 gets no prefix."""
    _check_nuki_id(nuki_id)
    return (DeviceType(device_type) << _NUKI_ID_BITS) | nuki_id


def parse_smartlock_id(value: int) -> tuple[DeviceType, int]:
    """The device type and nukiId inside a smartlockId; anything else is an invalid parameter."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter("smartlockId", value)
    if not 0 <= value <= MAX_SMARTLOCK_ID:
        raise InvalidParameter("smartlockId", value)
    # Every prefix from 0 to 4 is a device type, so the range check above suffices.
    return DeviceType(value >> _NUKI_ID_BITS), value & MAX_NUKI_ID


def nuki_id_from_hex(text: str) -> int:
    """A nukiId written in hex as the Nuki app shows it ("1A2B3C4D"), any case, up to 8 digits."""
    if not isinstance(text, str) or not _HEX_NUKI_ID.fullmatch(text):
        raise InvalidParameter("nukiId", text, "Expected up to 8 hexadecimal digits.")
    return int(text, 16)


def nuki_id_to_hex(nuki_id: int) -> str:
    """A nukiId as the Nuki app shows it: 8 upper-case hex digits."""
    _check_nuki_id(nuki_id)
    return f"{nuki_id:08X}"


def parse_device_type(value: object) -> DeviceType:
    """``Smartlock.type`` from a request; an unknown number is an invalid parameter."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in set(DeviceType):
        raise InvalidParameter("type", value)
    return DeviceType(value)


def _check_nuki_id(nuki_id: int) -> None:
    if isinstance(nuki_id, bool) or not isinstance(nuki_id, int):
        raise InvalidParameter("nukiId", nuki_id)
    if not 0 <= nuki_id <= MAX_NUKI_ID:
        raise InvalidParameter("nukiId", nuki_id, "A nukiId has 32 bits.")


# --- device state (doc §5; spec Smartlock.State) ---------------------------------------------


class Mode(IntEnum):
    """``Smartlock.State.mode`` (spec), with the doc §5 Smart Door meanings as aliases."""

    UNINITIALIZED = 0
    PAIRING = 1
    DOOR = 2  # the default
    CONTINUOUS = 3  # opener only: ring to open continuously active
    FAILURE = 3  # alias: the same number on a Smart Door (doc §5)
    MAINTENANCE = 4
    OFF_DOOR_CHARGING = 5  # spec; the doc lists no mode 5 for locks and openers
    TEST = 5  # alias: the same number on a Smart Door (doc §5)


class LockState(IntEnum):
    """``Smartlock.State.state`` of types 0, 3 and 4 (spec; doc §5)."""

    UNCALIBRATED = 0
    NOT_ACTIVATED = 0  # alias: the doc §5 name of 0 on a Smart Door
    LOCKED = 1
    UNLOCKING = 2
    UNLOCKED = 3
    LOCKING = 4
    UNLATCHED = 5
    UNLOCKED_LOCK_N_GO = 6
    UNLATCHING = 7
    ERROR_WRONG_ENTRY_CODE = 224  # spec only
    ERROR_WRONG_FINGERPRINT = 225  # spec only
    BOOT_RUN = 253  # doc §5, Smart Door only
    MOTOR_BLOCKED = 254
    UNDEFINED = 255


class OpenerState(IntEnum):
    """``Smartlock.State.state`` of type 2, the intercom control (spec; doc §5)."""

    UNTRAINED = 0
    ONLINE = 1
    RING_TO_OPEN_ACTIVE = 3
    OPEN = 5
    OPENING = 7
    BOOT_RUN = 253
    UNDEFINED = 255


class DoorState(IntEnum):
    """``Smartlock.State.doorState`` (spec). The Bridge numbers 1..5 alike but has no 0, 16,
    240 (vendor-behaviour §1.8, §2.4)."""

    UNAVAILABLE = 0  # no door sensor paired
    DEACTIVATED = 1
    DOOR_CLOSED = 2
    DOOR_OPENED = 3
    DOOR_STATE_UNKNOWN = 4
    CALIBRATING = 5
    UNCALIBRATED = 16
    REMOVED = 240
    UNKNOWN = 255


class StateTrigger(IntEnum):
    """``Smartlock.State.trigger``: what caused the last state change (spec; doc §5)."""

    SYSTEM = 0  # bluetooth: also how the lock sees a command relayed by its bridge
    MANUAL = 1
    BUTTON = 2
    AUTOMATIC = 3
    WEB = 4  # box only
    APP = 5  # box only
    CONTINUOUS_MODE = 6  # opener only
    # The doc's Smart Door column, and the vendor's DEVICE_STATUS example (a lock, trigger 6 after
    # lastAction lock), give 6 a lock meaning the spec omits.
    AUTO_LOCK = 6  # alias, see above
    ACCESSORY = 7  # smartdoor only; "external accessory" in the doc


class ServerState(IntEnum):
    """``Smartlock.serverState`` (spec)."""

    OK = 0
    UNREGISTERED = 1
    AUTH_UUID_INVALID = 2
    AUTH_INVALID = 3
    OFFLINE = 4


class AdminPinState(IntEnum):
    """``Smartlock.adminPinState`` (spec)."""

    OK = 0
    MISSING = 1
    INVALID = 2


# --- actions (doc §6; spec SmartlockAction) --------------------------------------------------


class LockAction(IntEnum):
    """``SmartlockAction.action`` of types 0, 3 and 4."""

    UNLOCK = 1
    LOCK = 2
    UNLATCH = 3
    LOCK_N_GO = 4
    LOCK_N_GO_WITH_UNLATCH = 5


class OpenerAction(IntEnum):
    """``SmartlockAction.action`` of type 2; the Bridge API numbers continuous mode 4/5."""

    ACTIVATE_RING_TO_OPEN = 1
    DEACTIVATE_RING_TO_OPEN = 2
    ELECTRIC_STRIKE_ACTUATION = 3  # "open"
    ACTIVATE_CONTINUOUS_MODE = 6
    DEACTIVATE_CONTINUOUS_MODE = 7


class BoxAction(IntEnum):
    """``SmartlockAction.action`` of type 1: the box only unlocks."""

    UNLOCK = 1


class ActionOption(IntFlag):
    """``SmartlockAction.option`` mask (spec). The spec allows up to 7 but names no bit 1."""

    NONE = 0
    FORCE = 2
    FULL_LOCK = 4


# A plain int: ``~`` on an IntFlag complements only within the flag's own bits.
KNOWN_OPTIONS = int(ActionOption.FORCE | ActionOption.FULL_LOCK)


# --- activity log (spec SmartlockLog, SmartlockLog.OpenerLog) --------------------------------


class LogAction(IntEnum):
    """``SmartlockLog.action``. An opener's entries carry its ``OpenerAction`` numbers in 1..7
    (doc §5 lists them as the opener's ``lastAction``; the spec's log text names lock ones only)."""

    UNLOCK = 1
    LOCK = 2
    UNLATCH = 3
    LOCK_N_GO = 4
    LOCK_N_GO_WITH_UNLATCH = 5
    DOOR_WARNING_AJAR = 208  # with ajarTimeout in minutes
    DOOR_WARNING_STATUS_MISMATCH = 209
    DOORBELL_RECOGNITION = 224  # opener only
    DOOR_OPENED = 240
    DOOR_CLOSED = 241
    DOOR_SENSOR_JAMMED = 242
    FIRMWARE_UPDATE = 243
    DOOR_LOG_ENABLED = 250
    DOOR_LOG_DISABLED = 251
    INITIALIZATION = 252
    CALIBRATION = 253
    LOG_ENABLED = 254
    LOG_DISABLED = 255


class LogTrigger(IntEnum):
    """``SmartlockLog.trigger`` (spec)."""

    SYSTEM = 0
    MANUAL = 1
    BUTTON = 2
    AUTOMATIC = 3
    WEB = 4
    APP = 5
    AUTO_LOCK = 6
    ACCESSORY = 7
    HOMEKIT_MATTER = 171  # reported by locks over MQTT (docs/mqtt.md)
    MQTT = 172  # a command a lock took over MQTT
    KEYPAD = 255


class CompletionState(IntEnum):
    """``SmartlockLog.state``, the outcome of a logged action. The spec gives ``minimum: 1`` yet
    lists 0 as success; success is 0 here."""

    SUCCESS = 0
    MOTOR_BLOCKED = 1
    CANCELED = 2
    TOO_RECENT = 3
    BUSY = 4
    LOW_MOTOR_VOLTAGE = 5
    CLUTCH_FAILURE = 6
    MOTOR_POWER_FAILURE = 7
    INCOMPLETE = 8
    REJECTED = 9
    REJECTED_NIGHT_MODE = 10
    OTHER_ERROR = 254
    UNKNOWN_ERROR = 255


class LogSource(IntEnum):
    """``SmartlockLog.source``: how the person identified themselves at the device (spec)."""

    DEFAULT = 0
    KEYPAD_CODE = 1
    FINGERPRINT = 2


class OpenerLogSource(IntEnum):
    """``SmartlockLog.OpenerLog.source``: what activated ring to open or continuous mode."""

    DOORBELL = 0
    TIME_CONTROL = 1
    APP = 2
    BUTTON = 3
    FOB = 4
    BRIDGE = 5
    KEYPAD = 6


# --- what each type is and can do ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """The facts about a device type that the API and the simulator branch on."""

    device_type: DeviceType
    product: str
    actions: frozenset[int]
    # ``SmartlockLog.deviceType`` allows 0, 2, 3 only: "0 .. smartlock and box".
    log_device_type: int
    # The Bridge HTTP API knows types 0, 2, 3, 4; a box never sits behind a bridge (§1.9).
    bridge_device_type: int | None
    # Whether ``state`` means anything: the spec lists no states for the box (type 1).
    has_lock_state: bool = True
    has_motor: bool = False  # the opener switches a relay; the box is inferred to have none
    can_unlatch: bool = False
    has_ring_to_open: bool = False  # ring to open and continuous mode: the opener
    supports_door_sensor: bool = False
    supports_keypad: bool = False
    has_battery: bool = True


def _lock_kind(device_type: DeviceType, product: str, log_device_type: int) -> DeviceKind:
    actions = frozenset(int(action) for action in LockAction)
    return DeviceKind(
        device_type,
        product,
        actions,
        log_device_type,
        int(device_type),
        has_motor=True,
        can_unlatch=True,
        supports_door_sensor=True,
        supports_keypad=True,
    )


DEVICE_KINDS: Mapping[DeviceType, DeviceKind] = MappingProxyType(
    {
        DeviceType.KEYTURNER: _lock_kind(DeviceType.KEYTURNER, "Smart Lock 1.0/2.0", 0),
        # [inferred] a mains-powered controller for a building's entrance: no state, no battery.
        DeviceType.BOX: DeviceKind(
            DeviceType.BOX,
            "Box",
            frozenset(int(action) for action in BoxAction),
            log_device_type=0,
            bridge_device_type=None,
            has_lock_state=False,
            has_battery=False,
        ),
        DeviceType.OPENER: DeviceKind(
            DeviceType.OPENER,
            "Opener",
            frozenset(int(action) for action in OpenerAction),
            log_device_type=2,
            bridge_device_type=int(DeviceType.OPENER),
            has_ring_to_open=True,
            supports_keypad=True,
        ),
        DeviceType.SMARTDOOR: _lock_kind(DeviceType.SMARTDOOR, "Smart Door", 3),
        # Not in the log's deviceType enum, so logged as "smartlock" (0).
        DeviceType.SMARTLOCK3: _lock_kind(DeviceType.SMARTLOCK3, "Smart Lock 3.0/Pro/4th gen", 0),
    }
)


def device_kind(device_type: DeviceType) -> DeviceKind:
    return DEVICE_KINDS[DeviceType(device_type)]


def accepted_actions(device_type: DeviceType) -> frozenset[int]:
    """The ``SmartlockAction.action`` values a type accepts (doc §6)."""
    return device_kind(device_type).actions


def check_action(device_type: DeviceType, action: int, option: int) -> None:
    """Refuse an action the device type does not have, or an option with unknown bits."""
    if isinstance(action, bool) or action not in accepted_actions(device_type):
        raise InvalidParameter("action", action)
    if isinstance(option, bool) or not isinstance(option, int):
        raise InvalidParameter("option", option)
    if option < 0 or option & ~KNOWN_OPTIONS:
        raise InvalidParameter("option", option)


def trigger_for_web_action(device_type: DeviceType) -> StateTrigger:
    """The trigger a device records for a Web API action. [inferred] A lock or opener receives
    it over bluetooth from its bridge, so it records "system" (a keyturner read through the Web
    API showed trigger 0 after an unlatch: gh:iobroker-community-adapters/ioBroker.nuki-extended
    #18); only the box, which has no bridge, records "web" (spec: "type=1 only")."""
    if DeviceType(device_type) is DeviceType.BOX:
        return StateTrigger.WEB
    return StateTrigger.SYSTEM
