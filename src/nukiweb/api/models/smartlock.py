"""Schemas of the Smartlock tag: the device document with its config blocks and state, the
activity log entry, and the bodies that create, update and operate a device.

Response models mirror the vendor spec's schemas field for field. Request models are partial
updates: every field is optional (the spec reuses its response schemas, with their ``required``
lists, as POST bodies, but the service applies whatever subset is sent), except where the
operation means nothing without it (``action``, ``adminPin``). Read-only fields are left out of
request models, so a client sending a whole GET document back has them ignored.

Numbers keep the spec's bounds, also those its descriptions list ("0 .. off, 5 .. max").
Where the spec's ``minimum``/``maximum`` contradict values its own text lists, the model allows
the listed values (spec errata, noted beside the types below).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from nukiweb.api.models.common import (
    INT32_MAX,
    INT32_MIN,
    ApiDateTime,
    RequestModel,
    ResponseModel,
    SmartlockIdValue,
)
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.simple_actions import FirmwareVersion


class OneOf:
    """An integer from a listed set. Unlike ``Literal``, this keeps lax parsing ("20" is 20)."""

    __slots__ = ("allowed",)

    def __init__(self, *allowed: int) -> None:
        self.allowed = allowed

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "enum": list(self.allowed)}

    def _check(self, value: int) -> int:
        if value not in self.allowed:
            expected = ", ".join(str(member) for member in self.allowed)
            raise PydanticCustomError(
                "literal_error", "Input should be one of {expected}", {"expected": expected}
            )
        return value


def _check_version(text: str) -> str:
    try:
        FirmwareVersion.parse(text)
    except InvalidParameter as error:
        raise PydanticCustomError("version_error", "Expected a version like 3.6.2") from error
    return text


Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]  # [inferred] durations and timeouts: not < 0
DeviceTypeCode = Annotated[int, Field(ge=0, le=4)]
SmartlockName = Annotated[str, Field(min_length=1, max_length=32)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]  # [inferred] bounds
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Bit = Annotated[int, Field(ge=0, le=1)]
ZeroToTwo = Annotated[int, Field(ge=0, le=2)]
ZeroToThree = Annotated[int, Field(ge=0, le=3)]
ZeroToFour = Annotated[int, Field(ge=0, le=4)]
Byte = Annotated[int, Field(ge=0, le=255)]
LedBrightness = Annotated[int, Field(ge=0, le=5)]
TimezoneId = Annotated[int, Field(ge=0, le=45)]
FobAction = Annotated[int, Field(ge=0, le=8)]
LockButtonAction = Annotated[int, Field(ge=0, le=6)]
OpenerButtonAction = Annotated[int, Field(ge=0, le=7)]
OpenerOperatingMode = Annotated[int, Field(ge=0, le=15)]
ProductVariant = Annotated[int, Field(ge=1, le=3)]
LockMechanism = Annotated[int, Field(ge=1, le=2)]
DoorbellSuppression = Annotated[int, Field(ge=0, le=7)]  # three bits named
LngTimeout = Annotated[int, OneOf(5, 10, 15, 20, 30, 45, 60)]
UnlatchDuration = Annotated[int, OneOf(1, 3, 5, 7, 10, 15, 20, 30)]
SmartdoorBatteryType = Annotated[int, OneOf(0, 1, 2, 3, 255)]
LogDeviceType = Annotated[int, OneOf(0, 2, 3)]
ActionCode = Annotated[int, Field(ge=0, le=7)]
# Erratum: Smartlock.State.mode has maximum 4 but lists 5 .. off-door charging.
StateModeCode = Annotated[int, Field(ge=0, le=5)]
# Erratum: Smartlock.State.trigger has maximum 6 but lists 7 .. accessory (type=3).
StateTriggerCode = Annotated[int, Field(ge=0, le=7)]
# Erratum: Smartlock.State.lastAction has maximum 5, but an opener's last action can be 6/7
# (continuous mode), which SmartlockAction and doc §6 list.
LastActionCode = Annotated[int, Field(ge=0, le=7)]
# Erratum: SmartlockLog.state has minimum 1 but lists 0 .. Success.
CompletionStateCode = Byte
HexNukiId = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{1,8}$")]
DottedVersion = Annotated[  # "3.6.2" or "3.6"; each part 0..255
    str,
    Field(pattern=r"^[0-9]{1,3}\.[0-9]{1,3}(\.[0-9]{1,3})?$", examples=["3.6.2"]),
    AfterValidator(_check_version),
]


# --- the device document (responses) ---------------------------------------------------------


class SmartlockState(ResponseModel):
    mode: StateModeCode
    state: Byte
    trigger: StateTriggerCode
    lastAction: LastActionCode
    batteryCritical: bool
    batteryCharging: bool | None = None
    batteryCharge: Annotated[int, Field(ge=0, le=100)] | None = None
    keypadBatteryCritical: bool | None = None
    doorsensorBatteryCritical: bool | None = None
    doorState: Byte
    ringToOpenTimer: Annotated[int, Field(ge=0, le=65535)]
    ringToOpenEnd: ApiDateTime | None = None
    nightMode: bool
    operationId: str | None = None


class SmartlockConfig(ResponseModel):
    name: str
    latitude: float
    longitude: float
    capabilities: ZeroToTwo | None = None
    autoUnlatch: bool | None = None
    liftUpHandle: bool | None = None
    pairingEnabled: bool | None = None
    buttonEnabled: bool | None = None
    ledEnabled: bool | None = None
    ledBrightness: LedBrightness | None = None
    timezoneOffset: int
    daylightSavingMode: Bit | None = None
    fobPaired: bool | None = None
    fobAction1: FobAction | None = None
    fobAction2: FobAction | None = None
    fobAction3: FobAction | None = None
    singleLock: bool
    operatingMode: OpenerOperatingMode | None = None
    advertisingMode: ZeroToThree
    keypadPaired: bool | None = None
    keypad2Paired: bool | None = None
    homekitState: ZeroToThree | None = None
    matterState: ZeroToFour | None = None
    timezoneId: TimezoneId
    deviceType: int | None = None
    wifiEnabled: bool | None = None
    operationId: str | None = None
    productVariant: ProductVariant | None = None


class SmartlockAdvancedConfig(ResponseModel):
    lngTimeout: LngTimeout | None = None
    singleButtonPressAction: LockButtonAction | None = None
    doubleButtonPressAction: LockButtonAction | None = None
    automaticBatteryTypeDetection: bool | None = None
    unlatchDuration: UnlatchDuration | None = None
    operationId: str | None = None
    totalDegrees: int
    singleLockedPositionOffsetDegrees: int
    unlockedToLockedTransitionOffsetDegrees: int | None = None
    unlockedPositionOffsetDegrees: int
    lockedPositionOffsetDegrees: int
    detachedCylinder: bool | None = None
    batteryType: ZeroToTwo
    autoLock: bool | None = None
    autoLockTimeout: int | None = None
    autoUpdateEnabled: bool | None = None
    motorSpeed: ZeroToTwo | None = None
    enableSlowSpeedDuringNightmode: bool | None = None


class SmartlockOpenerAdvancedConfig(ResponseModel):
    intercomId: int
    busModeSwitch: Bit
    shortCircuitDuration: int
    electricStrikeDelay: int
    randomElectricStrikeDelay: bool
    electricStrikeDuration: int
    disableRtoAfterRing: bool
    rtoTimeout: int
    doorbellSuppression: DoorbellSuppression
    doorbellSuppressionDuration: int
    soundRing: ZeroToThree
    soundOpen: ZeroToThree
    soundRto: ZeroToThree
    soundCm: ZeroToThree
    soundConfirmation: Bit
    soundLevel: int
    singleButtonPressAction: OpenerButtonAction
    doubleButtonPressAction: OpenerButtonAction
    batteryType: ZeroToThree
    automaticBatteryTypeDetection: bool | None = None
    autoUpdateEnabled: bool | None = None
    operationId: str | None = None


class SmartlockSmartdoorAdvancedConfig(ResponseModel):
    lngTimeout: LngTimeout | None = None
    singleButtonPressAction: LockButtonAction | None = None
    doubleButtonPressAction: LockButtonAction | None = None
    automaticBatteryTypeDetection: bool | None = None
    unlatchDuration: UnlatchDuration | None = None
    operationId: str | None = None
    buzzerVolume: ZeroToTwo | None = None
    supportedBatteryTypes: list[int] | None = None
    batteryType: SmartdoorBatteryType
    autoLockTimeout: int | None = None
    autoLock: bool


class SmartlockWebConfig(ResponseModel):
    batteryWarningPerMailEnabled: bool | None = None
    dismissedLiftUpHandleWarning: list[int] | None = None


class Smartlock(ResponseModel):
    """The spec's Smartlock without ``previousSubscriptions``/``currentSubscription``, which
    belong to Nuki Box subscriptions, a capability nukiweb does not have."""

    smartlockId: int
    accountId: int
    type: DeviceTypeCode
    lmType: LockMechanism | None = None
    authId: int
    name: str
    favorite: bool
    config: SmartlockConfig | None = None
    advancedConfig: SmartlockAdvancedConfig | None = None
    openerAdvancedConfig: SmartlockOpenerAdvancedConfig | None = None
    smartdoorAdvancedConfig: SmartlockSmartdoorAdvancedConfig | None = None
    webConfig: SmartlockWebConfig | None = None
    state: SmartlockState | None = None
    firmwareVersion: int | None = None
    hardwareVersion: int | None = None
    operationId: str | None = None
    serverState: ZeroToFour
    adminPinState: ZeroToTwo
    virtualDevice: bool | None = None
    creationDate: ApiDateTime | None = None
    updateDate: ApiDateTime | None = None
    error: str | None = None
    region: int | None = None
    mountingVariant: int | None = None
    opener: bool | None = None
    box: bool | None = None
    smartDoor: bool | None = None
    keyturner: bool | None = None


# --- the activity log (responses) -------------------------------------------------------------


class SmartlockLogOpenerLog(ResponseModel):
    activeCm: bool
    activeRto: bool
    source: Annotated[int, Field(ge=0, le=6)]
    flagGeoFence: bool
    flagForce: bool
    flagDoorbellSuppression: bool


class SmartlockLog(ResponseModel):
    id: str
    smartlockId: int
    deviceType: LogDeviceType
    accountUserId: int | None = None
    authId: str | None = None
    name: str
    action: Annotated[int, Field(ge=1, le=255)]
    trigger: Byte
    state: CompletionStateCode
    autoUnlock: bool
    date: ApiDateTime
    openerLog: SmartlockLogOpenerLog | None = None
    ajarTimeout: int | None = None
    source: ZeroToTwo | None = None
    error: str | None = None


# --- request bodies ---------------------------------------------------------------------------


class SmartlockCreate(RequestModel):
    """``PUT /smartlock`` (doc §3.2; not in the spec): add a device to the account."""

    type: DeviceTypeCode
    name: SmartlockName
    nukiId: HexNukiId | None = None  # as the Nuki app shows it; drawn at random when absent
    firmwareVersion: DottedVersion | None = None
    hardwareVersion: Annotated[int, Field(ge=0, le=INT32_MAX)] | None = None


class SmartlockUpdate(RequestModel):
    name: SmartlockName | None = None  # [inferred] the same bounds as on create
    favorite: bool | None = None


class SmartlockActionRequest(RequestModel):
    """``SmartlockAction``; which actions a device type accepts is the domain's to check."""

    action: ActionCode
    option: ActionCode | None = None


class AdminPinUpdate(RequestModel):
    """``SmartlockAdminPinUpdate``."""

    adminPin: Annotated[int, Field(ge=0, le=9999)]


class SmartlockConfigUpdate(RequestModel):
    """``POST /smartlock/{id}/config``: the writable fields of ``Smartlock.Config``."""

    name: SmartlockName | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    autoUnlatch: bool | None = None
    liftUpHandle: bool | None = None
    pairingEnabled: bool | None = None
    buttonEnabled: bool | None = None
    ledEnabled: bool | None = None
    ledBrightness: LedBrightness | None = None
    timezoneOffset: Int32 | None = None
    daylightSavingMode: Bit | None = None
    singleLock: bool | None = None
    advertisingMode: ZeroToThree | None = None
    timezoneId: TimezoneId | None = None


class SmartlockAdvancedConfigUpdate(RequestModel):
    """``POST /smartlock/{id}/advanced/config``: the writable fields of
    ``Smartlock.AdvancedConfig``."""

    lngTimeout: LngTimeout | None = None
    singleButtonPressAction: LockButtonAction | None = None
    doubleButtonPressAction: LockButtonAction | None = None
    automaticBatteryTypeDetection: bool | None = None
    unlatchDuration: UnlatchDuration | None = None
    singleLockedPositionOffsetDegrees: Int32 | None = None
    unlockedToLockedTransitionOffsetDegrees: Int32 | None = None
    unlockedPositionOffsetDegrees: Int32 | None = None
    lockedPositionOffsetDegrees: Int32 | None = None
    detachedCylinder: bool | None = None
    batteryType: ZeroToTwo | None = None
    autoLock: bool | None = None
    autoLockTimeout: Count | None = None
    autoUpdateEnabled: bool | None = None
    motorSpeed: ZeroToTwo | None = None
    enableSlowSpeedDuringNightmode: bool | None = None


class SmartlockOpenerAdvancedConfigUpdate(RequestModel):
    """``POST /smartlock/{id}/advanced/openerconfig``: the writable fields of
    ``Smartlock.OpenerAdvancedConfig``."""

    shortCircuitDuration: Count | None = None
    electricStrikeDelay: Count | None = None
    randomElectricStrikeDelay: bool | None = None
    electricStrikeDuration: Count | None = None
    disableRtoAfterRing: bool | None = None
    rtoTimeout: Count | None = None
    doorbellSuppression: DoorbellSuppression | None = None
    doorbellSuppressionDuration: Count | None = None
    soundRing: ZeroToThree | None = None
    soundOpen: ZeroToThree | None = None
    soundRto: ZeroToThree | None = None
    soundCm: ZeroToThree | None = None
    soundConfirmation: Bit | None = None
    soundLevel: Byte | None = None  # [inferred] one byte in the device's bluetooth API
    singleButtonPressAction: OpenerButtonAction | None = None
    doubleButtonPressAction: OpenerButtonAction | None = None
    batteryType: ZeroToThree | None = None
    automaticBatteryTypeDetection: bool | None = None
    autoUpdateEnabled: bool | None = None


class SmartlockSmartdoorAdvancedConfigUpdate(RequestModel):
    """``POST /smartlock/{id}/advanced/smartdoorconfig``: the writable fields of
    ``Smartlock.SmartdoorAdvancedConfig``."""

    lngTimeout: LngTimeout | None = None
    singleButtonPressAction: LockButtonAction | None = None
    doubleButtonPressAction: LockButtonAction | None = None
    automaticBatteryTypeDetection: bool | None = None
    unlatchDuration: UnlatchDuration | None = None
    buzzerVolume: ZeroToTwo | None = None
    batteryType: SmartdoorBatteryType | None = None
    autoLockTimeout: Count | None = None
    autoLock: bool | None = None


class SmartlockWebConfigUpdate(RequestModel):
    """``Smartlock.WebConfig`` as a body: a field sent as null or left out is not changed;
    ``dismissedLiftUpHandleWarning: []`` clears the list (spec)."""

    batteryWarningPerMailEnabled: bool | None = None
    # [inferred] bounds on list lengths, as the other tags have them
    dismissedLiftUpHandleWarning: list[Int32] | None = Field(default=None, max_length=1000)


class WebConfigRequest(RequestModel):
    smartlockId: SmartlockIdValue | None = None
    webConfig: SmartlockWebConfigUpdate | None = None


class BulkWebConfigRequest(RequestModel):
    webConfigRequests: list[WebConfigRequest] | None = Field(default=None, max_length=1000)
