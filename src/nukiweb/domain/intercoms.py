"""The catalog of opener-compatible intercoms that ``GET /opener/brand`` and ``GET
/opener/intercom`` answer, and the rules of the document an operator imports it from.

The document is a JSON object ``{"brands": [OpenerIntercomBrand, ...], "intercoms":
[OpenerIntercomModel, ...]}``: the vendor's own shapes, as its public ``GET /opener/brand`` and
``GET /opener/intercom`` answer them, so that the vendor's catalog can be loaded as it is. Keys
of the document starting with ``_`` (a ``"_comment"``) are ignored; fields of a brand or a model
that the spec does not name are kept with it but never answered (a newer vendor catalog still
imports). Anything else wrong is refused whole, naming the entry and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nukiweb.domain.errors import InvalidParameter

INT32_MAX = 2**31 - 1
MAX_BRAND_LENGTH = 200  # the width of intercom_brands.brand
MAX_TEXT_LENGTH = 200  # a model's name and its connection labels
VERIFIED_VALUES = (1, 2, 3)  # verified to work, may be compatible, not compatible
VERIFIED = 1
# How far back ``recentlyChanged`` looks: the vendor says only "recently".
RECENTLY_CHANGED = timedelta(days=30)

_MODEL_INTEGERS = ("intercomId", "brandId", "type", "busModeSwitch")
_MODEL_TEXTS = (
    "conGndBus",
    "conBusAudio",
    "conAudioout",
    "conDoorbellPlus",
    "conDoorbellMinus",
    "conOpendoor",
    "conGndAnalogue",
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SHOWN_LENGTH = 40  # how much of a refused value an error message repeats


@dataclass(frozen=True, slots=True)
class IntercomBrand:
    brand_id: int
    brand: str


@dataclass(frozen=True, slots=True)
class IntercomModel:
    """One model, with the spec's fields; ``document`` is the object as it was imported."""

    intercom_id: int
    brand_id: int
    type: int
    model: str
    verified: int
    con_gnd_bus: str
    con_bus_audio: str
    con_audioout: str
    con_doorbell_plus: str
    con_doorbell_minus: str
    con_opendoor: str
    con_gnd_analogue: str
    bus_mode_switch: int
    bus_mode_switch_short_circuit_duration: int
    creation_date: datetime | None
    update_date: datetime | None
    document: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Catalog:
    brands: list[IntercomBrand]
    models: list[IntercomModel]


@dataclass(frozen=True, slots=True)
class IntercomQuery:
    """A listing's filters: a brand, or only the recently changed models (or both)."""

    brand_id: int | None = None
    ignore_verified: bool = False
    recently_changed: bool = False


def check_query(
    brand_id: int | None, *, ignore_verified: bool | None, recently_changed: bool | None
) -> IntercomQuery:
    """The vendor's rule: ``brandId`` is required unless ``recentlyChanged`` is set."""
    if brand_id is None and not recently_changed:
        raise InvalidParameter("brandId", "null", "It is required unless recentlyChanged is true.")
    return IntercomQuery(brand_id, bool(ignore_verified), bool(recently_changed))


def changed_since(now: datetime) -> datetime:
    """The earliest ``updateDate`` that ``recentlyChanged`` lists at ``now``."""
    return now - RECENTLY_CHANGED


def check_catalog(document: Any, stored_brand_ids: Collection[int] = ()) -> Catalog:
    """The brands and models of an imported document, in its order; a model's brand must be in
    the document or among ``stored_brand_ids``."""
    if not isinstance(document, dict):
        raise InvalidParameter(
            "catalog",
            _shown(document),
            'The document must be a JSON object {"brands": [...], "intercoms": [...]}.',
        )
    _refuse_unstorable(document)
    unknown = sorted(str(key) for key in document if key not in {"brands", "intercoms"})
    unknown = [key for key in unknown if not key.startswith("_")]
    if unknown:
        raise InvalidParameter(
            unknown[0],
            _shown(document[unknown[0]]),
            "Unknown key: the document has only brands and intercoms (and _comments).",
        )
    brands = [
        _brand(f"brands[{index}]", item) for index, item in enumerate(_array(document, "brands"))
    ]
    _refuse_repeats("brands", [brand.brand_id for brand in brands], "brandId")
    models = [
        check_model(f"intercoms[{index}]", item)
        for index, item in enumerate(_array(document, "intercoms"))
    ]
    _refuse_repeats("intercoms", [model.intercom_id for model in models], "intercomId")
    known = {brand.brand_id for brand in brands} | set(stored_brand_ids)
    for index, model in enumerate(models):
        if model.brand_id not in known:
            raise InvalidParameter(
                f"intercoms[{index}].brandId",
                model.brand_id,
                "No brand has this id, in the document or in the store.",
            )
    return Catalog(brands, models)


def check_model(where: str, item: Any) -> IntercomModel:
    """One OpenerIntercomModel object; ``where`` names it in errors."""
    if not isinstance(item, dict):
        raise InvalidParameter(where, _shown(item), "An intercom model is a JSON object.")
    integers = {name: _int32(where, item, name) for name in _MODEL_INTEGERS}
    texts = {name: _text(where, item, name, allow_empty=True) for name in _MODEL_TEXTS}
    verified = _int32(where, item, "verified")
    if verified not in VERIFIED_VALUES:
        raise InvalidParameter(
            f"{where}.verified",
            verified,
            "It must be 1 (verified), 2 (may be compatible) or 3 (not compatible).",
        )
    return IntercomModel(
        intercom_id=integers["intercomId"],
        brand_id=integers["brandId"],
        type=integers["type"],
        model=_text(where, item, "model", allow_empty=False),
        verified=verified,
        con_gnd_bus=texts["conGndBus"],
        con_bus_audio=texts["conBusAudio"],
        con_audioout=texts["conAudioout"],
        con_doorbell_plus=texts["conDoorbellPlus"],
        con_doorbell_minus=texts["conDoorbellMinus"],
        con_opendoor=texts["conOpendoor"],
        con_gnd_analogue=texts["conGndAnalogue"],
        bus_mode_switch=integers["busModeSwitch"],
        bus_mode_switch_short_circuit_duration=_int32(
            where, item, "busModeSwitchShortCircuitDuration"
        ),
        creation_date=_date(where, item, "creationDate"),
        update_date=_date(where, item, "updateDate"),
        document=item,
    )


def _brand(where: str, item: Any) -> IntercomBrand:
    if not isinstance(item, dict):
        raise InvalidParameter(where, _shown(item), "A brand is a JSON object {brandId, brand}.")
    brand = _text(where, item, "brand", allow_empty=False)
    if len(brand) > MAX_BRAND_LENGTH:
        raise InvalidParameter(
            f"{where}.brand", _shown(brand), f"It must be at most {MAX_BRAND_LENGTH} characters."
        )
    return IntercomBrand(brand_id=_int32(where, item, "brandId"), brand=brand)


def _array(document: dict[str, Any], key: str) -> list[Any]:
    """An absent array is an empty one: a document may bring only brands or only models."""
    value = document.get(key, [])
    if not isinstance(value, list):
        raise InvalidParameter(key, _shown(value), "It must be a JSON array.")
    return value


def _refuse_repeats(where: str, ids: list[int], name: str) -> None:
    seen: set[int] = set()
    for index, identifier in enumerate(ids):
        if identifier in seen:
            raise InvalidParameter(
                f"{where}[{index}].{name}", identifier, "An earlier entry has the same id."
            )
        seen.add(identifier)


def _refuse_unstorable(document: dict[str, Any]) -> None:
    """What JSON text may hold but no store keeps, anywhere in the document (unknown fields
    included): NaN and infinities, and lone UTF-16 surrogates (``"\\ud800"``)."""
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise InvalidParameter(
            "catalog", "NaN", "Numbers must be finite: NaN and Infinity are not JSON."
        ) from None
    if _LONE_SURROGATE.search(text):
        raise InvalidParameter(
            "catalog", "\\ud800", "Text must not hold a lone UTF-16 surrogate (\\ud800-\\udfff)."
        )


def _present(where: str, item: dict[str, Any], name: str) -> Any:
    if name not in item or item[name] is None:
        raise InvalidParameter(f"{where}.{name}", "(missing)", f"Every entry needs a {name}.")
    return item[name]


def _int32(where: str, item: dict[str, Any], name: str) -> int:
    """A non-negative int32, as the vendor's ids and setting values are."""
    value = _present(where, item, name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT32_MAX:
        raise InvalidParameter(
            f"{where}.{name}", _shown(value), f"It must be an integer from 0 to {INT32_MAX}."
        )
    return value


def _text(where: str, item: dict[str, Any], name: str, *, allow_empty: bool) -> str:
    value = _present(where, item, name)
    if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH or not (allow_empty or value):
        least = 0 if allow_empty else 1
        raise InvalidParameter(
            f"{where}.{name}",
            _shown(value),
            f"It must be text of {least} to {MAX_TEXT_LENGTH} characters.",
        )
    return value


def _date(where: str, item: dict[str, Any], name: str) -> datetime | None:
    """An optional date-time with its zone (``2024-05-01T10:00:00.000Z``), in UTC."""
    value = item.get(name)
    if value is None:
        return None
    reason = "It must be a date-time with a zone, such as 2024-05-01T10:00:00.000Z."
    if not isinstance(value, str):
        raise InvalidParameter(f"{where}.{name}", _shown(value), reason)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        in_utc = parsed.astimezone(UTC) if parsed.utcoffset() is not None else None
    except (ValueError, OverflowError):
        in_utc = None
    if in_utc is None:
        raise InvalidParameter(f"{where}.{name}", _shown(value), reason)
    return in_utc


def _shown(value: Any) -> str:
    """A refused value as an error message repeats it: short, whatever its size."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "..."
