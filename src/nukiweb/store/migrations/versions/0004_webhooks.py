"""Webhooks: the event outbox, subscribers (decentral, central, notifications), delivery logs,
advanced API keys and notifications.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "advanced_requests",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_advanced_requests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_advanced_requests")),
    )
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.String(length=100), nullable=True),
        sa.Column("push_id", sa.Text(), nullable=False),
        sa.Column("os", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("last_active_date", UTCDateTime(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secret_box", sa.Text(), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_notifications_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notifications")),
    )
    op.create_index(
        op.f("ix_notifications_account_id"), "notifications", ["account_id"], unique=False
    )
    op.create_table(
        "webhook_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("feature", sa.String(length=32), nullable=False),
        sa.Column("smartlock_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_webhook_events_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("id", name=op.f("uq_webhook_events_id")),
    )
    op.create_index(
        "ix_webhook_events_account_id_seq", "webhook_events", ["account_id", "seq"], unique=False
    )
    op.create_table(
        "advanced_api_keys",
        sa.Column("api_key_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("secret_box", sa.Text(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.api_key_id"],
            name=op.f("fk_advanced_api_keys_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", name=op.f("pk_advanced_api_keys")),
    )
    op.create_table(
        "webhook_logs",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.api_key_id"],
            name=op.f("fk_webhook_logs_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_webhook_logs")),
        sa.UniqueConstraint("id", name=op.f("uq_webhook_logs_id")),
    )
    op.create_index(
        "ix_webhook_logs_api_key_id_seq", "webhook_logs", ["api_key_id", "seq"], unique=False
    )
    op.create_table(
        "webhook_subscribers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("notification_id", sa.String(length=24), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("secret_box", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=36), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("sent_ok", sa.Integer(), nullable=False),
        sa.Column("sent_failed", sa.Integer(), nullable=False),
        sa.Column("last_success", UTCDateTime(), nullable=True),
        sa.Column("last_duration", sa.Integer(), nullable=True),
        sa.Column("last_ok", sa.Boolean(), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_webhook_subscribers_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.api_key_id"],
            name=op.f("fk_webhook_subscribers_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscribers")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_webhook_subscribers_notification_id")),
    )
    op.create_index(
        op.f("ix_webhook_subscribers_account_id"),
        "webhook_subscribers",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_webhook_subscribers_api_key_id"),
        "webhook_subscribers",
        ["api_key_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("advanced_requests")
    op.drop_table("webhook_subscribers")
    op.drop_table("webhook_logs")
    op.drop_table("advanced_api_keys")
    op.drop_table("webhook_events")
    op.drop_table("notifications")
