"""Accounts: the mail outbox, single-use links sent by mail (email verification, password
reset), the accounts' one-time-password secrets, and when each API and OAuth token was last
active.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mails",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("sealed_message", sa.Text(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mails")),
    )
    op.create_table(
        "account_links",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("delete_api_tokens", sa.Boolean(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_account_links_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_account_links")),
    )
    op.create_index(
        op.f("ix_account_links_account_id"), "account_links", ["account_id"], unique=False
    )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("otp_secret", sa.Text(), nullable=True))
        batch.add_column(sa.Column("otp_pending_secret", sa.Text(), nullable=True))
        batch.add_column(sa.Column("otp_last_step", sa.BigInteger(), nullable=True))
    for table in ("api_tokens", "oauth_tokens"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("last_active_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for table in ("oauth_tokens", "api_tokens"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("last_active_at")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("otp_last_step")
        batch.drop_column("otp_pending_secret")
        batch.drop_column("otp_secret")
    op.drop_index(op.f("ix_account_links_account_id"), table_name="account_links")
    op.drop_table("account_links")
    op.drop_table("mails")
