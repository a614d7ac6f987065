"""The partner companies that ``GET /company`` lists, and the rules of the document an operator
imports them from: a JSON array of the spec's ``Company`` objects (``name``, ``email``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nukiweb.domain.accounts import MAX_EMAIL_LENGTH, check_email
from nukiweb.domain.errors import InvalidParameter

MAX_NAME_LENGTH = 200  # the width of companies.name
FIELDS = frozenset({"name", "email"})
_SHOWN_LENGTH = 40  # how much of a refused value an error message repeats


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    email: str | None = None


def check_companies(document: Any) -> list[Company]:
    """The companies of an imported document, in its order; refuses the whole document, naming
    the index and the field, at the first thing wrong in it."""
    if not isinstance(document, list):
        raise InvalidParameter(
            "companies",
            _shown(document),
            "The document must be a JSON array of companies, each {name, email}.",
        )
    return [_company(index, item) for index, item in enumerate(document)]


def _company(index: int, item: Any) -> Company:
    where = f"[{index}]"
    if not isinstance(item, dict):
        raise InvalidParameter(
            where, _shown(item), "A company is a JSON object with a name and an optional email."
        )
    unknown = sorted(str(key) for key in item if key not in FIELDS)
    if unknown:
        raise InvalidParameter(
            f"{where}.{unknown[0]}",
            _shown(item[unknown[0]]),
            "Unknown field: a company has only name and email.",
        )
    if "name" not in item:
        raise InvalidParameter(f"{where}.name", "(missing)", "Every company needs a name.")
    return Company(
        name=_name(f"{where}.name", item["name"]),
        email=_email(f"{where}.email", item.get("email")),
    )


def _name(parameter: str, value: Any) -> str:
    name = value.strip() if isinstance(value, str) else None
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidParameter(
            parameter, _shown(value), f"It must be text of 1 to {MAX_NAME_LENGTH} characters."
        )
    return name


def _email(parameter: str, value: Any) -> str | None:
    """An absent email and ``null`` are the same: the company has none."""
    if value is None:
        return None
    reason = f"It must be an email address of at most {MAX_EMAIL_LENGTH} characters."
    if not isinstance(value, str):
        raise InvalidParameter(parameter, _shown(value), reason)
    try:
        return check_email(value, parameter)
    except InvalidParameter:
        raise InvalidParameter(parameter, _shown(value), reason) from None


def _shown(value: Any) -> str:
    """A refused value as an error message repeats it: short, whatever its size."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "..."
