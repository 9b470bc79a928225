"""published figures stamp

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_figures",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )


def downgrade() -> None:
    op.drop_table("published_figures")
