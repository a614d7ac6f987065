"""Smartlock models and device defaults, in-process: the models mirror the vendor spec's schemas,
every device type's defaults fill them and serialise to JSON the spec accepts, and bad request
bodies are validation errors that name the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from pydantic import BaseModel, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from nukiweb.api.models.common import RequestModel, ResponseModel
from nukiweb.api.models.smartlock import (
    AdminPinUpdate,
    BulkWebConfigRequest,
    Smartlock,
    SmartlockActionRequest,
    SmartlockAdvancedConfig,
    SmartlockAdvancedConfigUpdate,
    SmartlockConfig,
    SmartlockConfigUpdate,
    SmartlockCreate,
    SmartlockLog,
    SmartlockLogOpenerLog,
    SmartlockOpenerAdvancedConfig,
    SmartlockOpenerAdvancedConfigUpdate,
    SmartlockSmartdoorAdvancedConfig,
    SmartlockSmartdoorAdvancedConfigUpdate,
    SmartlockState,
    SmartlockUpdate,
    SmartlockWebConfig,
    SmartlockWebConfigUpdate,
    WebConfigRequest,
)
from nukiweb.domain.device_defaults import (
    accepts_advanced_config,
    accepts_opener_config,
    accepts_smartdoor_config,
    default_advanced_config,
    default_config,
    default_firmware,
    default_hardware_version,
    default_opener_advanced_config,
    default_smartdoor_advanced_config,
    default_web_config,
    merge_update,
)
from nukiweb.domain.devices import DeviceType, smartlock_id
from nukiweb.domain.simple_actions import FirmwareVersion, device_firmware_minimum
from tests.contract.validation import vendor_spec

SPEC = "urn:nuki-web-api"
NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)

# --- the vendor's schemas ---------------------------------------------------------------------


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(vendor_spec(), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(SPEC, resource)
    return registry


@cache
def _validator(schema: str) -> OAS30ReadValidator:
    return OAS30ReadValidator(
        {"$ref": f"{SPEC}#/components/schemas/{schema}"},
        registry=_registry(),
        format_checker=oas30_format_checker,
    )


def spec_errors(schema: str, document: object) -> list[str]:
    """What the vendor's schema (as a response, ``$ref``s resolved) finds wrong."""
    return [error.message for error in _validator(schema).iter_errors(document)]


def spec_schema(schema: str) -> dict[str, Any]:
    found: dict[str, Any] = vendor_spec()["components"]["schemas"][schema]
    return found


def as_json(model: BaseModel) -> dict[str, Any]:
    """What a response carries: the model serialised without its unset optional fields."""
    return model.model_dump(mode="json", exclude_none=True)


# --- field for field --------------------------------------------------------------------------

RESPONSES: list[tuple[type[ResponseModel], str, frozenset[str]]] = [
    (SmartlockState, "Smartlock.State", frozenset()),
    (SmartlockConfig, "Smartlock.Config", frozenset()),
    (SmartlockAdvancedConfig, "Smartlock.AdvancedConfig", frozenset()),
    (SmartlockOpenerAdvancedConfig, "Smartlock.OpenerAdvancedConfig", frozenset()),
    (SmartlockSmartdoorAdvancedConfig, "Smartlock.SmartdoorAdvancedConfig", frozenset()),
    (SmartlockWebConfig, "Smartlock.WebConfig", frozenset()),
    (Smartlock, "Smartlock", frozenset({"previousSubscriptions", "currentSubscription"})),
    (SmartlockLog, "SmartlockLog", frozenset()),
    (SmartlockLogOpenerLog, "SmartlockLog.OpenerLog", frozenset()),
]

# model, schema, the required fields it keeps (everything else is a partial update)
REQUESTS: list[tuple[type[RequestModel], str, frozenset[str]]] = [
    (SmartlockUpdate, "SmartlockUpdate", frozenset()),
    (SmartlockActionRequest, "SmartlockAction", frozenset({"action"})),
    (AdminPinUpdate, "SmartlockAdminPinUpdate", frozenset({"adminPin"})),
    (SmartlockConfigUpdate, "Smartlock.Config", frozenset()),
    (SmartlockAdvancedConfigUpdate, "Smartlock.AdvancedConfig", frozenset()),
    (SmartlockOpenerAdvancedConfigUpdate, "Smartlock.OpenerAdvancedConfig", frozenset()),
    (SmartlockSmartdoorAdvancedConfigUpdate, "Smartlock.SmartdoorAdvancedConfig", frozenset()),
    (SmartlockWebConfigUpdate, "Smartlock.WebConfig", frozenset()),
    (WebConfigRequest, "WebConfigRequest", frozenset()),
    (BulkWebConfigRequest, "BulkWebConfigRequest", frozenset()),
]


def _json_type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return "object"
    if "anyOf" in prop:
        (only,) = [p for p in prop["anyOf"] if p.get("type") != "null"]
        return _json_type(only)
    return str(prop["type"])


def _check_types(model: type[BaseModel], schema: str, fields: set[str]) -> None:
    ours = model.model_json_schema(mode="serialization")["properties"]
    theirs = spec_schema(schema)["properties"]
    for name in fields:
        assert _json_type(ours[name]) == _json_type(theirs[name]), (schema, name)


@pytest.mark.parametrize(("model", "schema", "omitted"), RESPONSES, ids=str)
def test_response_model_mirrors_the_spec_schema(
    model: type[ResponseModel], schema: str, omitted: frozenset[str]
) -> None:
    spec = spec_schema(schema)
    assert set(model.model_fields) == set(spec["properties"]) - omitted
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required == set(spec.get("required", []))
    for name in set(model.model_fields) - required:
        assert model.model_fields[name].default is None, name
    _check_types(model, schema, set(model.model_fields))


@pytest.mark.parametrize(("model", "schema", "kept"), REQUESTS, ids=str)
def test_request_model_has_the_writable_fields_of_the_spec_schema(
    model: type[RequestModel], schema: str, kept: frozenset[str]
) -> None:
    properties = spec_schema(schema)["properties"]
    writable = {name for name, prop in properties.items() if not prop.get("readOnly")}
    assert set(model.model_fields) == writable
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required == kept
    _check_types(model, schema, writable)


# --- defaults: every device type, against the vendor's schemas ---------------------------------


def _state(device_type: DeviceType) -> dict[str, Any]:
    locked = 0 if device_type is DeviceType.BOX else 1  # opener: 1 .. online
    return {
        "mode": 2,
        "state": locked,
        "trigger": 0,
        "lastAction": 2 if device_type is not DeviceType.BOX else 1,
        "batteryCritical": False,
        "batteryCharge": 90,
        "keypadBatteryCritical": False,
        "doorState": 0,
        "ringToOpenTimer": 0,
        "nightMode": False,
    }


def device_document(device_type: DeviceType) -> dict[str, Any]:
    """A device as a service would assemble it from the defaults."""
    return {
        "smartlockId": smartlock_id(device_type, 0x1A2B3C4D),
        "accountId": 7,
        "type": int(device_type),
        "lmType": 1 if device_type is DeviceType.SMARTDOOR else None,
        "authId": 11,
        "name": "Front door",
        "favorite": False,
        "config": default_config(device_type, "Front door"),
        "advancedConfig": default_advanced_config(device_type),
        "openerAdvancedConfig": default_opener_advanced_config(device_type),
        "smartdoorAdvancedConfig": default_smartdoor_advanced_config(device_type),
        "webConfig": default_web_config(),
        "state": _state(device_type),
        "firmwareVersion": FirmwareVersion.parse(default_firmware(device_type)).to_int(),
        "hardwareVersion": default_hardware_version(device_type),
        "serverState": 0,
        "adminPinState": 0,
        "virtualDevice": False,
        "creationDate": NOW,
        "updateDate": NOW,
    }


@pytest.mark.parametrize("device_type", list(DeviceType))
def test_defaults_fill_the_smartlock_document_and_validate_against_the_spec(
    device_type: DeviceType,
) -> None:
    body = as_json(Smartlock.model_validate(device_document(device_type)))
    assert spec_errors("Smartlock", body) == []
    assert body["config"]["name"] == "Front door"
    assert body["creationDate"] == "2026-01-31T12:00:00.000Z"
    blocks = {"advancedConfig", "openerAdvancedConfig", "smartdoorAdvancedConfig"}
    expected = {
        DeviceType.KEYTURNER: {"advancedConfig"},
        DeviceType.BOX: set(),
        DeviceType.OPENER: {"openerAdvancedConfig"},
        DeviceType.SMARTDOOR: {"smartdoorAdvancedConfig"},
        DeviceType.SMARTLOCK3: {"advancedConfig"},
    }[device_type]
    assert blocks & set(body) == expected


@pytest.mark.parametrize("device_type", list(DeviceType))
def test_each_default_block_validates_on_its_own(device_type: DeviceType) -> None:
    blocks: list[tuple[type[ResponseModel], str, dict[str, Any] | None]] = [
        (SmartlockConfig, "Smartlock.Config", default_config(device_type, "Door")),
        (SmartlockAdvancedConfig, "Smartlock.AdvancedConfig", default_advanced_config(device_type)),
        (
            SmartlockOpenerAdvancedConfig,
            "Smartlock.OpenerAdvancedConfig",
            default_opener_advanced_config(device_type),
        ),
        (
            SmartlockSmartdoorAdvancedConfig,
            "Smartlock.SmartdoorAdvancedConfig",
            default_smartdoor_advanced_config(device_type),
        ),
        (SmartlockWebConfig, "Smartlock.WebConfig", default_web_config()),
    ]
    for model, schema, document in blocks:
        if document is None:
            continue
        assert set(spec_schema(schema).get("required", [])) <= set(document), schema
        assert spec_errors(schema, as_json(model.model_validate(document))) == [], schema


@pytest.mark.parametrize("device_type", list(DeviceType))
def test_default_firmware_is_above_the_doc_minimums(device_type: DeviceType) -> None:
    version = FirmwareVersion.parse(default_firmware(device_type))
    minimum = device_firmware_minimum(device_type, version)
    if minimum is not None:
        assert version >= minimum[1]
    assert FirmwareVersion.from_int(version.to_int()) == version
    assert default_hardware_version(device_type) > 0


def test_which_types_accept_which_config_block() -> None:
    table = {
        t: (accepts_advanced_config(t), accepts_opener_config(t), accepts_smartdoor_config(t))
        for t in DeviceType
    }
    assert table == {
        DeviceType.KEYTURNER: (True, False, False),
        DeviceType.BOX: (False, False, False),
        DeviceType.OPENER: (False, True, False),
        DeviceType.SMARTDOOR: (False, False, True),
        DeviceType.SMARTLOCK3: (True, False, False),
    }
    for t in DeviceType:
        assert (default_advanced_config(t) is not None) == accepts_advanced_config(t)
        assert (default_opener_advanced_config(t) is not None) == accepts_opener_config(t)
        assert (default_smartdoor_advanced_config(t) is not None) == accepts_smartdoor_config(t)


def test_keypad_is_paired_by_default_on_locks_and_the_smart_door() -> None:
    paired = {t for t in DeviceType if default_config(t, "Door")["keypadPaired"]}
    assert paired == {DeviceType.KEYTURNER, DeviceType.SMARTDOOR, DeviceType.SMARTLOCK3}
    assert not any(default_config(t, "Door")["fobPaired"] for t in DeviceType)


def test_defaults_are_fresh_documents() -> None:
    first = default_web_config()
    first["dismissedLiftUpHandleWarning"].append(1)
    assert default_web_config()["dismissedLiftUpHandleWarning"] == []
    config = default_config(DeviceType.OPENER, "Door")
    config["name"] = "changed"
    assert default_config(DeviceType.OPENER, "Door")["name"] == "Door"


# --- updates ----------------------------------------------------------------------------------

UPDATES: list[tuple[type[RequestModel], type[ResponseModel], str, dict[str, Any]]] = [
    (
        SmartlockConfigUpdate,
        SmartlockConfig,
        "Smartlock.Config",
        {"name": "Back door", "ledBrightness": 5, "latitude": 47.07, "timezoneId": 40},
    ),
    (
        SmartlockAdvancedConfigUpdate,
        SmartlockAdvancedConfig,
        "Smartlock.AdvancedConfig",
        {"lngTimeout": 30, "autoLock": True, "autoLockTimeout": 60, "unlatchDuration": 7},
    ),
    (
        SmartlockOpenerAdvancedConfigUpdate,
        SmartlockOpenerAdvancedConfig,
        "Smartlock.OpenerAdvancedConfig",
        {"doorbellSuppression": 7, "doorbellSuppressionDuration": 1000, "soundLevel": 200},
    ),
    (
        SmartlockSmartdoorAdvancedConfigUpdate,
        SmartlockSmartdoorAdvancedConfig,
        "Smartlock.SmartdoorAdvancedConfig",
        {"buzzerVolume": 0, "batteryType": 255, "lngTimeout": 60},
    ),
]


def _default_for(schema: str, device_type: DeviceType) -> dict[str, Any] | None:
    return {
        "Smartlock.Config": default_config(device_type, "Door"),
        "Smartlock.AdvancedConfig": default_advanced_config(device_type),
        "Smartlock.OpenerAdvancedConfig": default_opener_advanced_config(device_type),
        "Smartlock.SmartdoorAdvancedConfig": default_smartdoor_advanced_config(device_type),
    }[schema]


@pytest.mark.parametrize("device_type", list(DeviceType))
@pytest.mark.parametrize(("request_model", "model", "schema", "body"), UPDATES)
def test_an_update_changes_only_the_fields_sent_and_stays_valid(
    device_type: DeviceType,
    request_model: type[RequestModel],
    model: type[ResponseModel],
    schema: str,
    body: dict[str, Any],
) -> None:
    current = _default_for(schema, device_type)
    if current is None:
        return
    sent = request_model.model_validate(body).model_dump()  # unsent fields are None
    merged = merge_update(current, sent)
    assert merged == current | body
    assert spec_errors(schema, as_json(model.model_validate(merged))) == []


def test_merge_update_ignores_none_merges_nested_documents_and_replaces_lists() -> None:
    current = {"a": 1, "b": 2, "nested": {"x": 1, "y": 2}, "list": [1, 2]}
    update: dict[str, Any] = {
        "a": None,
        "b": 3,
        "nested": {"y": None, "x": 9},
        "list": [],
        "new": False,
    }
    merged = merge_update(current, update)
    assert merged == {"a": 1, "b": 3, "nested": {"x": 9, "y": 2}, "list": [], "new": False}
    assert current == {"a": 1, "b": 2, "nested": {"x": 1, "y": 2}, "list": [1, 2]}
    merged["nested"]["x"] = 0
    assert update["nested"] == {"y": None, "x": 9}


def test_web_config_update_keeps_unsent_fields_and_clears_with_an_empty_list() -> None:
    current = {"batteryWarningPerMailEnabled": True, "dismissedLiftUpHandleWarning": [5, 6]}
    cleared = SmartlockWebConfigUpdate.model_validate({"dismissedLiftUpHandleWarning": []})
    assert merge_update(current, cleared.model_dump()) == {
        "batteryWarningPerMailEnabled": True,
        "dismissedLiftUpHandleWarning": [],
    }
    untouched = SmartlockWebConfigUpdate.model_validate({"batteryWarningPerMailEnabled": None})
    assert merge_update(current, untouched.model_dump()) == current


def _bad(model: type[RequestModel], body: dict[str, Any], *location: str | int) -> Any:
    """A body the model refuses, and where the error is: the body's one field unless given."""
    where = location or tuple(body)
    return pytest.param(model, body, where, id=f"{model.__name__}-{'.'.join(map(str, where))}")


BAD_BODIES = [
    _bad(SmartlockConfigUpdate, {"ledBrightness": 6}),
    _bad(SmartlockConfigUpdate, {"advertisingMode": 4}),
    _bad(SmartlockConfigUpdate, {"timezoneId": 46}),
    _bad(SmartlockConfigUpdate, {"daylightSavingMode": 2}),
    _bad(SmartlockConfigUpdate, {"latitude": 91}),
    _bad(SmartlockConfigUpdate, {"longitude": "nan"}),
    _bad(SmartlockConfigUpdate, {"name": ""}),
    _bad(SmartlockConfigUpdate, {"singleLock": "maybe"}),
    _bad(SmartlockAdvancedConfigUpdate, {"lngTimeout": 25}),
    _bad(SmartlockAdvancedConfigUpdate, {"unlatchDuration": "2"}),
    _bad(SmartlockAdvancedConfigUpdate, {"batteryType": 3}),
    _bad(SmartlockAdvancedConfigUpdate, {"singleButtonPressAction": 7}),
    _bad(SmartlockAdvancedConfigUpdate, {"motorSpeed": 3}),
    _bad(SmartlockAdvancedConfigUpdate, {"autoLockTimeout": -1}),
    _bad(SmartlockAdvancedConfigUpdate, {"lockedPositionOffsetDegrees": 2**31}),
    _bad(SmartlockOpenerAdvancedConfigUpdate, {"soundRing": 4}),
    _bad(SmartlockOpenerAdvancedConfigUpdate, {"soundConfirmation": 2}),
    _bad(SmartlockOpenerAdvancedConfigUpdate, {"doubleButtonPressAction": 8}),
    _bad(SmartlockOpenerAdvancedConfigUpdate, {"doorbellSuppression": 8}),
    _bad(SmartlockOpenerAdvancedConfigUpdate, {"electricStrikeDuration": -5}),
    _bad(SmartlockOpenerAdvancedConfigUpdate, {"batteryType": 4}),
    _bad(SmartlockSmartdoorAdvancedConfigUpdate, {"buzzerVolume": 3}),
    _bad(SmartlockSmartdoorAdvancedConfigUpdate, {"batteryType": 254}),
    _bad(SmartlockSmartdoorAdvancedConfigUpdate, {"lngTimeout": "soon"}),
    _bad(SmartlockActionRequest, {}, "action"),
    _bad(SmartlockActionRequest, {"action": 8}),
    _bad(SmartlockActionRequest, {"action": -1}),
    _bad(SmartlockActionRequest, {"action": 1, "option": 8}, "option"),
    _bad(AdminPinUpdate, {}, "adminPin"),
    _bad(AdminPinUpdate, {"adminPin": 10000}),
    _bad(AdminPinUpdate, {"adminPin": "12a4"}),
    _bad(SmartlockUpdate, {"name": "x" * 33}),
    _bad(SmartlockUpdate, {"favorite": "often"}),
    _bad(SmartlockCreate, {"name": "Door"}, "type"),
    _bad(SmartlockCreate, {"type": 5, "name": "Door"}, "type"),
    _bad(SmartlockCreate, {"type": 0}, "name"),
    _bad(SmartlockCreate, {"type": 0, "name": "x" * 33}, "name"),
    _bad(SmartlockCreate, {"type": 0, "name": "Door", "nukiId": "XYZ"}, "nukiId"),
    _bad(SmartlockCreate, {"type": 0, "name": "Door", "nukiId": "123456789"}, "nukiId"),
    _bad(SmartlockCreate, {"type": 0, "name": "D", "firmwareVersion": "2.x"}, "firmwareVersion"),
    _bad(SmartlockCreate, {"type": 0, "name": "D", "firmwareVersion": "2.256"}, "firmwareVersion"),
    _bad(SmartlockCreate, {"type": 0, "name": "D", "hardwareVersion": -1}, "hardwareVersion"),
    _bad(
        SmartlockWebConfigUpdate,
        {"dismissedLiftUpHandleWarning": ["me"]},
        "dismissedLiftUpHandleWarning",
        0,
    ),
    _bad(
        BulkWebConfigRequest,
        {"webConfigRequests": [{"smartlockId": -1}]},
        "webConfigRequests",
        0,
        "smartlockId",
    ),
    _bad(
        BulkWebConfigRequest,
        {"webConfigRequests": [{"webConfig": {"batteryWarningPerMailEnabled": "perhaps"}}]},
        "webConfigRequests",
        0,
        "webConfig",
        "batteryWarningPerMailEnabled",
    ),
]


@pytest.mark.parametrize(("model", "body", "location"), BAD_BODIES)
def test_a_bad_body_is_a_validation_error_naming_the_field(
    model: type[RequestModel], body: dict[str, Any], location: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(body)
    assert [error["loc"] for error in raised.value.errors()] == [location]


NUMERIC_STRINGS: list[tuple[type[RequestModel], dict[str, Any], dict[str, Any]]] = [
    (SmartlockActionRequest, {"action": "2", "option": "4"}, {"action": 2, "option": 4}),
    (AdminPinUpdate, {"adminPin": "0042"}, {"adminPin": 42}),
    (
        SmartlockAdvancedConfigUpdate,
        {"lngTimeout": "20", "unlatchDuration": "3"},
        {"lngTimeout": 20, "unlatchDuration": 3},
    ),
    (
        SmartlockConfigUpdate,
        {"latitude": "47.07", "ledBrightness": "5"},
        {"latitude": 47.07, "ledBrightness": 5},
    ),
    (
        SmartlockOpenerAdvancedConfigUpdate,
        {"soundRing": "2", "rtoTimeout": "45"},
        {"soundRing": 2, "rtoTimeout": 45},
    ),
    (SmartlockSmartdoorAdvancedConfigUpdate, {"batteryType": "255"}, {"batteryType": 255}),
    (
        SmartlockCreate,
        {"type": "4", "name": "Door", "hardwareVersion": "1291"},
        {"type": 4, "name": "Door", "hardwareVersion": 1291},
    ),
    (WebConfigRequest, {"smartlockId": "18298712180"}, {"smartlockId": 18298712180}),
]


@pytest.mark.parametrize(("model", "body", "parsed"), NUMERIC_STRINGS)
def test_numbers_sent_as_numeric_strings_are_accepted(
    model: type[RequestModel], body: dict[str, Any], parsed: dict[str, Any]
) -> None:
    assert model.model_validate(body).model_dump(exclude_none=True) == parsed
    assert model.model_validate_json(json.dumps(body)).model_dump(exclude_none=True) == parsed


def test_read_only_and_unknown_fields_in_a_body_are_ignored() -> None:
    body = {"lngTimeout": 10, "totalDegrees": 5, "operationId": "x", "color": "red"}
    parsed = SmartlockAdvancedConfigUpdate.model_validate(body)
    assert parsed.model_dump(exclude_none=True) == {"lngTimeout": 10}
    whole = SmartlockConfigUpdate.model_validate(default_config(DeviceType.OPENER, "Door"))
    assert "keypadPaired" not in whole.model_dump()


def test_smartlock_create_accepts_the_documented_shape() -> None:
    created = SmartlockCreate.model_validate(
        {"type": 2, "name": "Intercom", "nukiId": "1e24dd52", "firmwareVersion": "1.10"}
    )
    assert (created.type, created.nukiId, created.firmwareVersion) == (2, "1e24dd52", "1.10")
    assert created.hardwareVersion is None


# --- log entries and the spec's errata ---------------------------------------------------------


def test_log_entries_validate_against_the_spec() -> None:
    lock = SmartlockLog(
        id="65a0f0c2e4b0a1b2c3d4e5f6",
        smartlockId=smartlock_id(DeviceType.SMARTLOCK3, 0x42B03074),
        deviceType=0,
        authId="65a0f0c2e4b0a1b2c3d4e5f7",
        name="Ada",
        action=1,
        trigger=0,
        state=1,
        autoUnlock=False,
        date=NOW,
        source=1,
    )
    assert spec_errors("SmartlockLog", as_json(lock)) == []
    opener_log = SmartlockLogOpenerLog(
        activeCm=False,
        activeRto=True,
        source=0,
        flagGeoFence=False,
        flagForce=False,
        flagDoorbellSuppression=False,
    )
    opener = lock.model_copy(update={"deviceType": 2, "action": 3, "openerLog": opener_log})
    assert spec_errors("SmartlockLog", as_json(opener)) == []
    assert as_json(opener)["date"] == "2026-01-31T12:00:00.000Z"


STATE = _state(DeviceType.KEYTURNER)
LOG = {
    "id": "1",
    "smartlockId": 1,
    "deviceType": 0,
    "name": "Ada",
    "action": 1,
    "trigger": 0,
    "state": 1,
    "autoUnlock": False,
    "date": "2026-01-31T12:00:00.000Z",
}

# Values the spec's text lists but its minimum/maximum forbid: the models accept them.
ERRATA_SUBJECTS: dict[str, tuple[type[ResponseModel], dict[str, Any]]] = {
    "Smartlock.State": (SmartlockState, STATE),
    "SmartlockLog": (SmartlockLog, LOG),
}
ERRATA = [
    ("Smartlock.State", "mode", 5, "5 is greater than the maximum of 4"),  # off-door charging
    ("Smartlock.State", "trigger", 7, "7 is greater than the maximum of 6"),  # accessory
    ("Smartlock.State", "lastAction", 6, "6 is greater than the maximum of 5"),  # opener: CM on
    ("Smartlock.State", "lastAction", 7, "7 is greater than the maximum of 5"),  # opener: CM off
    ("SmartlockLog", "state", 0, "0 is less than the minimum of 1"),  # success
]


@pytest.mark.parametrize(("schema", "field", "value", "complaint"), ERRATA)
def test_the_models_allow_what_the_spec_text_lists_beyond_its_bounds(
    schema: str, field: str, value: int, complaint: str
) -> None:
    model, document = ERRATA_SUBJECTS[schema]
    body = as_json(model.model_validate(document | {field: value}))
    assert spec_errors(schema, body) == [complaint]


def test_the_models_keep_the_spec_bounds_elsewhere() -> None:
    with pytest.raises(ValidationError):
        SmartlockState.model_validate(STATE | {"trigger": 8})
    with pytest.raises(ValidationError):
        SmartlockLog.model_validate(LOG | {"deviceType": 4})
    with pytest.raises(ValidationError):
        SmartlockConfig.model_validate(default_config(DeviceType.BOX, "Box") | {"extra": 1})
