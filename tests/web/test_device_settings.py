"""The settings forms made from the API's request models: every writable field has words, and
a form read back gives the body the API's operation takes."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from nukiweb.domain.device_defaults import (
    default_advanced_config,
    default_config,
    default_opener_advanced_config,
    default_smartdoor_advanced_config,
    default_web_config,
)
from nukiweb.domain.devices import DeviceType
from nukiweb.domain.errors import InvalidParameter
from nukiweb.web.device_settings import (
    BLOCKS,
    BLOCKS_BY_SLUG,
    SettingsBlock,
    changed_settings,
    setting_inputs,
)

DEFAULTS = {
    "config": default_config(DeviceType.SMARTLOCK3, "Front door"),
    "advanced_config": default_advanced_config(DeviceType.SMARTLOCK3),
    "opener_advanced_config": default_opener_advanced_config(DeviceType.OPENER),
    "smartdoor_advanced_config": default_smartdoor_advanced_config(DeviceType.SMARTDOOR),
    "web_config": default_web_config(),
}


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.slug)
def test_every_writable_field_has_an_input_with_words(block: SettingsBlock) -> None:
    current = DEFAULTS[block.block]
    assert current is not None
    inputs = setting_inputs(block, current)
    writable = set(block.model.model_fields) - {"dismissedLiftUpHandleWarning"}
    assert {field.name for field in inputs} == writable & set(current)
    for field in inputs:
        assert field.label != field.name, field.name
        if field.kind == "select":
            assert field.value in {value for value, _label in field.options}


def test_a_form_reads_into_the_changed_fields_only() -> None:
    block = BLOCKS_BY_SLUG["advanced"]
    current = DEFAULTS["advanced_config"]
    assert current is not None
    form = FormData(
        [("lngTimeout", "45"), ("autoLock", "false"), ("autoLock", "true"), ("motorSpeed", "0")]
    )
    assert changed_settings(block, current, form) == {"lngTimeout": 45, "autoLock": True}


def test_a_refused_value_names_the_field_by_its_label() -> None:
    block = BLOCKS_BY_SLUG["config"]
    with pytest.raises(InvalidParameter, match="LED brightness: Input should be less") as refused:
        changed_settings(block, DEFAULTS["config"], FormData([("ledBrightness", "6")]))
    assert refused.value.parameter == "ledBrightness"
