"""Webhook subscribers and notifications remember who subscribed (reader_account_id); webhook
logs keep their event's feature.

A subscriber made before this revision is given the account of its API key when that is its
master account or one of its sub-accounts (an API token's key), else the master account (an
OAuth token's key belongs to the app's developer). A log made before it keeps no feature: an
Advanced API result's is "API", and an event's is in its request body (read from there). A
notification is given its subscriber's reader, or its master account when it has none (os 0, 1).

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

_READER_OF_EXISTING_NOTIFICATIONS = """
UPDATE notifications SET reader_account_id = COALESCE(
    (SELECT webhook_subscribers.reader_account_id FROM webhook_subscribers
     WHERE webhook_subscribers.notification_id = notifications.notification_id),
    notifications.account_id)
"""


def _add_reader(table: str, fill: str) -> None:
    """A ``reader_account_id`` column, filled by ``fill``, then required and tied to its
    account."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("reader_account_id", sa.Integer(), nullable=True))
    op.execute(fill)
    with op.batch_alter_table(table) as batch:
        batch.alter_column("reader_account_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f(f"fk_{table}_reader_account_id_accounts"),
            "accounts",
            ["reader_account_id"],
            ["account_id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f(f"ix_{table}_reader_account_id"), ["reader_account_id"])


def _drop_reader(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_index(op.f(f"ix_{table}_reader_account_id"))
        batch.drop_constraint(op.f(f"fk_{table}_reader_account_id_accounts"), type_="foreignkey")
        batch.drop_column("reader_account_id")


def upgrade() -> None:
    _add_reader("webhook_subscribers", _READER_OF_EXISTING_SUBSCRIBERS)
    _add_reader("notifications", _READER_OF_EXISTING_NOTIFICATIONS)
    with op.batch_alter_table("webhook_logs") as batch:
        batch.add_column(sa.Column("feature", sa.String(length=32), nullable=True))
    op.execute("UPDATE webhook_logs SET feature = 'API' WHERE request_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("webhook_logs") as batch:
        batch.drop_column("feature")
    _drop_reader("notifications")
    _drop_reader("webhook_subscribers")
