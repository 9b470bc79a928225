"""the cells of an issue that stands for several

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 19:00:00.000000

The same wrong value down a column is one issue naming its cells (the feedback marks them all).
Issues recorded before have none: each is about its one cell.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("validation_issues") as batch:
        batch.add_column(sa.Column("cells", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("validation_issues") as batch:
        batch.drop_column("cells")
