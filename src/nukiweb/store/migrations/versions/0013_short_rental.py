"""Short rental: addresses and their devices, units and address tokens, booking feeds,
reservations, the jobs that issue and revoke their access, and the partner companies; the
authorizations say which reservation or address token issued them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_companies")),
    )
    op.create_table(
        "jobs",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("due", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=True),
        sa.Column("held_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "subject", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_due"), "jobs", ["due"], unique=False)
    op.create_table(
        "addresses",
        sa.Column("address_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("check_in_time", sa.Integer(), nullable=False),
        sa.Column("check_out_time", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("service_id", sa.String(length=32), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_addresses_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("address_id", name=op.f("pk_addresses")),
    )
    op.create_index(op.f("ix_addresses_account_id"), "addresses", ["account_id"], unique=False)
    op.create_table(
        "address_tokens",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("redeem_date", UTCDateTime(), nullable=True),
        sa.Column("redeem_account_id", sa.Integer(), nullable=True),
        sa.Column("redeem_result", sa.String(length=8), nullable=True),
        sa.Column("invite_keys", sa.JSON(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["addresses.address_id"],
            name=op.f("fk_address_tokens_address_id_addresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_tokens")),
    )
    op.create_index(
        op.f("ix_address_tokens_address_id"), "address_tokens", ["address_id"], unique=False
    )
    op.create_table(
        "address_units",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address_token_id", sa.String(length=24), nullable=False),
        sa.Column("operation_id", sa.String(length=36), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["addresses.address_id"],
            name=op.f("fk_address_units_address_id_addresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_units")),
        sa.UniqueConstraint("address_token_id", name=op.f("uq_address_units_address_token_id")),
    )
    op.create_index(
        op.f("ix_address_units_address_id"), "address_units", ["address_id"], unique=False
    )
    op.create_table(
        "booking_feeds",
        sa.Column("feed_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("url_box", sa.Text(), nullable=False),
        sa.Column("url_host", sa.String(length=253), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("sync_date", UTCDateTime(), nullable=True),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_booking_feeds_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["addresses.address_id"],
            name=op.f("fk_booking_feeds_address_id_addresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("feed_id", name=op.f("pk_booking_feeds")),
        sa.UniqueConstraint("address_id", name=op.f("uq_booking_feeds_address_id")),
    )
    op.create_index(
        op.f("ix_booking_feeds_account_id"), "booking_feeds", ["account_id"], unique=False
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=255), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("guests", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("check_in_time", sa.Integer(), nullable=True),
        sa.Column("check_out_time", sa.Integer(), nullable=True),
        sa.Column("automation", sa.Integer(), nullable=False),
        sa.Column("issued_code_box", sa.Text(), nullable=True),
        sa.Column("access_error", sa.Text(), nullable=True),
        sa.Column("update_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_reservations_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["addresses.address_id"],
            name=op.f("fk_reservations_address_id_addresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("address_id", "uid", name=op.f("uq_reservations_address_id_uid")),
    )
    op.create_table(
        "address_smartlocks",
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("smartlock_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["addresses.address_id"],
            name=op.f("fk_address_smartlocks_address_id_addresses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["smartlock_id"],
            ["smartlocks.smartlock_id"],
            name=op.f("fk_address_smartlocks_smartlock_id_smartlocks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("address_id", "smartlock_id", name=op.f("pk_address_smartlocks")),
    )
    op.create_index(
        op.f("ix_address_smartlocks_smartlock_id"),
        "address_smartlocks",
        ["smartlock_id"],
        unique=False,
    )
    op.add_column(
        "smartlock_auths", sa.Column("reservation_id", sa.String(length=24), nullable=True)
    )
    op.add_column(
        "smartlock_auths", sa.Column("address_token_id", sa.String(length=24), nullable=True)
    )
    op.create_index(
        op.f("ix_smartlock_auths_address_token_id"),
        "smartlock_auths",
        ["address_token_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_smartlock_auths_reservation_id"),
        "smartlock_auths",
        ["reservation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_smartlock_auths_reservation_id"), table_name="smartlock_auths")
    op.drop_index(op.f("ix_smartlock_auths_address_token_id"), table_name="smartlock_auths")
    op.execute("ALTER TABLE smartlock_auths DROP COLUMN address_token_id")
    op.execute("ALTER TABLE smartlock_auths DROP COLUMN reservation_id")
    op.drop_index(op.f("ix_address_smartlocks_smartlock_id"), table_name="address_smartlocks")
    op.drop_table("address_smartlocks")
    op.drop_table("reservations")
    op.drop_index(op.f("ix_booking_feeds_account_id"), table_name="booking_feeds")
    op.drop_table("booking_feeds")
    op.drop_index(op.f("ix_address_units_address_id"), table_name="address_units")
    op.drop_table("address_units")
    op.drop_index(op.f("ix_address_tokens_address_id"), table_name="address_tokens")
    op.drop_table("address_tokens")
    op.drop_index(op.f("ix_addresses_account_id"), table_name="addresses")
    op.drop_table("addresses")
    op.drop_index(op.f("ix_jobs_due"), table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("companies")
