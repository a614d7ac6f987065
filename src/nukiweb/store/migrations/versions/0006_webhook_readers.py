"""Webhook subscribers remember who subscribed (reader_account_id); webhook logs keep their
event's feature.

A subscriber made before this revision is given the account of its API key when that is its
master account or one of its sub-accounts (an API token's key), else the master account (an
OAuth token's key belongs to the app's developer). A log made before it keeps no feature: an
Advanced API result's is "API", and an event's is in its request body (read from there).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_READER_OF_EXISTING_SUBSCRIBERS = """
UPDATE webhook_subscribers SET reader_account_id = COALESCE(
    (SELECT api_keys.account_id FROM api_keys
     JOIN accounts ON accounts.account_id = api_keys.account_id
     WHERE api_keys.api_key_id = webhook_subscribers.api_key_id
       AND (accounts.account_id = webhook_subscribers.account_id
            OR accounts.master_account_id = webhook_subscribers.account_id)),
    webhook_subscribers.account_id)
"""


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscribers") as batch:
        batch.add_column(sa.Column("reader_account_id", sa.Integer(), nullable=True))
    op.execute(_READER_OF_EXISTING_SUBSCRIBERS)
    with op.batch_alter_table("webhook_subscribers") as batch:
        batch.alter_column("reader_account_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_webhook_subscribers_reader_account_id_accounts"),
            "accounts",
            ["reader_account_id"],
            ["account_id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_webhook_subscribers_reader_account_id"), ["reader_account_id"])
    with op.batch_alter_table("webhook_logs") as batch:
        batch.add_column(sa.Column("feature", sa.String(length=32), nullable=True))
    op.execute("UPDATE webhook_logs SET feature = 'API' WHERE request_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("webhook_logs") as batch:
        batch.drop_column("feature")
    with op.batch_alter_table("webhook_subscribers") as batch:
        batch.drop_index(op.f("ix_webhook_subscribers_reader_account_id"))
        batch.drop_constraint(
            op.f("fk_webhook_subscribers_reader_account_id_accounts"), type_="foreignkey"
        )
        batch.drop_column("reader_account_id")
