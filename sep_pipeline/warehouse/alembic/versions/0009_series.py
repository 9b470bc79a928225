"""the series of published figures: change over time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 20:40:00.000000

Each body's and the partnership's published figures with their change since the previous quarter
and a year earlier and the direction of travel (methodology.series). Derived from `benchmark`: a
warehouse from before has none until its periods are published again (the next run, or
`sep-pipeline report`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("table_id", sa.String(length=8), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("breakdown", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("marker", sa.String(length=8), nullable=True),
        sa.Column("change_unit", sa.String(length=12), nullable=False),
        sa.Column("previous_period", sa.String(length=10), nullable=True),
        sa.Column("change_previous", sa.Float(), nullable=True),
        sa.Column("change_previous_marker", sa.String(length=8), nullable=True),
        sa.Column("direction_previous", sa.String(length=16), nullable=True),
        sa.Column("year_earlier_period", sa.String(length=10), nullable=False),
        sa.Column("change_year", sa.Float(), nullable=True),
        sa.Column("change_year_marker", sa.String(length=8), nullable=True),
        sa.Column("direction_year", sa.String(length=16), nullable=True),
    )
    op.create_index("ix_series_period", "series", ["period"])
    op.create_index("ix_series_measure", "series", ["table_id", "measure"])


def downgrade() -> None:
    op.drop_index("ix_series_measure", table_name="series")
    op.drop_index("ix_series_period", table_name="series")
    op.drop_table("series")
