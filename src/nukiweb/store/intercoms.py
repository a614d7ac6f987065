"""Reading and updating the opener intercom catalog: one catalog, the same for every caller."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from nukiweb.domain.intercoms import IntercomBrand, IntercomModel, check_model
from nukiweb.store.schema import intercom_brands, intercom_models


def list_brands(conn: Connection) -> list[IntercomBrand]:
    rows = conn.execute(
        select(intercom_brands.c.brand_id, intercom_brands.c.brand).order_by(
            intercom_brands.c.brand_id
        )
    ).all()
    return [IntercomBrand(brand_id=row.brand_id, brand=row.brand) for row in rows]


def get_brand(conn: Connection, brand_id: int) -> IntercomBrand | None:
    row = conn.execute(
        select(intercom_brands.c.brand).where(intercom_brands.c.brand_id == brand_id)
    ).first()
    return None if row is None else IntercomBrand(brand_id=brand_id, brand=row.brand)


def brand_ids(conn: Connection) -> set[int]:
    return set(conn.execute(select(intercom_brands.c.brand_id)).scalars())


def list_models(
    conn: Connection,
    *,
    brand_id: int | None,
    verified: int | None,
    updated_since: datetime | None,
) -> list[IntercomModel]:
    """In the order of their ids; each filter that is ``None`` is left out."""
    query = select(intercom_models.c.document).order_by(intercom_models.c.intercom_id)
    if brand_id is not None:
        query = query.where(intercom_models.c.brand_id == brand_id)
    if verified is not None:
        query = query.where(intercom_models.c.verified == verified)
    if updated_since is not None:
        query = query.where(intercom_models.c.update_date >= updated_since)
    return [_model(document) for document in conn.execute(query).scalars()]


def get_model(conn: Connection, intercom_id: int) -> IntercomModel | None:
    document = conn.execute(
        select(intercom_models.c.document).where(intercom_models.c.intercom_id == intercom_id)
    ).scalar()
    return None if document is None else _model(document)


def lock_catalog(conn: Connection) -> None:
    """Until the transaction ends, no other one changes the catalog (reads go on). SQLite's
    transactions hold its write lock from their start already; on PostgreSQL two imports at
    once would otherwise both insert the same new id, and one would fail."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE intercom_brands, intercom_models IN EXCLUSIVE MODE"))


def stored_brands(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """The names of those of ``ids`` the store has, by id."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        select(intercom_brands.c.brand_id, intercom_brands.c.brand).where(
            intercom_brands.c.brand_id.in_(wanted)
        )
    ).all()
    return {row.brand_id: row.brand for row in rows}


def stored_documents(conn: Connection, ids: Iterable[int]) -> dict[int, Any]:
    """The documents of those of ``ids`` the store has, by id."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        select(intercom_models.c.intercom_id, intercom_models.c.document).where(
            intercom_models.c.intercom_id.in_(wanted)
        )
    ).all()
    return {row.intercom_id: row.document for row in rows}


def insert_brands(conn: Connection, brands: Sequence[IntercomBrand]) -> None:
    if brands:
        conn.execute(
            insert(intercom_brands),
            [{"brand_id": brand.brand_id, "brand": brand.brand} for brand in brands],
        )


def update_brand(conn: Connection, brand: IntercomBrand) -> None:
    conn.execute(
        update(intercom_brands)
        .where(intercom_brands.c.brand_id == brand.brand_id)
        .values(brand=brand.brand)
    )


def insert_models(conn: Connection, models: Sequence[IntercomModel]) -> None:
    if models:
        conn.execute(insert(intercom_models), [_row(model) for model in models])


def update_model(conn: Connection, model: IntercomModel) -> None:
    row = _row(model)
    del row["intercom_id"]
    conn.execute(
        update(intercom_models)
        .where(intercom_models.c.intercom_id == model.intercom_id)
        .values(**row)
    )


def _row(model: IntercomModel) -> dict[str, Any]:
    return {
        "intercom_id": model.intercom_id,
        "brand_id": model.brand_id,
        "verified": model.verified,
        "update_date": model.update_date,
        "document": dict(model.document),
    }


def _model(document: Any) -> IntercomModel:
    """A stored document was checked when it was imported: this reads it again."""
    return check_model("intercom", document)
