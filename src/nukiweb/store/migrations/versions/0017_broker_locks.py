"""Locks seen on the MQTT broker: their retained values, and the device that claimed each.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broker_locks",
        sa.Column("nuki_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("device_type", sa.Integer(), nullable=True),
        sa.Column("topic_values", sa.JSON(), nullable=False),
        sa.Column("seen_date", UTCDateTime(), nullable=False),
        sa.Column("smartlock_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["smartlock_id"],
            ["smartlocks.smartlock_id"],
            name=op.f("fk_broker_locks_smartlock_id_smartlocks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("nuki_id", name=op.f("pk_broker_locks")),
        sa.UniqueConstraint("smartlock_id", name=op.f("uq_broker_locks_smartlock_id")),
    )


def downgrade() -> None:
    op.drop_table("broker_locks")
