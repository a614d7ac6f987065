"""Use cases of the Opener tag: the catalog of opener-compatible intercoms, public (no token),
the same for everyone, and its import from a document in the vendor's own shapes (``nukiweb
admin import-intercoms``): a re-import updates brands and models by id, and leaves the others."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain.errors import NotFound
from nukiweb.domain.intercoms import (
    INT32_MAX,
    VERIFIED,
    IntercomBrand,
    IntercomModel,
    IntercomQuery,
    changed_since,
    check_catalog,
)
from nukiweb.services.context import ServiceContext
from nukiweb.store import intercoms as store

# A handful of fictitious brands and models, shipped with the package: what --demo starts
# with, and what ``import-intercoms --example`` imports.
EXAMPLE_FILE = files("nukiweb") / "data" / "intercoms.example.json"


@dataclass(frozen=True, slots=True)
class Counts:
    """Of one kind of entry in an import: how many were new, changed, or the same as stored."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ImportResult:
    brands: Counts
    intercoms: Counts


def list_brands(ctx: ServiceContext) -> list[IntercomBrand]:
    with ctx.db.read() as conn:
        return store.list_brands(conn)


def get_brand(ctx: ServiceContext, brand_id: int) -> IntercomBrand:
    with ctx.db.read() as conn:
        brand = store.get_brand(conn, brand_id)
    if brand is None:
        raise NotFound("brand", brand_id)
    return brand


def list_models(ctx: ServiceContext, query: IntercomQuery) -> list[IntercomModel]:
    """Only verified models (``verified`` 1) unless the query ignores it; ``recently_changed``:
    only those whose ``updateDate`` is within ``RECENTLY_CHANGED`` of now."""
    if query.brand_id is not None and not 0 <= query.brand_id <= INT32_MAX:
        return []  # no brand has such an id
    with ctx.db.read() as conn:
        return store.list_models(
            conn,
            brand_id=query.brand_id,
            verified=None if query.ignore_verified else VERIFIED,
            updated_since=changed_since(ctx.clock.now()) if query.recently_changed else None,
        )


def get_model(ctx: ServiceContext, intercom_id: int) -> IntercomModel:
    """Whatever its ``verified``: a client that has the id asks for that model."""
    with ctx.db.read() as conn:
        model = store.get_model(conn, intercom_id)
    if model is None:
        raise NotFound("intercom", intercom_id)
    return model


def import_catalog(ctx: ServiceContext, document: Any) -> ImportResult:
    """Adds the brands and models of ``document`` (a parsed JSON document) that the store does
    not have and updates those it has, by id, in one transaction; refuses the whole document
    if anything in it is wrong."""
    with ctx.db.transaction() as conn:
        store.lock_catalog(conn)
        return _import(conn, document, store.brand_ids(conn))


def import_example(ctx: ServiceContext, *, only_if_empty: bool = False) -> ImportResult | None:
    """Imports the example set; with ``only_if_empty``, only into a catalog without brands
    (``None`` answered otherwise: a catalog the operator imported stays as it is)."""
    with ctx.db.transaction() as conn:
        store.lock_catalog(conn)
        known_brands = store.brand_ids(conn)
        if only_if_empty and known_brands:
            return None
        return _import(conn, example_catalog(), known_brands)


def example_catalog() -> Any:
    """The example set, as a parsed JSON document."""
    return json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))


def _import(conn: Connection, document: Any, known_brands: set[int]) -> ImportResult:
    """Within the import's transaction, the catalog locked."""
    catalog = check_catalog(document, known_brands)
    stored_brands = store.stored_brands(conn, (brand.brand_id for brand in catalog.brands))
    new_brands = [brand for brand in catalog.brands if brand.brand_id not in stored_brands]
    changed_brands = [
        brand
        for brand in catalog.brands
        if brand.brand_id in stored_brands and stored_brands[brand.brand_id] != brand.brand
    ]
    store.insert_brands(conn, new_brands)
    for brand in changed_brands:
        store.update_brand(conn, brand)
    stored = store.stored_documents(conn, (model.intercom_id for model in catalog.models))
    new_models = [model for model in catalog.models if model.intercom_id not in stored]
    changed_models = [
        model
        for model in catalog.models
        if model.intercom_id in stored and stored[model.intercom_id] != model.document
    ]
    store.insert_models(conn, new_models)
    for model in changed_models:
        store.update_model(conn, model)
    return ImportResult(
        brands=_counts(len(catalog.brands), len(new_brands), len(changed_brands)),
        intercoms=_counts(len(catalog.models), len(new_models), len(changed_models)),
    )


def _counts(total: int, new: int, updated: int) -> Counts:
    return Counts(new=new, updated=updated, unchanged=total - new - updated)
