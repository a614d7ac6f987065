"""Bridges, smart locks (every device type) and their activity log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owned_by_account() -> sa.Column[int]:
    return sa.Column("account_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "bridges",
        sa.Column("bridge_id", sa.Integer(), autoincrement=True, nullable=False),
        _owned_by_account(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("firmware_version", sa.String(20), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name="fk_bridges_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bridge_id", name="pk_bridges"),
    )
    op.create_index("ix_bridges_account_id", "bridges", ["account_id"])
    op.create_table(
        "smartlocks",
        sa.Column("smartlock_id", sa.BigInteger(), autoincrement=False, nullable=False),
        _owned_by_account(),
        sa.Column("bridge_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("favorite", sa.Boolean(), nullable=False),
        sa.Column("auth_id", sa.Integer(), nullable=False),
        sa.Column("firmware_version", sa.Integer(), nullable=False),
        sa.Column("hardware_version", sa.Integer(), nullable=False),
        sa.Column("server_state", sa.Integer(), nullable=False),
        sa.Column("admin_pin_state", sa.Integer(), nullable=False),
        sa.Column("admin_pin_hash", sa.Text(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("advanced_config", sa.JSON(), nullable=True),
        sa.Column("opener_advanced_config", sa.JSON(), nullable=True),
        sa.Column("smartdoor_advanced_config", sa.JSON(), nullable=True),
        sa.Column("web_config", sa.JSON(), nullable=False),
        sa.Column("mechanics", sa.JSON(), nullable=False),
        sa.Column("operation_id", sa.String(36), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name="fk_smartlocks_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bridge_id"],
            ["bridges.bridge_id"],
            name="fk_smartlocks_bridge_id_bridges",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("smartlock_id", name="pk_smartlocks"),
    )
    op.create_index("ix_smartlocks_account_id", "smartlocks", ["account_id"])
    op.create_index("ix_smartlocks_bridge_id", "smartlocks", ["bridge_id"])
    op.create_table(
        "smartlock_logs",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(24), nullable=False),
        _owned_by_account(),
        sa.Column("smartlock_id", sa.BigInteger(), nullable=False),
        sa.Column("device_type", sa.Integer(), nullable=False),
        sa.Column("account_user_id", sa.Integer(), nullable=True),
        sa.Column("auth_id", sa.String(24), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("action", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.Integer(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("auto_unlock", sa.Boolean(), nullable=False),
        sa.Column("date", UTCDateTime(), nullable=False),
        sa.Column("source", sa.Integer(), nullable=True),
        sa.Column("opener_log", sa.JSON(), nullable=True),
        sa.Column("ajar_timeout", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name="fk_smartlock_logs_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["smartlock_id"],
            ["smartlocks.smartlock_id"],
            name="fk_smartlock_logs_smartlock_id_smartlocks",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_smartlock_logs"),
        sa.UniqueConstraint("id", name="uq_smartlock_logs_id"),
    )
    op.create_index("ix_smartlock_logs_account_id_seq", "smartlock_logs", ["account_id", "seq"])
    op.create_index("ix_smartlock_logs_smartlock_id_seq", "smartlock_logs", ["smartlock_id", "seq"])


def downgrade() -> None:
    op.drop_table("smartlock_logs")
    op.drop_table("smartlocks")
    op.drop_table("bridges")
