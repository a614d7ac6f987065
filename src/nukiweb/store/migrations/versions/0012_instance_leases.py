"""Server instances under leases: the table of the instances serving the store, and the holder
of each device's operation, so that what an instance that died held is failed by another.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nukiweb.store.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("started", UTCDateTime, nullable=False),
        sa.Column("lease_until", UTCDateTime, nullable=False),
    )
    # A plain ALTER TABLE on SQLite too (see 0011): a batch operation would drop the table.
    op.add_column("smartlocks", sa.Column("operation_holder", sa.String(32), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE smartlocks DROP COLUMN operation_holder")
    op.drop_table("instances")
