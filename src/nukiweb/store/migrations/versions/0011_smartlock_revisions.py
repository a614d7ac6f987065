"""Devices carry a revision that every write changes: a process that keeps a device's rendered
document reads the revision with the list and renders again only what changed, whichever
process wrote it. Existing devices get revisions of their own.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

smartlocks = sa.table(
    "smartlocks", sa.column("smartlock_id", sa.BigInteger), sa.column("revision", sa.BigInteger)
)


def upgrade() -> None:
    # A plain ALTER TABLE on SQLite too: a batch operation would copy the table and drop the
    # old one, and dropping it deletes, through their foreign keys' cascades, every
    # authorization and log entry of every device.
    op.add_column(
        "smartlocks",
        sa.Column("revision", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    )
    conn = op.get_bind()
    for (smartlock_id,) in conn.execute(sa.select(smartlocks.c.smartlock_id)).all():
        conn.execute(
            sa.update(smartlocks)
            .where(smartlocks.c.smartlock_id == smartlock_id)
            .values(revision=secrets.randbits(62))
        )


def downgrade() -> None:
    op.execute("ALTER TABLE smartlocks DROP COLUMN revision")
