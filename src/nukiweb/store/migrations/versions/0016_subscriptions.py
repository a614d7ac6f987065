"""Subscriptions: the operator's plans, what accounts hold of them, and the payments asked for
at checkout.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("length", sa.String(length=16), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("gift_article", sa.String(length=100), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_subscriptions")),
    )
    op.create_table(
        "account_subscriptions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("payment_type", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("gift_article", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_date", UTCDateTime(), nullable=True),
        sa.Column("period_end_date", UTCDateTime(), nullable=True),
        sa.Column("next_payment_date", UTCDateTime(), nullable=True),
        sa.Column("terminated", sa.Boolean(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_account_subscriptions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.subscription_id"],
            name=op.f("fk_account_subscriptions_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_subscriptions")),
    )
    op.create_index(
        op.f("ix_account_subscriptions_account_id"),
        "account_subscriptions",
        ["account_id"],
        unique=False,
    )
    op.create_table(
        "subscription_payments",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("account_subscription_id", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("paid_date", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_subscription_id"],
            ["account_subscriptions.id"],
            name=op.f("fk_subscription_payments_account_subscription_id_account_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_payments")),
    )
    op.create_index(
        op.f("ix_subscription_payments_account_subscription_id"),
        "subscription_payments",
        ["account_subscription_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_subscription_payments_account_subscription_id"),
        table_name="subscription_payments",
    )
    op.drop_table("subscription_payments")
    op.drop_index(op.f("ix_account_subscriptions_account_id"), table_name="account_subscriptions")
    op.drop_table("account_subscriptions")
    op.drop_table("subscriptions")
