"""The document an operator imports the intercom catalog from, ``{"brands": [...], "intercoms":
[...]}`` in the vendor's shapes, and the rules of a listing's filters."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.intercoms import (
    INT32_MAX,
    MAX_BRAND_LENGTH,
    RECENTLY_CHANGED,
    IntercomBrand,
    IntercomQuery,
    changed_since,
    check_catalog,
    check_query,
)
from nukiweb.services.intercoms import example_catalog


def brand(brand_id: Any = 1, name: str = "Acme Intercoms") -> dict[str, Any]:
    return {"brandId": brand_id, "brand": name}


def model(intercom_id: int = 10, brand_id: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "intercomId": intercom_id,
        "brandId": brand_id,
        "type": 1,
        "model": "AC-1",
        "verified": 1,
        "conGndBus": "",
        "conBusAudio": "",
        "conAudioout": "",
        "conDoorbellPlus": "1",
        "conDoorbellMinus": "2",
        "conOpendoor": "3",
        "conGndAnalogue": "4",
        "busModeSwitch": 0,
        "busModeSwitchShortCircuitDuration": 0,
    } | fields


def refused(document: Any, parameter: str, stored: tuple[int, ...] = ()) -> str:
    with pytest.raises(InvalidParameter) as raised:
        check_catalog(document, stored)
    assert raised.value.parameter == parameter
    return raised.value.message


def test_brands_and_models_are_taken_in_order() -> None:
    document = {
        "brands": [brand(2, "Beta"), brand(1)],
        "intercoms": [
            model(11, 2, creationDate="2026-01-01T10:00:00.000Z"),
            model(10, updateDate="2026-02-01T12:00:00+01:00"),
        ],
    }
    catalog = check_catalog(document)
    assert catalog.brands == [IntercomBrand(2, "Beta"), IntercomBrand(1, "Acme Intercoms")]
    first, second = catalog.models
    assert (first.intercom_id, first.brand_id, first.model) == (11, 2, "AC-1")
    assert first.creation_date == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert first.update_date is None
    assert second.update_date == datetime(2026, 2, 1, 11, tzinfo=UTC)
    assert second.con_doorbell_plus == "1"
    assert second.con_gnd_analogue == "4"
    assert second.document == document["intercoms"][1]


def test_either_array_may_be_absent_and_underscored_keys_are_ignored() -> None:
    assert check_catalog({}).brands == []
    assert check_catalog({"_comment": "an example", "brands": [brand()]}).models == []
    only_models = check_catalog({"intercoms": [model()]}, stored_brand_ids={1})
    assert [found.intercom_id for found in only_models.models] == [10]


def test_a_model_may_name_a_stored_brand_but_not_an_unknown_one() -> None:
    assert check_catalog({"intercoms": [model(brand_id=7)]}, {7}).models[0].brand_id == 7
    message = refused(
        {"brands": [brand(1)], "intercoms": [model(), model(11, 8)]}, "intercoms[1].brandId"
    )
    assert "'8'" in message


def test_fields_the_spec_does_not_name_are_kept_in_the_document() -> None:
    extra = model() | {"conVideo": "V", "nested": [1, {"a": None}]}
    assert check_catalog({"intercoms": [extra]}, {1}).models[0].document == extra


@pytest.mark.parametrize(
    ("document", "parameter"),
    [
        ([], "catalog"),
        ("brands", "catalog"),
        ({"brands": [], "intercom": []}, "intercom"),
        ({"brands": {}}, "brands"),
        ({"intercoms": "none"}, "intercoms"),
        ({"brands": ["Acme"]}, "brands[0]"),
        ({"brands": [{"brand": "Acme"}]}, "brands[0].brandId"),
        ({"brands": [{"brandId": 1}]}, "brands[0].brand"),
        ({"brands": [brand(1, "")]}, "brands[0].brand"),
        ({"brands": [brand(1, "B" * (MAX_BRAND_LENGTH + 1))]}, "brands[0].brand"),
        ({"brands": [brand("1")]}, "brands[0].brandId"),
        ({"brands": [{"brandId": True, "brand": "Acme"}]}, "brands[0].brandId"),
        ({"brands": [brand(-1)]}, "brands[0].brandId"),
        ({"brands": [brand(INT32_MAX + 1)]}, "brands[0].brandId"),
        ({"brands": [brand(1.0)]}, "brands[0].brandId"),
        ({"brands": [brand(1), brand(2), brand(1)]}, "brands[2].brandId"),
        ({"brands": [brand()], "intercoms": [model(), model()]}, "intercoms[1].intercomId"),
        ({"brands": [brand()], "intercoms": [7]}, "intercoms[0]"),
        ({"brands": [brand()], "intercoms": [model(verified=0)]}, "intercoms[0].verified"),
        ({"brands": [brand()], "intercoms": [model(verified=4)]}, "intercoms[0].verified"),
        ({"brands": [brand()], "intercoms": [model(model="")]}, "intercoms[0].model"),
        ({"brands": [brand()], "intercoms": [model(type=None)]}, "intercoms[0].type"),
        ({"brands": [brand()], "intercoms": [model(conOpendoor=3)]}, "intercoms[0].conOpendoor"),
        (
            {"brands": [brand()], "intercoms": [model(busModeSwitchShortCircuitDuration="10")]},
            "intercoms[0].busModeSwitchShortCircuitDuration",
        ),
        (
            {"brands": [brand()], "intercoms": [model(updateDate="2026-01-01T10:00:00")]},
            "intercoms[0].updateDate",
        ),
        (
            {"brands": [brand()], "intercoms": [model(creationDate="yesterday")]},
            "intercoms[0].creationDate",
        ),
        (
            {"brands": [brand()], "intercoms": [model(creationDate=20260101)]},
            "intercoms[0].creationDate",
        ),
        ({"brands": [brand()], "intercoms": [model(extra=float("nan"))]}, "catalog"),
        ({"brands": [brand(1, "Acme \ud800")]}, "catalog"),
    ],
)
def test_a_wrong_entry_is_refused_by_name(document: Any, parameter: str) -> None:
    refused(document, parameter)


def test_every_required_field_of_a_model_is_required() -> None:
    for field in model():
        incomplete = {name: value for name, value in model().items() if name != field}
        message = refused({"brands": [brand()], "intercoms": [incomplete]}, f"intercoms[0].{field}")
        assert "(missing)" in message


def test_a_refused_value_is_shown_short() -> None:
    message = refused({"brands": [brand(1, "B" * 5_000)]}, "brands[0].brand")
    assert len(message) < 300


def test_the_example_set_is_valid_and_marked_as_an_example() -> None:
    example = example_catalog()
    catalog = check_catalog(example)
    assert catalog.brands
    assert catalog.models
    assert "example" in example["_comment"].lower()
    assert all(found.brand.endswith("(example)") for found in catalog.brands)
    assert all(found.model.endswith("(example)") for found in catalog.models)
    assert {found.verified for found in catalog.models} == {1, 2, 3}


def test_a_listing_needs_a_brand_unless_it_asks_for_recent_changes() -> None:
    assert check_query(5, ignore_verified=None, recently_changed=None) == IntercomQuery(5)
    everything = IntercomQuery(None, ignore_verified=True, recently_changed=True)
    assert check_query(None, ignore_verified=True, recently_changed=True) == everything
    recent = IntercomQuery(5, ignore_verified=False, recently_changed=True)
    assert check_query(5, ignore_verified=False, recently_changed=True) == recent
    for recently_changed in (None, False):
        with pytest.raises(InvalidParameter) as raised:
            check_query(None, ignore_verified=True, recently_changed=recently_changed)
        assert raised.value.parameter == "brandId"


def test_recently_changed_looks_back_30_days() -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert changed_since(now) == datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert RECENTLY_CHANGED.days == 30


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=8))
def test_any_json_document_is_taken_or_refused_cleanly(document: Any) -> None:
    for candidate in (document, {"brands": document}, {"intercoms": document}):
        with contextlib.suppress(InvalidParameter):
            check_catalog(candidate, {1})


@given(st.dictionaries(st.sampled_from(list(model())), st.none() | st.integers() | st.text()))
def test_any_model_fields_are_taken_or_refused_cleanly(fields: dict[str, Any]) -> None:
    with contextlib.suppress(InvalidParameter):
        check_catalog({"intercoms": [model() | fields]}, {1})
