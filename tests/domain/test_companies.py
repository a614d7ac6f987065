"""The document an operator imports the partner companies from: a JSON array of the spec's
``Company``; anything wrong in it is refused whole, naming the index and the field."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain.companies import MAX_NAME_LENGTH, Company, check_companies
from nukiweb.domain.errors import InvalidParameter
from nukiweb.services.companies import example_companies


def test_companies_are_taken_in_order_with_names_and_emails_stripped() -> None:
    document = [
        {"name": "  Alpine Rentals  ", "email": " alpine@example.com "},
        {"name": "Keyless Stays"},
        {"name": "Harbour Lofts", "email": None},
    ]
    assert check_companies(document) == [
        Company("Alpine Rentals", "alpine@example.com"),
        Company("Keyless Stays"),
        Company("Harbour Lofts"),
    ]


def test_an_empty_array_empties_the_list() -> None:
    assert check_companies([]) == []


def test_names_of_the_longest_length_are_taken() -> None:
    name = "N" * MAX_NAME_LENGTH
    assert check_companies([{"name": name}]) == [Company(name)]


@pytest.mark.parametrize(
    ("document", "parameter", "reason"),
    [
        ({"name": "Not in an array"}, "'companies'", "JSON array"),
        ("Alpine Rentals", "'companies'", "JSON array"),
        (None, "'companies'", "JSON array"),
        ([{"name": "Fine"}, "Alpine Rentals"], "'[1]'", "JSON object"),
        ([{"name": "Fine"}, ["Alpine Rentals"]], "'[1]'", "JSON object"),
        ([{"email": "a@example.com"}], "'[0].name'", "needs a name"),
        ([{"name": ""}], "'[0].name'", "1 to 200"),
        ([{"name": "   "}], "'[0].name'", "1 to 200"),
        ([{"name": "N" * (MAX_NAME_LENGTH + 1)}], "'[0].name'", "1 to 200"),
        ([{"name": None}], "'[0].name'", "1 to 200"),
        ([{"name": 42}], "'[0].name'", "1 to 200"),
        ([{"name": "A"}, {"name": "B", "email": "not an address"}], "'[1].email'", "email"),
        ([{"name": "A", "email": ""}], "'[0].email'", "email"),
        ([{"name": "A", "email": "a@example"}], "'[0].email'", "email"),
        ([{"name": "A", "email": 7}], "'[0].email'", "email"),
        (
            [{"name": "A", "email": "a" * 64 + "@" + "b" * 186 + ".com"}],
            "'[0].email'",
            "at most 254",
        ),
        ([{"name": "A", "phone": "+41 00 000 00 00"}], "'[0].phone'", "Unknown field"),
        ([{"name": "A"}, {"name": "B"}, {"name": "C", "id": 3}], "'[2].id'", "Unknown field"),
    ],
)
def test_what_is_wrong_is_refused_naming_its_index_and_field(
    document: Any, parameter: str, reason: str
) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_companies(document)
    assert f"parameter {parameter}" in refused.value.message
    assert reason in refused.value.message


def test_a_long_refused_value_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_companies([{"name": "N" * 10_000}])
    assert len(refused.value.message) < 200


def test_the_example_set_is_valid_and_clearly_fictitious() -> None:
    example = check_companies(example_companies())
    assert 3 <= len(example) <= 10
    for company in example:
        assert company.name.endswith("(example)")
        assert company.email is None or company.email.endswith("@example.com")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


@given(JSON_VALUES)
def test_any_json_document_is_taken_or_refused_as_invalid(document: Any) -> None:
    """Never another error (a crash): what is not taken is an ``InvalidParameter``."""
    with contextlib.suppress(InvalidParameter):
        companies = check_companies(document)
        assert isinstance(document, list)
        assert len(companies) == len(document)
