"""The settings forms of a device's page, made from the request models of the API's config
operations: one form per configuration block the device has, one input per field the model
can write, and a posted form read back into that same model, so that a value is valid on the
page exactly when the API would take it.

An input follows its field's JSON schema: a checkbox for a boolean, a select for a listed set
or a small range of integers (labelled by ``domain.setting_words``), a number input with the
model's bounds, a text input with its length limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from nukiweb.api.models.common import RequestModel
from nukiweb.api.models.smartlock import (
    SmartlockAdvancedConfigUpdate,
    SmartlockConfigUpdate,
    SmartlockOpenerAdvancedConfigUpdate,
    SmartlockSmartdoorAdvancedConfigUpdate,
    SmartlockWebConfigUpdate,
)
from nukiweb.domain import setting_words as words
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.smartlocks import Device

MAX_SELECT_OPTIONS = 16  # a larger range of integers is a number input
CHECKED = "true"  # a checkbox's value; a hidden "false" before it is sent when it is not


@dataclass(frozen=True, slots=True)
class SettingsBlock:
    """A configuration block and the API operation that writes it."""

    block: str  # the service's name of the block, and the Device attribute that holds it
    slug: str  # its part of the page's path
    title: str
    button: str
    api_path: str  # as the spec names the operation, for the rights a sub-account needs
    model: type[RequestModel]

    def current(self, device: Device) -> dict[str, Any] | None:
        """The device's block; ``None`` when its type has none."""
        current: dict[str, Any] | None = getattr(device, self.block)
        return current


BLOCKS = (
    SettingsBlock(
        words.CONFIG,
        "config",
        "Settings",
        "Save settings",
        "/smartlock/{smartlockId}/config",
        SmartlockConfigUpdate,
    ),
    SettingsBlock(
        words.ADVANCED_CONFIG,
        "advanced",
        "Advanced settings",
        "Save advanced settings",
        "/smartlock/{smartlockId}/advanced/config",
        SmartlockAdvancedConfigUpdate,
    ),
    SettingsBlock(
        words.OPENER_ADVANCED_CONFIG,
        "opener",
        "Opener settings",
        "Save opener settings",
        "/smartlock/{smartlockId}/advanced/openerconfig",
        SmartlockOpenerAdvancedConfigUpdate,
    ),
    SettingsBlock(
        words.SMARTDOOR_ADVANCED_CONFIG,
        "smartdoor",
        "Smart Door settings",
        "Save Smart Door settings",
        "/smartlock/{smartlockId}/advanced/smartdoorconfig",
        SmartlockSmartdoorAdvancedConfigUpdate,
    ),
    SettingsBlock(
        words.WEB_CONFIG,
        "web",
        "Nuki Web settings",
        "Save Nuki Web settings",
        "/smartlock/{smartlockId}/web/config",
        SmartlockWebConfigUpdate,
    ),
)
BLOCKS_BY_SLUG = {block.slug: block for block in BLOCKS}


@dataclass(frozen=True, slots=True)
class SettingInput:
    """One input of a settings form, as the template renders it."""

    name: str
    label: str
    kind: str  # "checkbox", "select", "number" or "text"
    value: str
    unit: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    minimum: str | None = None
    maximum: str | None = None
    step: str | None = None
    min_length: int | None = None
    max_length: int | None = None


def _field_schemas(model: type[RequestModel]) -> dict[str, dict[str, Any]]:
    """Each field's schema without its ``null`` (every field of a request model may be left
    out)."""
    schemas: dict[str, dict[str, Any]] = {}
    for name, schema in model.model_json_schema()["properties"].items():
        kinds = [kind for kind in schema.get("anyOf", [schema]) if kind.get("type") != "null"]
        schemas[name] = kinds[0]
    return schemas


_SCHEMAS = {block.block: _field_schemas(block.model) for block in BLOCKS}


def _shown_fields(block: SettingsBlock, current: Mapping[str, Any]) -> list[str]:
    """The fields of the block's model that the device's block has and one input can show (a
    list, such as ``dismissedLiftUpHandleWarning``, has no input)."""
    return [
        name
        for name, schema in _SCHEMAS[block.block].items()
        if name in current and schema.get("type") != "array"
    ]


def setting_inputs(
    block: SettingsBlock, current: Mapping[str, Any], posted: FormData | None = None
) -> list[SettingInput]:
    """The inputs of the block's form, filled in with the device's values, or with ``posted``
    (the form sent back with an error) where it has them."""
    inputs = []
    for name in _shown_fields(block, current):
        value = current[name]
        if posted is not None and posted.getlist(name):
            value = _posted(posted, name)
        inputs.append(_input(block, name, value))
    return inputs


def _input(block: SettingsBlock, name: str, value: Any) -> SettingInput:
    schema = _SCHEMAS[block.block][name]
    shown = words.setting_words(block.block, name)
    kind = schema.get("type")
    if kind == "boolean":
        checked = CHECKED if value in (True, CHECKED) else ""
        return SettingInput(name, shown.label, "checkbox", checked)
    if kind == "string":
        return SettingInput(
            name,
            shown.label,
            "text",
            str(value),
            min_length=schema.get("minLength"),
            max_length=schema.get("maxLength"),
        )
    codes = _codes(schema)
    if codes is not None:
        options = [(str(code), shown.choice(code)) for code in codes]
        if str(value) not in {code for code, _ in options}:  # keep a value the list lacks
            options.append((str(value), str(value)))
        return SettingInput(name, shown.label, "select", str(value), options=tuple(options))
    return SettingInput(
        name,
        shown.label,
        "number",
        _number_text(value),
        unit=shown.unit,
        minimum=_bound(schema, "minimum"),
        maximum=_bound(schema, "maximum"),
        step="1" if kind == "integer" else "any",
    )


def _codes(schema: Mapping[str, Any]) -> list[int] | None:
    """The integers a select offers: the listed ones, or a small range; ``None``: a number."""
    if schema.get("type") != "integer":
        return None
    if "enum" in schema:
        return [int(code) for code in schema["enum"]]
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is None or high is None or high - low >= MAX_SELECT_OPTIONS:
        return None
    return list(range(int(low), int(high) + 1))


def _bound(schema: Mapping[str, Any], name: str) -> str | None:
    return None if schema.get(name) is None else _number_text(schema[name])


def _number_text(value: Any) -> str:
    """A number as an input shows it: ``52.0`` as ``52``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _posted(form: FormData, name: str) -> str:
    """A field's value as posted; of a checkbox's hidden "false" and its "true", the last."""
    value = form.getlist(name)[-1]
    return value.strip() if isinstance(value, str) else ""


def changed_settings(
    block: SettingsBlock, current: Mapping[str, Any], form: FormData
) -> dict[str, Any]:
    """The posted form as the body the API's operation takes, validated by its request model,
    and of that the fields whose value differs from the device's. A field the form does not
    carry is left as it is. A value the model refuses is an ``InvalidParameter`` that names
    the field by its label."""
    body = {name: _posted(form, name) for name in _shown_fields(block, current) if name in form}
    try:
        update = block.model.model_validate(body).model_dump(exclude_none=True)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0])
        label = words.setting_words(block.block, name).label
        raise InvalidParameter(name, body.get(name, ""), f"{label}: {first['msg']}.") from None
    return {name: value for name, value in update.items() if current.get(name) != value}
