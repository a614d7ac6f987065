"""Account users and the authorizations on devices.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_users",
        sa.Column("account_user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("operation_id", sa.String(36), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name="fk_account_users_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_user_id", name="pk_account_users"),
        sa.UniqueConstraint(
            "account_id", "email_key", name="uq_account_users_account_id_email_key"
        ),
    )
    op.create_index("ix_account_users_account_id", "account_users", ["account_id"])
    op.create_table(
        "smartlock_auths",
        sa.Column("id", sa.String(24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("smartlock_id", sa.BigInteger(), nullable=False),
        sa.Column("auth_id", sa.Integer(), nullable=False),
        sa.Column("account_user_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("code", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("remote_allowed", sa.Boolean(), nullable=False),
        sa.Column("smart_actions_enabled", sa.Boolean(), nullable=False),
        sa.Column("lock_count", sa.Integer(), nullable=False),
        sa.Column("allowed_from_date", UTCDateTime(), nullable=True),
        sa.Column("allowed_until_date", UTCDateTime(), nullable=True),
        sa.Column("allowed_week_days", sa.Integer(), nullable=True),
        sa.Column("allowed_from_time", sa.Integer(), nullable=True),
        sa.Column("allowed_until_time", sa.Integer(), nullable=True),
        sa.Column("last_active_date", UTCDateTime(), nullable=True),
        sa.Column("device_copy", sa.JSON(), nullable=True),
        sa.Column("pending", sa.String(10), nullable=True),
        sa.Column("operation_id", sa.String(36), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(36), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name="fk_smartlock_auths_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["smartlock_id"],
            ["smartlocks.smartlock_id"],
            name="fk_smartlock_auths_smartlock_id_smartlocks",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_user_id"],
            ["account_users.account_user_id"],
            name="fk_smartlock_auths_account_user_id_account_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_smartlock_auths"),
        sa.UniqueConstraint(
            "smartlock_id", "auth_id", name="uq_smartlock_auths_smartlock_id_auth_id"
        ),
        sa.UniqueConstraint("smartlock_id", "code", name="uq_smartlock_auths_smartlock_id_code"),
    )
    op.create_index("ix_smartlock_auths_account_id", "smartlock_auths", ["account_id"])
    op.create_index("ix_smartlock_auths_smartlock_id", "smartlock_auths", ["smartlock_id"])
    op.create_index("ix_smartlock_auths_account_user_id", "smartlock_auths", ["account_user_id"])


def downgrade() -> None:
    op.drop_table("smartlock_auths")
    op.drop_table("account_users")
