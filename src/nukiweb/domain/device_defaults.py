"""The settings a device has when it is added, per device type, and how a partial update of
them applies.

Each document is a plain dict keyed by the vendor spec's camelCase names (``Smartlock.Config``,
``Smartlock.AdvancedConfig``, ``Smartlock.OpenerAdvancedConfig``,
``Smartlock.SmartdoorAdvancedConfig``, ``Smartlock.WebConfig``), with every field the schema
requires. Values marked [observed] are what real Web API responses show: a Smart Lock 2.0 and an
opener quoted in gh:iobroker-community-adapters/ioBroker.nuki-extended#18 and #168, and the
vendor's DEVICE_MASTERDATA webhook example (a type 4). [inferred] values are plausible choices.

Which block a type has: ``/advanced/config`` is the Smart Lock's (types 0 and 4); the doc (§3)
says the opener's advanced settings live in the Opener Advanced Config "instead of the Smartlock
Advanced Config", and the spec gives the Smart Door its own ``/advanced/smartdoorconfig``.
[inferred] The box has none: ``Smartlock.AdvancedConfig`` requires a motor's calibration degrees
and a battery type, and the box has neither motor nor battery (``DeviceKind``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from nukiweb.domain.devices import DeviceType

_SMART_LOCKS = frozenset({DeviceType.KEYTURNER, DeviceType.SMARTLOCK3})
_WITH_KEYPAD = frozenset({DeviceType.KEYTURNER, DeviceType.SMARTDOOR, DeviceType.SMARTLOCK3})

# Dotted firmware versions, all above the doc §6.1 minimums for simple lock actions
# (Smart Lock 2.0: 2.4.3, opener: 1.3.0); each part fits the spec's one-byte-per-part integer.
_FIRMWARE: Mapping[DeviceType, str] = MappingProxyType(
    {
        DeviceType.KEYTURNER: "2.17.5",  # the Smart Lock 2.0 line
        DeviceType.BOX: "1.6.2",  # [inferred]
        DeviceType.OPENER: "1.10.3",
        DeviceType.SMARTDOOR: "3.10.7",  # [inferred] the Smart Lock 3.0 platform's line
        DeviceType.SMARTLOCK3: "4.3.8",  # 4th generation
    }
)

# ``Smartlock.hardwareVersion`` is an opaque integer.
_HARDWARE: Mapping[DeviceType, int] = MappingProxyType(
    {
        DeviceType.KEYTURNER: 2817,  # [observed] a Smart Lock 2.0
        DeviceType.BOX: 257,  # [inferred]
        DeviceType.OPENER: 1793,  # [inferred]
        DeviceType.SMARTDOOR: 1281,  # [inferred]
        DeviceType.SMARTLOCK3: 1291,  # [observed] the vendor's type 4 example
    }
)

# Nuki's timezone list (ids 0..45): 37 is Europe/Berlin [observed in both quoted payloads].
_TIMEZONE_ID = 37


def default_firmware(device_type: DeviceType) -> str:
    return _FIRMWARE[DeviceType(device_type)]


def default_hardware_version(device_type: DeviceType) -> int:
    return _HARDWARE[DeviceType(device_type)]


def accepts_advanced_config(device_type: DeviceType) -> bool:
    """Whether ``POST /smartlock/{id}/advanced/config`` applies: Smart Locks (types 0 and 4)."""
    return DeviceType(device_type) in _SMART_LOCKS


def accepts_opener_config(device_type: DeviceType) -> bool:
    """Whether ``POST /smartlock/{id}/advanced/openerconfig`` applies: the opener only."""
    return DeviceType(device_type) is DeviceType.OPENER


def accepts_smartdoor_config(device_type: DeviceType) -> bool:
    """Whether ``POST /smartlock/{id}/advanced/smartdoorconfig`` applies: the Smart Door only."""
    return DeviceType(device_type) is DeviceType.SMARTDOOR


def default_config(device_type: DeviceType, name: str) -> dict[str, Any]:
    """``Smartlock.Config`` of a device just added under ``name``."""
    device_type = DeviceType(device_type)
    opener = device_type is DeviceType.OPENER
    return {
        "name": name,
        # No position is known until the owner sets one.
        "latitude": 0.0,
        "longitude": 0.0,
        # [observed] sent for every type, though the spec describes it for openers only.
        "capabilities": 1 if opener else 0,  # opener: door opening and ring to open
        "autoUnlatch": False,
        "liftUpHandle": False,
        "pairingEnabled": True,
        "buttonEnabled": True,
        "ledEnabled": True,
        "ledBrightness": 3,
        "timezoneOffset": 0,  # deprecated; [observed] 0
        "daylightSavingMode": 1,  # deprecated; european
        "fobPaired": False,
        # [observed] a lock's fob: intelligent, unlock, lock; an opener's: none.
        "fobAction1": 0 if opener else 4,
        "fobAction2": 0 if opener else 1,
        "fobAction3": 0 if opener else 2,
        "singleLock": device_type in _SMART_LOCKS or device_type is DeviceType.SMARTDOOR,
        "operatingMode": 1 if opener else 0,  # [inferred] opener: analogue intercom
        "advertisingMode": 0,  # automatic
        "keypadPaired": device_type in _WITH_KEYPAD,
        "keypad2Paired": False,
        "homekitState": 0 if device_type in {DeviceType.BOX, DeviceType.OPENER} else 1,
        "matterState": 2 if device_type is DeviceType.SMARTLOCK3 else 0,  # 4th gen: disabled
        "timezoneId": _TIMEZONE_ID,
        "wifiEnabled": device_type is DeviceType.SMARTLOCK3,  # [inferred] the Pro's Wi-Fi
    }


def default_advanced_config(device_type: DeviceType) -> dict[str, Any] | None:
    """``Smartlock.AdvancedConfig`` of a Smart Lock (types 0 and 4); ``None`` for the others."""
    device_type = DeviceType(device_type)
    if not accepts_advanced_config(device_type):
        return None
    config: dict[str, Any] = {
        "totalDegrees": 720,  # [inferred] two full turns, as calibrated
        "unlockedPositionOffsetDegrees": 0,
        "lockedPositionOffsetDegrees": 0,
        "singleLockedPositionOffsetDegrees": 0,
        "unlockedToLockedTransitionOffsetDegrees": 0,
        "lngTimeout": 20,  # [observed]
        "singleButtonPressAction": 1,  # intelligent [observed]
        "doubleButtonPressAction": 5,  # lock 'n' go [observed]
        "detachedCylinder": False,
        # Alkaline batteries in a 2.0; [inferred] the Power Pack (accumulator) in a 3.0 Pro/4.
        "batteryType": 1 if device_type is DeviceType.SMARTLOCK3 else 0,
        "automaticBatteryTypeDetection": True,
        "unlatchDuration": 3,  # [observed]
        # Both default firmwares are past 2.7.8/1.9.1, so the separate autoLock flag applies
        # and the timeout must be at least 2 seconds.
        "autoLock": False,
        "autoLockTimeout": 300,
        "autoUpdateEnabled": True,
    }
    if device_type is DeviceType.SMARTLOCK3:
        config |= {"motorSpeed": 0, "enableSlowSpeedDuringNightmode": False}  # standard speed
    return config


def default_opener_advanced_config(device_type: DeviceType) -> dict[str, Any] | None:
    """``Smartlock.OpenerAdvancedConfig`` of an opener (type 2); ``None`` for the others."""
    if not accepts_opener_config(device_type):
        return None
    # [observed] as the quoted opener has them, except where noted.
    return {
        "intercomId": 0,
        "busModeSwitch": 0,
        "shortCircuitDuration": 0,
        "electricStrikeDelay": 0,
        "randomElectricStrikeDelay": False,
        "electricStrikeDuration": 3000,
        "disableRtoAfterRing": True,
        "rtoTimeout": 30,  # minutes
        "doorbellSuppression": 0,  # [inferred] the doorbell rings
        "doorbellSuppressionDuration": 500,
        "soundRing": 1,  # [inferred] Sound1 for every event
        "soundOpen": 1,
        "soundRto": 1,
        "soundCm": 1,
        "soundConfirmation": 1,
        "soundLevel": 20,
        "singleButtonPressAction": 1,  # toggle ring to open
        "doubleButtonPressAction": 4,  # toggle continuous mode
        "batteryType": 0,  # alkali
        "automaticBatteryTypeDetection": False,
        "autoUpdateEnabled": True,
    }


def default_smartdoor_advanced_config(device_type: DeviceType) -> dict[str, Any] | None:
    """``Smartlock.SmartdoorAdvancedConfig`` of a Smart Door (type 3); ``None`` for the others.
    [inferred] the Smart Lock's defaults where the fields are shared."""
    if not accepts_smartdoor_config(device_type):
        return None
    return {
        "lngTimeout": 20,
        "singleButtonPressAction": 1,  # intelligent
        "doubleButtonPressAction": 5,  # lock 'n' go
        "automaticBatteryTypeDetection": True,
        "unlatchDuration": 3,
        "buzzerVolume": 2,  # normal
        "supportedBatteryTypes": [0, 1, 2, 254],  # alkali, accumulator, lithium, automatic
        "batteryType": 0,
        "autoLockTimeout": 300,
        "autoLock": False,
    }


def default_web_config() -> dict[str, Any]:
    """``Smartlock.WebConfig`` of a device just added."""
    return {"batteryWarningPerMailEnabled": False, "dismissedLiftUpHandleWarning": []}


def merge_update(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` with the fields sent in ``update`` applied. A ``None`` value means the field
    was not sent; a nested document is merged the same way; a list replaces the old one
    (``[]`` clears it). Neither argument is changed."""
    merged = copy.deepcopy(dict(current))
    for key, value in update.items():
        if value is None:
            continue
        old = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = merge_update(old, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
