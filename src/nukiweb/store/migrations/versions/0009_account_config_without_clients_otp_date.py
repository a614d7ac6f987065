"""Accounts' configs lose the otpEnabledDate that clients sent: it is the server's to set when
one-time passwords are enabled (which nukiweb does not implement), and ``POST /account`` stored
a client's as text that ``GET /account`` could not render. No schema changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVERS_OWN = "otpEnabledDate"
accounts = sa.table("accounts", sa.column("account_id", sa.Integer), sa.column("config", sa.JSON))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(accounts.c.account_id, accounts.c.config)).all()
    for account_id, config in rows:
        if isinstance(config, dict) and SERVERS_OWN in config:
            cleaned = {name: value for name, value in config.items() if name != SERVERS_OWN}
            conn.execute(
                sa.update(accounts)
                .where(accounts.c.account_id == account_id)
                .values(config=cleaned)
            )


def downgrade() -> None:
    """Nothing to restore: the values removed were never the server's."""
