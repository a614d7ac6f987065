"""The opener intercom catalog: brands and models as the vendor's public API shapes them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intercom_brands",
        sa.Column("brand_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("brand_id", name=op.f("pk_intercom_brands")),
    )
    op.create_table(
        "intercom_models",
        sa.Column("intercom_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Integer(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("intercom_id", name=op.f("pk_intercom_models")),
    )
    op.create_index(
        op.f("ix_intercom_models_brand_id"), "intercom_models", ["brand_id"], unique=False
    )
    op.create_index(
        op.f("ix_intercom_models_update_date"), "intercom_models", ["update_date"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intercom_models_update_date"), table_name="intercom_models")
    op.drop_index(op.f("ix_intercom_models_brand_id"), table_name="intercom_models")
    op.drop_table("intercom_models")
    op.drop_table("intercom_brands")
