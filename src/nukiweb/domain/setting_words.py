"""The settings of a device in words: a label for each field of its configuration blocks that
the Web API can write (spec ``Smartlock.Config``, ``Smartlock.AdvancedConfig``,
``Smartlock.OpenerAdvancedConfig``, ``Smartlock.SmartdoorAdvancedConfig``,
``Smartlock.WebConfig``), the unit of a number, and words for the codes the spec's descriptions
list ("0 .. automatic, 1 .. normal, …").

Which values a field takes is the request models' to say; a code without words here is shown
as its number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

# Block names as the service names them (``services.smartlocks.update_config_block``).
CONFIG = "config"
ADVANCED_CONFIG = "advanced_config"
OPENER_ADVANCED_CONFIG = "opener_advanced_config"
SMARTDOOR_ADVANCED_CONFIG = "smartdoor_advanced_config"
WEB_CONFIG = "web_config"


@dataclass(frozen=True, slots=True)
class SettingWords:
    label: str
    unit: str | None = None
    choices: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))

    def choice(self, code: int) -> str:
        """A code in words; a number without words, with the unit if it has one."""
        if code in self.choices:
            return self.choices[code]
        return f"{code} {self.unit}" if self.unit else str(code)


def _words(label: str, unit: str | None = None) -> SettingWords:
    return SettingWords(label, unit)


def _choices(label: str, choices: Mapping[int, str]) -> SettingWords:
    return SettingWords(label, None, MappingProxyType(dict(choices)))


_LOCK_BUTTON = {
    0: "no action",
    1: "intelligent",
    2: "unlock",
    3: "lock",
    4: "unlatch",
    5: "lock 'n' go",
    6: "show status",
}
_OPENER_BUTTON = {
    0: "no action",
    1: "toggle ring to open",
    2: "activate ring to open",
    3: "deactivate ring to open",
    4: "toggle continuous mode",
    5: "activate continuous mode",
    6: "deactivate continuous mode",
    7: "open",
}
# One table for the three blocks: the advanced config takes 0-2, the opener 0-3, the Smart
# Door 0-3 and 255.
_BATTERY_TYPES = {0: "alkali", 1: "accumulator", 2: "lithium", 3: "fixed", 255: "unknown"}
_SOUNDS = {0: "no sound", 1: "sound 1", 2: "sound 2", 3: "sound 3"}
# OpenerAdvancedConfig.doorbellSuppression is a bitmask.
_SUPPRESSION_BITS = (
    (1, "when ring to open and continuous mode are off"),
    (2, "while ring to open is active"),
    (4, "while continuous mode is active"),
)


def _suppression(mask: int) -> str:
    return "; ".join(words for bit, words in _SUPPRESSION_BITS if mask & bit) or "never"


_FIELDS: Final[Mapping[str, SettingWords]] = MappingProxyType(
    {
        # Smartlock.Config
        "name": _words("Name"),
        "latitude": _words("Latitude"),
        "longitude": _words("Longitude"),
        "autoUnlatch": _words("Unlatch when unlocking"),
        "liftUpHandle": _words("The door has a lift-up handle"),
        "pairingEnabled": _words("Pairing with the button allowed"),
        "buttonEnabled": _words("Button enabled"),
        "ledEnabled": _words("LED enabled"),
        "ledBrightness": _choices("LED brightness", {0: "off", 5: "max"}),
        "timezoneOffset": _words("Timezone offset (deprecated)", "minutes"),
        "daylightSavingMode": _choices("Daylight saving (deprecated)", {0: "off", 1: "european"}),
        "singleLock": _words("Lock once instead of twice"),
        "advertisingMode": _choices(
            "Advertising mode (battery saving)",
            {0: "automatic", 1: "normal", 2: "slow", 3: "slowest"},
        ),
        "timezoneId": _words("Timezone id"),
        # Smartlock.AdvancedConfig and Smartlock.SmartdoorAdvancedConfig
        "lngTimeout": _words("Lock 'n' go timeout", "seconds"),
        "singleButtonPressAction": _choices("Button pressed once", _LOCK_BUTTON),
        "doubleButtonPressAction": _choices("Button pressed twice", _LOCK_BUTTON),
        "automaticBatteryTypeDetection": _words("Detect the battery type automatically"),
        "unlatchDuration": _words("Hold the latch for", "seconds"),
        "singleLockedPositionOffsetDegrees": _words("Single locked position offset", "degrees"),
        "unlockedToLockedTransitionOffsetDegrees": _words(
            "Unlocked to locked transition offset", "degrees"
        ),
        "unlockedPositionOffsetDegrees": _words("Unlocked position offset", "degrees"),
        "lockedPositionOffsetDegrees": _words("Locked position offset", "degrees"),
        "detachedCylinder": _words("Detached cylinder"),
        "batteryType": _choices("Battery type", _BATTERY_TYPES),
        "autoLock": _words("Auto lock"),
        "autoLockTimeout": _words("Auto lock after", "seconds"),
        "autoUpdateEnabled": _words("Install firmware updates automatically"),
        "motorSpeed": _choices("Motor speed", {0: "standard", 1: "fast", 2: "slow"}),
        "enableSlowSpeedDuringNightmode": _words("Slow speed during night mode"),
        "buzzerVolume": _choices("Buzzer volume", {0: "off", 1: "low", 2: "normal"}),
        # Smartlock.OpenerAdvancedConfig
        "shortCircuitDuration": _words("Short circuit for bus mode switching", "ms"),
        "electricStrikeDelay": _words("Electric strike delay", "ms"),
        "randomElectricStrikeDelay": _words("Random electric strike delay (3 to 7 s)"),
        "electricStrikeDuration": _words("Electric strike duration", "ms"),
        "disableRtoAfterRing": _words("Deactivate ring to open after a ring"),
        "rtoTimeout": _words("Ring to open ends after", "minutes"),
        "doorbellSuppression": _choices(
            "Suppress the doorbell", {mask: _suppression(mask) for mask in range(8)}
        ),
        "doorbellSuppressionDuration": _words("Doorbell suppression duration", "ms"),
        "soundRing": _choices("Sound on ring", _SOUNDS),
        "soundOpen": _choices("Sound on open", _SOUNDS),
        "soundRto": _choices("Sound for ring to open", _SOUNDS),
        "soundCm": _choices("Sound for continuous mode", _SOUNDS),
        "soundConfirmation": _choices("Confirmation sound", {0: "no sound", 1: "sound"}),
        "soundLevel": _words("Sound level"),
        # Smartlock.WebConfig
        "batteryWarningPerMailEnabled": _words("E-mail a warning when the battery runs low"),
    }
)
# Where a block gives a field another meaning than the other blocks do.
_BLOCK_FIELDS: Final[Mapping[tuple[str, str], SettingWords]] = MappingProxyType(
    {
        (OPENER_ADVANCED_CONFIG, "singleButtonPressAction"): _choices(
            "Button pressed once", _OPENER_BUTTON
        ),
        (OPENER_ADVANCED_CONFIG, "doubleButtonPressAction"): _choices(
            "Button pressed twice", _OPENER_BUTTON
        ),
    }
)


def setting_words(block: str, name: str) -> SettingWords:
    """The words of field ``name`` of configuration block ``block``; a field no table knows is
    labelled with its name."""
    return _BLOCK_FIELDS.get((block, name)) or _FIELDS.get(name) or SettingWords(name)
