"""Device types, codes and the smartlockId codec, checked against the doc and the vendor spec."""

from __future__ import annotations

import json
import re
from enum import IntEnum
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain.devices import (
    DEVICE_KINDS,
    MAX_NUKI_ID,
    MAX_SMARTLOCK_ID,
    ActionOption,
    AdminPinState,
    BoxAction,
    CompletionState,
    DeviceType,
    DoorState,
    LockAction,
    LockState,
    LogAction,
    LogSource,
    LogTrigger,
    Mode,
    OpenerAction,
    OpenerLogSource,
    OpenerState,
    ServerState,
    StateTrigger,
    accepted_actions,
    check_action,
    device_kind,
    nuki_id_from_hex,
    nuki_id_to_hex,
    parse_device_type,
    parse_smartlock_id,
    smartlock_id,
    trigger_for_web_action,
)
from nukiweb.domain.errors import InvalidParameter
from nukiweb.reference import vendor_spec_path

LOCK_TYPES = (DeviceType.KEYTURNER, DeviceType.SMARTDOOR, DeviceType.SMARTLOCK3)
DOC_NUKI_ID = 0x1A2B3C4D

# --- smartlockId codec -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "expected"),
    [
        # Doc §1.3, the table's "calculated ID (DEC) example" column.
        (DeviceType.KEYTURNER, 439041101),
        (DeviceType.OPENER, 9028975693),
        (DeviceType.SMARTDOOR, 13323942989),
        (DeviceType.SMARTLOCK3, 17618910285),
        # The box gets its type digit by the same rule.
        (DeviceType.BOX, 0x1_1A2B3C4D),
    ],
)
def test_doc_examples_encode_and_decode(device_type: DeviceType, expected: int) -> None:
    nuki_id = nuki_id_from_hex("1A2B3C4D")
    assert nuki_id == DOC_NUKI_ID == 439041101
    assert smartlock_id(device_type, nuki_id) == expected
    assert parse_smartlock_id(expected) == (device_type, DOC_NUKI_ID)


@pytest.mark.parametrize(
    ("value", "device_type", "hex_id"),
    [
        # Real ids quoted in vendor-behaviour §1.9.
        (18298712180, DeviceType.SMARTLOCK3, "42B03074"),
        (9095667026, DeviceType.OPENER, "1E24DD52"),
        (18178888180, DeviceType.SMARTLOCK3, "3B8BD1F4"),
    ],
)
def test_real_ids_decode(value: int, device_type: DeviceType, hex_id: str) -> None:
    assert parse_smartlock_id(value) == (device_type, nuki_id_from_hex(hex_id))


def test_a_keyturner_id_is_its_nuki_id() -> None:
    assert smartlock_id(DeviceType.KEYTURNER, 0x06C80001) == 0x06C80001


def test_a_short_nuki_id_keeps_its_leading_zeros_under_the_prefix() -> None:
    # The prefix goes in front of all 8 hex digits, so "06C80001" on an opener is 0x2_06C80001.
    assert smartlock_id(DeviceType.OPENER, 0x06C80001) == 0x2_06C80001


@given(st.sampled_from(DeviceType), st.integers(min_value=0, max_value=MAX_NUKI_ID))
def test_round_trip_any_type_and_nuki_id(device_type: DeviceType, nuki_id: int) -> None:
    value = smartlock_id(device_type, nuki_id)
    assert parse_smartlock_id(value) == (device_type, nuki_id)
    assert 0 <= value <= MAX_SMARTLOCK_ID


@given(st.integers(min_value=0, max_value=MAX_SMARTLOCK_ID))
def test_every_id_in_range_decodes_and_re_encodes(value: int) -> None:
    assert smartlock_id(*parse_smartlock_id(value)) == value


@given(st.integers(min_value=0, max_value=MAX_NUKI_ID))
def test_hex_round_trip(nuki_id: int) -> None:
    text = nuki_id_to_hex(nuki_id)
    assert len(text) == 8
    assert text == text.upper()
    assert nuki_id_from_hex(text) == nuki_id
    assert nuki_id_from_hex(text.lower()) == nuki_id


@pytest.mark.parametrize(
    "value",
    [-1, MAX_SMARTLOCK_ID + 1, 5 << 32, 9 << 32, 2**63 - 1, -(2**63), True, False, "123", 1.0],
)
def test_parse_refuses_what_is_no_smartlock_id(value: Any) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_smartlock_id(value)
    assert raised.value.parameter == "smartlockId"


@pytest.mark.parametrize("nuki_id", [-1, MAX_NUKI_ID + 1, 2**40, True, "1A2B3C4D", 1.0])
def test_encode_refuses_what_is_no_nuki_id(nuki_id: Any) -> None:
    with pytest.raises(InvalidParameter) as raised:
        smartlock_id(DeviceType.OPENER, nuki_id)
    assert raised.value.parameter == "nukiId"
    with pytest.raises(InvalidParameter):
        nuki_id_to_hex(nuki_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1a2b3c4d", DOC_NUKI_ID), ("1A2b3C4d", DOC_NUKI_ID), ("0", 0), ("FFFFFFFF", MAX_NUKI_ID),
     ("06c8", 0x6C8), ("00000001", 1)],
)  # fmt: skip
def test_hex_nuki_ids_in_any_case(text: str, expected: int) -> None:
    assert nuki_id_from_hex(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "123456789", "0x1A2B", "1A2B3C4G", " 1A2B", "1A2B ", "-1", "+1", "1_000", "\uff11", 12],
)
def test_hex_refuses_anything_else(text: Any) -> None:
    with pytest.raises(InvalidParameter) as raised:
        nuki_id_from_hex(text)
    assert raised.value.parameter == "nukiId"


@pytest.mark.parametrize("value", list(range(5)))
def test_parse_device_type(value: int) -> None:
    assert parse_device_type(value) is DeviceType(value)


@pytest.mark.parametrize("value", [5, -1, 255, True, "0", None, 2.0])
def test_parse_device_type_refuses(value: Any) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_device_type(value)
    assert raised.value.parameter == "type"


# --- the code tables, as transcribed ---------------------------------------------------------


def members(enum: type[IntEnum]) -> dict[str, int]:
    """Every name of an enum, aliases included, with its number."""
    return {name: int(member) for name, member in enum.__members__.items()}


@pytest.mark.parametrize(
    ("enum", "expected"),
    [
        (DeviceType, {"KEYTURNER": 0, "BOX": 1, "OPENER": 2, "SMARTDOOR": 3, "SMARTLOCK3": 4}),
        (Mode, {"UNINITIALIZED": 0, "PAIRING": 1, "DOOR": 2, "CONTINUOUS": 3, "FAILURE": 3,
                "MAINTENANCE": 4, "OFF_DOOR_CHARGING": 5, "TEST": 5}),
        (LockState, {"UNCALIBRATED": 0, "NOT_ACTIVATED": 0, "LOCKED": 1, "UNLOCKING": 2,
                     "UNLOCKED": 3, "LOCKING": 4, "UNLATCHED": 5, "UNLOCKED_LOCK_N_GO": 6,
                     "UNLATCHING": 7, "ERROR_WRONG_ENTRY_CODE": 224,
                     "ERROR_WRONG_FINGERPRINT": 225, "BOOT_RUN": 253, "MOTOR_BLOCKED": 254,
                     "UNDEFINED": 255}),
        (OpenerState, {"UNTRAINED": 0, "ONLINE": 1, "RING_TO_OPEN_ACTIVE": 3, "OPEN": 5,
                       "OPENING": 7, "BOOT_RUN": 253, "UNDEFINED": 255}),
        (DoorState, {"UNAVAILABLE": 0, "DEACTIVATED": 1, "DOOR_CLOSED": 2, "DOOR_OPENED": 3,
                     "DOOR_STATE_UNKNOWN": 4, "CALIBRATING": 5, "UNCALIBRATED": 16,
                     "REMOVED": 240, "UNKNOWN": 255}),
        (StateTrigger, {"SYSTEM": 0, "MANUAL": 1, "BUTTON": 2, "AUTOMATIC": 3, "WEB": 4, "APP": 5,
                        "CONTINUOUS_MODE": 6, "AUTO_LOCK": 6, "ACCESSORY": 7}),
        (ServerState, {"OK": 0, "UNREGISTERED": 1, "AUTH_UUID_INVALID": 2, "AUTH_INVALID": 3,
                       "OFFLINE": 4}),
        (AdminPinState, {"OK": 0, "MISSING": 1, "INVALID": 2}),
        (LockAction, {"UNLOCK": 1, "LOCK": 2, "UNLATCH": 3, "LOCK_N_GO": 4,
                      "LOCK_N_GO_WITH_UNLATCH": 5}),
        (OpenerAction, {"ACTIVATE_RING_TO_OPEN": 1, "DEACTIVATE_RING_TO_OPEN": 2,
                        "ELECTRIC_STRIKE_ACTUATION": 3, "ACTIVATE_CONTINUOUS_MODE": 6,
                        "DEACTIVATE_CONTINUOUS_MODE": 7}),
        (BoxAction, {"UNLOCK": 1}),
        (LogAction, {"UNLOCK": 1, "LOCK": 2, "UNLATCH": 3, "LOCK_N_GO": 4,
                     "LOCK_N_GO_WITH_UNLATCH": 5, "DOOR_WARNING_AJAR": 208,
                     "DOOR_WARNING_STATUS_MISMATCH": 209, "DOORBELL_RECOGNITION": 224,
                     "DOOR_OPENED": 240, "DOOR_CLOSED": 241, "DOOR_SENSOR_JAMMED": 242,
                     "FIRMWARE_UPDATE": 243, "DOOR_LOG_ENABLED": 250, "DOOR_LOG_DISABLED": 251,
                     "INITIALIZATION": 252, "CALIBRATION": 253, "LOG_ENABLED": 254,
                     "LOG_DISABLED": 255}),
        (LogTrigger, {"SYSTEM": 0, "MANUAL": 1, "BUTTON": 2, "AUTOMATIC": 3, "WEB": 4, "APP": 5,
                      "AUTO_LOCK": 6, "ACCESSORY": 7, "HOMEKIT_MATTER": 171, "MQTT": 172,
                      "KEYPAD": 255}),
        (CompletionState, {"SUCCESS": 0, "MOTOR_BLOCKED": 1, "CANCELED": 2, "TOO_RECENT": 3,
                           "BUSY": 4, "LOW_MOTOR_VOLTAGE": 5, "CLUTCH_FAILURE": 6,
                           "MOTOR_POWER_FAILURE": 7, "INCOMPLETE": 8, "REJECTED": 9,
                           "REJECTED_NIGHT_MODE": 10, "OTHER_ERROR": 254, "UNKNOWN_ERROR": 255}),
        (LogSource, {"DEFAULT": 0, "KEYPAD_CODE": 1, "FINGERPRINT": 2}),
        (OpenerLogSource, {"DOORBELL": 0, "TIME_CONTROL": 1, "APP": 2, "BUTTON": 3, "FOB": 4,
                           "BRIDGE": 5, "KEYPAD": 6}),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)  # fmt: skip
def test_code_tables(enum: type[IntEnum], expected: dict[str, int]) -> None:
    assert members(enum) == expected


def test_action_options() -> None:
    assert int(ActionOption.NONE) == 0
    assert int(ActionOption.FORCE) == 2
    assert int(ActionOption.FULL_LOCK) == 4


# --- the code tables, against the vendor spec's own descriptions ------------------------------


@cache
def schemas() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(vendor_spec_path().read_text())
    found: dict[str, Any] = spec["components"]["schemas"]
    return found


def spec_codes(schema: str, field: str, device_type: str | None = None) -> set[int]:
    """The numbers a spec description lists ("0 .. uncalibrated, 1 .. locked, ..."), for one
    ``type=`` section when the description has several."""
    text: str = schemas()[schema]["properties"][field]["description"]
    if device_type is not None:
        # The description has a section per type list, "type=0/3/4:" then "type=2:".
        parts = re.split(r"type=([0-9/]+):", text)
        sections = dict(zip(parts[1::2], parts[2::2], strict=True))
        text = sections[device_type]
    return {int(number) for number in _CODE.findall(text)}


# A number at the start of a list item, before its label: "0 .. none", "6 ... on", "209 door".
_CODE = re.compile(r"(?:^|[:,])\s*(\d+)\s*(?:\.{2,3}\s*)?[a-zA-Z]")


def values(enum: type[IntEnum]) -> set[int]:
    # ``__members__``: iterating an IntFlag leaves out its zero member.
    return {int(member) for member in enum.__members__.values()}


@pytest.mark.parametrize(
    ("schema", "field", "device_type", "enum", "nukiweb_only"),
    [
        ("Smartlock", "type", None, DeviceType, set()),
        ("Smartlock", "serverState", None, ServerState, set()),
        ("Smartlock", "adminPinState", None, AdminPinState, set()),
        ("Smartlock.State", "mode", None, Mode, set()),
        ("Smartlock.State", "state", "0/3/4", LockState, {LockState.BOOT_RUN}),  # doc §5
        ("Smartlock.State", "state", "2", OpenerState, set()),
        ("Smartlock.State", "doorState", None, DoorState, set()),
        ("Smartlock.State", "trigger", None, StateTrigger, set()),
        ("SmartlockAction", "action", "0/3/4", LockAction, set()),
        ("SmartlockAction", "action", "1", BoxAction, set()),
        ("SmartlockAction", "action", "2", OpenerAction, set()),
        ("SmartlockAction", "option", None, ActionOption, set()),
        ("SmartlockLog", "action", None, LogAction, set()),
        # What locks report over MQTT (docs/mqtt.md), within the spec's 0-255.
        ("SmartlockLog", "trigger", None, LogTrigger, {LogTrigger.HOMEKIT_MATTER, LogTrigger.MQTT}),
        ("SmartlockLog", "state", None, CompletionState, set()),
        ("SmartlockLog", "source", None, LogSource, set()),
        ("SmartlockLog.OpenerLog", "source", None, OpenerLogSource, set()),
    ],
)
def test_every_spec_code_has_a_name(
    schema: str,
    field: str,
    device_type: str | None,
    enum: type[IntEnum],
    nukiweb_only: set[int],
) -> None:
    assert spec_codes(schema, field, device_type) == values(enum) - nukiweb_only


def test_log_device_types_are_the_specs() -> None:
    allowed = set(schemas()["SmartlockLog"]["properties"]["deviceType"]["enum"])
    assert {kind.log_device_type for kind in DEVICE_KINDS.values()} == allowed


# --- what each type accepts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "expected"),
    [
        (DeviceType.KEYTURNER, {1, 2, 3, 4, 5}),
        (DeviceType.BOX, {1}),
        (DeviceType.OPENER, {1, 2, 3, 6, 7}),
        (DeviceType.SMARTDOOR, {1, 2, 3, 4, 5}),
        (DeviceType.SMARTLOCK3, {1, 2, 3, 4, 5}),
    ],
)
def test_accepted_actions(device_type: DeviceType, expected: set[int]) -> None:
    assert accepted_actions(device_type) == expected
    for action in range(-1, 10):
        if action in expected:
            check_action(device_type, action, ActionOption.NONE)
        else:
            with pytest.raises(InvalidParameter) as raised:
                check_action(device_type, action, ActionOption.NONE)
            assert raised.value.parameter == "action"


@pytest.mark.parametrize("device_type", list(DeviceType))
@pytest.mark.parametrize("action", [True, 255, 2**31])
def test_check_action_refuses_odd_actions(device_type: DeviceType, action: int) -> None:
    with pytest.raises(InvalidParameter) as raised:
        check_action(device_type, action, 0)
    assert raised.value.parameter == "action"


@pytest.mark.parametrize("device_type", list(DeviceType))
@pytest.mark.parametrize("option", [0, 2, 4, 6])
def test_known_options_pass(device_type: DeviceType, option: int) -> None:
    check_action(device_type, 1, option)


@pytest.mark.parametrize("device_type", list(DeviceType))
@pytest.mark.parametrize("option", [1, 3, 5, 7, 8, 10, 16, 255, -1, -2, True, "2", 2.0])
def test_unknown_option_bits_are_refused(device_type: DeviceType, option: Any) -> None:
    with pytest.raises(InvalidParameter) as raised:
        check_action(device_type, 1, option)
    assert raised.value.parameter == "option"


# --- what each type is -----------------------------------------------------------------------


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_locks(device_type: DeviceType) -> None:
    kind = device_kind(device_type)
    assert kind.has_lock_state
    assert kind.has_motor
    assert kind.can_unlatch
    assert not kind.has_ring_to_open
    assert kind.supports_door_sensor
    assert kind.supports_keypad
    assert kind.has_battery
    assert kind.bridge_device_type == device_type


def test_box() -> None:
    kind = device_kind(DeviceType.BOX)
    assert kind.product == "Box"
    assert not kind.has_lock_state
    assert not kind.has_motor
    assert not kind.can_unlatch
    assert not kind.has_ring_to_open
    assert not kind.supports_door_sensor
    assert not kind.supports_keypad
    assert not kind.has_battery
    assert kind.log_device_type == 0  # "0 .. smartlock and box"
    assert kind.bridge_device_type is None


def test_opener() -> None:
    kind = device_kind(DeviceType.OPENER)
    assert kind.has_lock_state
    assert not kind.has_motor
    assert not kind.can_unlatch
    assert kind.has_ring_to_open
    assert not kind.supports_door_sensor
    assert kind.supports_keypad
    assert kind.has_battery
    assert kind.log_device_type == 2
    assert kind.bridge_device_type == 2


@pytest.mark.parametrize(
    ("device_type", "log_device_type"),
    [(DeviceType.KEYTURNER, 0), (DeviceType.SMARTDOOR, 3), (DeviceType.SMARTLOCK3, 0)],
)
def test_log_device_type_of_locks(device_type: DeviceType, log_device_type: int) -> None:
    assert device_kind(device_type).log_device_type == log_device_type


def test_every_type_has_a_kind_that_knows_its_type() -> None:
    assert set(DEVICE_KINDS) == set(DeviceType)
    for device_type, kind in DEVICE_KINDS.items():
        assert kind.device_type is device_type
        assert kind.product


@pytest.mark.parametrize("device_type", list(DeviceType))
def test_web_actions_are_system_triggered_except_on_the_box(device_type: DeviceType) -> None:
    expected = StateTrigger.WEB if device_type is DeviceType.BOX else StateTrigger.SYSTEM
    assert trigger_for_web_action(device_type) is expected
