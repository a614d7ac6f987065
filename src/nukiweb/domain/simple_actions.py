"""The simple lock actions, ``/action/lock`` and ``/action/unlock`` (doc §6.1): which Web API
actions each means on each device, and the firmware a device and its bridge need for them.

On the vendor's service the mapping happens in the device's firmware; nukiweb does it here so that
the simulator runs ordinary actions and the activity log shows what actually happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from nukiweb.domain.devices import BoxAction, DeviceType, LockAction, OpenerAction
from nukiweb.domain.errors import InvalidParameter, MethodNotAllowed

SimpleActionKind = Literal["lock", "unlock"]

_VERSION = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})(?:\.([0-9]{1,3}))?")
_COMPONENT_MAX = 0xFF  # the spec's integer firmwareVersion packs each component in a byte
_PACKED_MAX = 0xFF_FFFF


@dataclass(frozen=True, slots=True, order=True)
class FirmwareVersion:
    """A dotted firmware version; compares component by component, so 2.10.0 > 2.9.9."""

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str, parameter: str = "firmwareVersion") -> FirmwareVersion:
        """A version written ``2.4.3``, or ``2.4`` for 2.4.0; each component 0..255."""
        match = _VERSION.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidParameter(parameter, text, "Expected a version like 2.4.3.")
        parts = [int(part) for part in match.group(1, 2, 3) if part is not None]
        major, minor, patch = (*parts, 0)[:3]
        if max(parts) > _COMPONENT_MAX:
            raise InvalidParameter(parameter, text, "Each part of a version is at most 255.")
        return cls(major, minor, patch)

    @classmethod
    def from_int(cls, value: int) -> FirmwareVersion:
        """The spec's integer form, one byte per component: 132608 = 0x020600 is 2.6.0."""
        if isinstance(value, bool) or not 0 <= value <= _PACKED_MAX:
            raise InvalidParameter("firmwareVersion", value)
        return cls(value >> 16, (value >> 8) & 0xFF, value & 0xFF)

    def to_int(self) -> int:
        return (self.major << 16) | (self.minor << 8) | self.patch

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


# Doc §6.1, "To use this features your Nuki devices need the following firmware version".
BRIDGE_1_MINIMUM = FirmwareVersion(1, 14, 0)  # hardware bridge 1.x
BRIDGE_2_MINIMUM = FirmwareVersion(2, 5, 0)  # hardware bridge 2.x
SMART_LOCK_1_MINIMUM = FirmwareVersion(1, 8, 0)
SMART_LOCK_2_MINIMUM = FirmwareVersion(2, 4, 3)
OPENER_MINIMUM = FirmwareVersion(1, 3, 0)


def simple_action(
    device_type: DeviceType,
    kind: SimpleActionKind,
    *,
    has_handle: bool,
    firmware_version: str,
    bridge_firmware_version: str | None,
) -> tuple[int, ...]:
    """The Web API actions, in order, that ``/action/{kind}`` runs on a device (doc §6.1).

    ``has_handle``: the door has a handle outside, so unlocking is enough to open it; with a
    knob, unlock must also pull the latch. ``bridge_firmware_version``: ``None`` when the device
    is reached without a bridge (a box, or a lock with built-in Wi-Fi/Thread).
    """
    device_type = DeviceType(device_type)
    if kind not in ("lock", "unlock"):
        raise InvalidParameter("action", kind)
    if device_type is DeviceType.BOX and kind == "lock":
        raise MethodNotAllowed(
            "A Nuki Box cannot be locked: its only action is unlock (doc §6), so only "
            "/action/unlock applies to it."
        )
    _check_device_firmware(device_type, FirmwareVersion.parse(firmware_version))
    if bridge_firmware_version is not None:
        _check_bridge_firmware(
            FirmwareVersion.parse(bridge_firmware_version, "bridgeFirmwareVersion")
        )
    return _actions_for(device_type, kind, has_handle=has_handle)


def _actions_for(
    device_type: DeviceType, kind: SimpleActionKind, *, has_handle: bool
) -> tuple[int, ...]:
    if device_type is DeviceType.BOX:
        return (BoxAction.UNLOCK,)
    if device_type is DeviceType.OPENER:
        if kind == "lock":  # "deactivate rto and cm"
            return (
                OpenerAction.DEACTIVATE_RING_TO_OPEN,
                OpenerAction.DEACTIVATE_CONTINUOUS_MODE,
            )
        return (OpenerAction.ELECTRIC_STRIKE_ACTUATION,)  # "open"
    if kind == "lock":
        return (LockAction.LOCK,)
    return (LockAction.UNLOCK,) if has_handle else (LockAction.UNLATCH,)


def device_firmware_minimum(
    device_type: DeviceType, version: FirmwareVersion
) -> tuple[str, FirmwareVersion] | None:
    """The product name and the minimum firmware doc §6.1 sets for a device, or ``None`` when it
    sets none (box, Smart Door, Smart Lock 3.0+: all their firmware postdates the feature).

    Type 0 covers Smart Lock 1.0 and 2.0; the firmware's major version tells them apart (the
    doc's minimums, 1.8.0 and 2.4.3, are each on their own product's major line)."""
    device_type = DeviceType(device_type)
    if device_type is DeviceType.OPENER:
        return "Opener", OPENER_MINIMUM
    if device_type is DeviceType.KEYTURNER:
        if version.major <= SMART_LOCK_1_MINIMUM.major:
            return "Smart Lock 1.0", SMART_LOCK_1_MINIMUM
        return "Smart Lock 2.0", SMART_LOCK_2_MINIMUM
    return None


def bridge_firmware_minimum(version: FirmwareVersion) -> FirmwareVersion:
    """Doc §6.1 "Bridge 1.14.0/2.5.0": the first for a 1.x bridge, the second for 2.x and later."""
    return BRIDGE_1_MINIMUM if version.major <= BRIDGE_1_MINIMUM.major else BRIDGE_2_MINIMUM


def _check_device_firmware(device_type: DeviceType, version: FirmwareVersion) -> None:
    minimum = device_firmware_minimum(device_type, version)
    if minimum is not None and version < minimum[1]:
        product, needed = minimum
        raise MethodNotAllowed(
            f"Simple lock actions need {product} firmware {needed} or higher; "
            f"this device runs {version}."
        )


def _check_bridge_firmware(version: FirmwareVersion) -> None:
    needed = bridge_firmware_minimum(version)
    if version < needed:
        raise MethodNotAllowed(
            f"Simple lock actions need Bridge firmware {needed} or higher "
            f"({BRIDGE_1_MINIMUM} on a 1.x bridge, {BRIDGE_2_MINIMUM} on 2.x); "
            f"this device's bridge runs {version}."
        )
