"""The activity log read newest date first: one index per set of equality filters a query can
have, followed by (date, seq), in place of the two that followed the order written; each holds
a mark in its WHERE that only its own queries repeat, so that no planner takes another.

Building them reads the whole log: on a large PostgreSQL log this takes minutes, and writes to
the log wait meanwhile (docs/devices.md).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "smartlock_logs"
USER = "account_user_id IS NOT NULL"
AUTH = "auth_id IS NOT NULL"
# name: (columns before date and seq, the entries it holds: those with a value in its nullable
# columns, and its mark, which only its own queries repeat; see schema.log_index_rows)
INDEXES: dict[str, tuple[list[str], str]] = {
    "ix_smartlock_logs_account_date": (["account_id"], "seq != -1"),
    "ix_smartlock_logs_account_action_date": (["account_id", "action"], "seq != -2"),
    "ix_smartlock_logs_account_user_date": (
        ["account_id", "account_user_id"],
        f"{USER} AND seq != -3",
    ),
    "ix_smartlock_logs_account_action_user_date": (
        ["account_id", "action", "account_user_id"],
        f"{USER} AND seq != -4",
    ),
    "ix_smartlock_logs_device_date": (["smartlock_id"], "seq != -5"),
    "ix_smartlock_logs_device_action_date": (["smartlock_id", "action"], "seq != -6"),
    "ix_smartlock_logs_device_user_date": (
        ["smartlock_id", "account_user_id"],
        f"{USER} AND seq != -7",
    ),
    "ix_smartlock_logs_device_auth_date": (["smartlock_id", "auth_id"], f"{AUTH} AND seq != -8"),
    "ix_smartlock_logs_device_action_user_date": (
        ["smartlock_id", "action", "account_user_id"],
        f"{USER} AND seq != -9",
    ),
    "ix_smartlock_logs_device_action_auth_date": (
        ["smartlock_id", "action", "auth_id"],
        f"{AUTH} AND seq != -10",
    ),
    "ix_smartlock_logs_device_user_auth_date": (
        ["smartlock_id", "account_user_id", "auth_id"],
        f"{USER} AND {AUTH} AND seq != -11",
    ),
    "ix_smartlock_logs_device_action_user_auth_date": (
        ["smartlock_id", "action", "account_user_id", "auth_id"],
        f"{USER} AND {AUTH} AND seq != -12",
    ),
}
OLD_INDEXES = {
    "ix_smartlock_logs_account_id_seq": ["account_id", "seq"],
    "ix_smartlock_logs_smartlock_id_seq": ["smartlock_id", "seq"],
}


def upgrade() -> None:
    for name in OLD_INDEXES:
        op.drop_index(name, TABLE)
    for name, (columns, rows) in INDEXES.items():
        where = sa.text(rows)
        op.create_index(
            name, TABLE, [*columns, "date", "seq"], postgresql_where=where, sqlite_where=where
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, TABLE)
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, TABLE, columns)
