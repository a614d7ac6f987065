"""Accounts, sub-accounts, API keys and API tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("master_account_id", sa.Integer(), nullable=True),
        sa.Column("rights", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("config", sa.JSON(), nullable=True),
        sa.Column("profile", sa.JSON(), nullable=True),
        sa.Column("setting", sa.JSON(), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["master_account_id"],
            ["accounts.account_id"],
            name="fk_accounts_master_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name="pk_accounts"),
        sa.UniqueConstraint("email_key", name="uq_accounts_email_key"),
    )
    op.create_index("ix_accounts_master_account_id", "accounts", ["master_account_id"])
    op.create_table(
        "api_keys",
        sa.Column("api_key_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("api_key", sa.String(64), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name="fk_api_keys_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", name="pk_api_keys"),
        sa.UniqueConstraint("api_key", name="uq_api_keys_api_key"),
    )
    op.create_index("ix_api_keys_account_id", "api_keys", ["account_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(24), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name="fk_api_tokens_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.api_key_id"],
            name="fk_api_tokens_api_key_id_api_keys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_digest", name="uq_api_tokens_token_digest"),
    )
    op.create_index("ix_api_tokens_account_id", "api_tokens", ["account_id"])
    op.create_index("ix_api_tokens_api_key_id", "api_tokens", ["api_key_id"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("api_keys")
    op.drop_table("accounts")
