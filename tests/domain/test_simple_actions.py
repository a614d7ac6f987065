"""Doc §6.1: what /action/lock and /action/unlock run on each device, and the firmware they need."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain.devices import DeviceType, accepted_actions
from nukiweb.domain.errors import InvalidParameter, MethodNotAllowed
from nukiweb.domain.simple_actions import (
    BRIDGE_1_MINIMUM,
    BRIDGE_2_MINIMUM,
    OPENER_MINIMUM,
    SMART_LOCK_1_MINIMUM,
    SMART_LOCK_2_MINIMUM,
    FirmwareVersion,
    SimpleActionKind,
    bridge_firmware_minimum,
    device_firmware_minimum,
    simple_action,
)

CURRENT_FIRMWARE = "3.10.7"
CURRENT_BRIDGE = "2.14.0"


def run(
    device_type: DeviceType,
    kind: SimpleActionKind,
    *,
    has_handle: bool = False,
    firmware: str = CURRENT_FIRMWARE,
    bridge: str | None = CURRENT_BRIDGE,
) -> tuple[int, ...]:
    return simple_action(
        device_type,
        kind,
        has_handle=has_handle,
        firmware_version=firmware,
        bridge_firmware_version=bridge,
    )


# --- the mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "kind", "has_handle", "expected"),
    [
        # smartlock / knob: lock → lock, unlock → unlatch
        *[(t, "lock", False, (2,)) for t in (0, 3, 4)],
        *[(t, "unlock", False, (3,)) for t in (0, 3, 4)],
        # smartlock / handle: lock → lock, unlock → unlock
        *[(t, "lock", True, (2,)) for t in (0, 3, 4)],
        *[(t, "unlock", True, (1,)) for t in (0, 3, 4)],
        # opener: lock → deactivate rto and cm, unlock → open; no handle question
        (2, "lock", False, (2, 7)),
        (2, "lock", True, (2, 7)),
        (2, "unlock", False, (3,)),
        (2, "unlock", True, (3,)),
        # box: unlock is its one action
        (1, "unlock", False, (1,)),
        (1, "unlock", True, (1,)),
    ],
)
def test_mapping(
    device_type: int, kind: SimpleActionKind, has_handle: bool, expected: tuple[int, ...]
) -> None:
    actions = run(DeviceType(device_type), kind, has_handle=has_handle)
    assert actions == expected
    assert set(actions) <= accepted_actions(DeviceType(device_type))


@pytest.mark.parametrize("has_handle", [False, True])
def test_a_box_cannot_be_locked(has_handle: bool) -> None:
    with pytest.raises(MethodNotAllowed) as raised:
        run(DeviceType.BOX, "lock", has_handle=has_handle)
    assert "Box" in raised.value.message
    assert "unlock" in raised.value.message


def test_the_box_refusal_comes_before_firmware_checks() -> None:
    with pytest.raises(MethodNotAllowed):
        run(DeviceType.BOX, "lock", firmware="garbage", bridge="garbage")


@pytest.mark.parametrize("device_type", list(DeviceType))
@pytest.mark.parametrize("kind", ["open", "LOCK", "", "unlatch"])
def test_other_kinds_are_refused(device_type: DeviceType, kind: Any) -> None:
    with pytest.raises(InvalidParameter):
        run(device_type, kind)


# --- firmware minimums -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "firmware", "product", "minimum"),
    [
        (DeviceType.KEYTURNER, "0.9.9", "Smart Lock 1.0", "1.8.0"),
        (DeviceType.KEYTURNER, "1.0.0", "Smart Lock 1.0", "1.8.0"),
        (DeviceType.KEYTURNER, "1.7.9", "Smart Lock 1.0", "1.8.0"),
        (DeviceType.KEYTURNER, "2.0.0", "Smart Lock 2.0", "2.4.3"),
        (DeviceType.KEYTURNER, "2.4.2", "Smart Lock 2.0", "2.4.3"),
        (DeviceType.OPENER, "1.2.9", "Opener", "1.3.0"),
        (DeviceType.OPENER, "0.1", "Opener", "1.3.0"),
    ],
)
@pytest.mark.parametrize("kind", ["lock", "unlock"])
def test_devices_below_their_minimum_refuse(
    device_type: DeviceType, firmware: str, product: str, minimum: str, kind: SimpleActionKind
) -> None:
    with pytest.raises(MethodNotAllowed) as raised:
        run(device_type, kind, firmware=firmware)
    assert f"{product} firmware {minimum} or higher" in raised.value.message
    assert str(FirmwareVersion.parse(firmware)) in raised.value.message


@pytest.mark.parametrize(
    ("device_type", "firmware"),
    [
        (DeviceType.KEYTURNER, "1.8.0"),
        (DeviceType.KEYTURNER, "1.8"),
        (DeviceType.KEYTURNER, "1.10.0"),  # numeric, not textual, comparison
        (DeviceType.KEYTURNER, "2.4.3"),
        (DeviceType.KEYTURNER, "2.10.0"),
        (DeviceType.KEYTURNER, "3.0.0"),
        (DeviceType.OPENER, "1.3.0"),
        (DeviceType.OPENER, "1.10.0"),
        (DeviceType.OPENER, "2.0.0"),
        # The doc sets no minimum for these: all their firmware is newer than the feature.
        (DeviceType.SMARTDOOR, "0.0.1"),
        (DeviceType.SMARTLOCK3, "0.0.1"),
        (DeviceType.BOX, "0.0.1"),
    ],
)
def test_devices_at_or_above_their_minimum_run(device_type: DeviceType, firmware: str) -> None:
    assert run(device_type, "unlock", firmware=firmware)


@pytest.mark.parametrize(
    ("bridge", "minimum"),
    [("0.9.0", "1.14.0"), ("1.13.9", "1.14.0"), ("1.9.99", "1.14.0"), ("2.4.9", "2.5.0"),
     ("2.0", "2.5.0")],
)  # fmt: skip
@pytest.mark.parametrize("device_type", list(DeviceType))
def test_bridges_below_their_minimum_refuse(
    bridge: str, minimum: str, device_type: DeviceType
) -> None:
    with pytest.raises(MethodNotAllowed) as raised:
        run(device_type, "unlock", bridge=bridge)
    assert f"Bridge firmware {minimum} or higher" in raised.value.message


@pytest.mark.parametrize("bridge", ["1.14.0", "1.14.1", "1.20.0", "2.5.0", "2.14.0", "3.0.0", None])
@pytest.mark.parametrize("device_type", list(DeviceType))
def test_bridges_at_or_above_their_minimum_run(bridge: str | None, device_type: DeviceType) -> None:
    assert run(device_type, "unlock", bridge=bridge)


def test_the_device_check_comes_first() -> None:
    with pytest.raises(MethodNotAllowed) as raised:
        run(DeviceType.OPENER, "unlock", firmware="1.0.0", bridge="1.0.0")
    assert "Opener" in raised.value.message


def test_minimums_are_the_docs() -> None:
    assert str(BRIDGE_1_MINIMUM) == "1.14.0"
    assert str(BRIDGE_2_MINIMUM) == "2.5.0"
    assert str(SMART_LOCK_1_MINIMUM) == "1.8.0"
    assert str(SMART_LOCK_2_MINIMUM) == "2.4.3"
    assert str(OPENER_MINIMUM) == "1.3.0"
    assert bridge_firmware_minimum(FirmwareVersion(1, 0)) == BRIDGE_1_MINIMUM
    assert bridge_firmware_minimum(FirmwareVersion(2, 0)) == BRIDGE_2_MINIMUM
    assert device_firmware_minimum(DeviceType.SMARTLOCK3, FirmwareVersion(1, 0)) is None


# --- firmware versions -----------------------------------------------------------------------

GARBAGE = ["", "2", "2.", ".4.3", "2.4.3.1", "a.b.c", "2.4.x", " 2.4.3", "2.4.3 ", "2..3",
           "256.0.0", "2.256.0", "2.4.256", "-1.0.0", "+2.4.3", "2,4,3", "v2.4.3", "\uff12.4.3",
           "1000.0.0", None, 243, 2.4]  # fmt: skip


@pytest.mark.parametrize("firmware", GARBAGE)
def test_garbage_device_firmware_is_an_invalid_parameter(firmware: Any) -> None:
    with pytest.raises(InvalidParameter) as raised:
        run(DeviceType.KEYTURNER, "unlock", firmware=firmware)
    assert raised.value.parameter == "firmwareVersion"


@pytest.mark.parametrize("bridge", GARBAGE[:-3])
def test_garbage_bridge_firmware_is_an_invalid_parameter(bridge: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        run(DeviceType.KEYTURNER, "unlock", bridge=bridge)
    assert raised.value.parameter == "bridgeFirmwareVersion"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.4.3", (2, 4, 3)), ("2.4", (2, 4, 0)), ("0.0.0", (0, 0, 0)), ("255.255.255", (255,) * 3),
     ("02.04.03", (2, 4, 3))],
)  # fmt: skip
def test_parse(text: str, expected: tuple[int, int, int]) -> None:
    assert FirmwareVersion.parse(text) == FirmwareVersion(*expected)


def test_versions_order_by_number() -> None:
    versions = ["2.10.0", "2.4.3", "1.8.0", "2.4.10", "10.0.0", "2.4"]
    ordered = sorted(versions, key=FirmwareVersion.parse)
    assert ordered == ["1.8.0", "2.4", "2.4.3", "2.4.10", "2.10.0", "10.0.0"]


@pytest.mark.parametrize(
    ("packed", "text"),
    [
        (132608, "2.6.0"),  # a keyturner's firmwareVersion through the Web API
        (199175, "3.10.7"),  # a smartlock3's, in a DEVICE_MASTERDATA webhook (vendor-behaviour)
        (0, "0.0.0"),
    ],
)
def test_the_specs_integer_form(packed: int, text: str) -> None:
    assert str(FirmwareVersion.from_int(packed)) == text
    assert FirmwareVersion.parse(text).to_int() == packed


@pytest.mark.parametrize("packed", [-1, 0x100_0000, True])
def test_integer_forms_out_of_range(packed: int) -> None:
    with pytest.raises(InvalidParameter):
        FirmwareVersion.from_int(packed)


components = st.integers(min_value=0, max_value=255)


@given(components, components, components)
def test_text_and_integer_round_trips(major: int, minor: int, patch: int) -> None:
    version = FirmwareVersion(major, minor, patch)
    assert FirmwareVersion.parse(str(version)) == version
    assert FirmwareVersion.from_int(version.to_int()) == version


@given(st.tuples(components, components, components), st.tuples(components, components, components))
def test_order_agrees_with_the_integer_form(
    left: tuple[int, int, int], right: tuple[int, int, int]
) -> None:
    a, b = FirmwareVersion(*left), FirmwareVersion(*right)
    assert (a < b) == (a.to_int() < b.to_int())
