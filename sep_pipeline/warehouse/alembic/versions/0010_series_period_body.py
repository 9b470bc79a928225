"""the series table's index by period and body

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:30:00.000000

The pack writes series.csv a body at a time (one period's rows grow with the number of bodies:
2.5 million at ten times the national size), and a resubmission rewrites only its bodies' rows:
both find them by period and body. The index by period alone is its prefix, so it goes.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_series_period_body", "series", ["period", "body_code"])
    op.drop_index("ix_series_period", table_name="series")


def downgrade() -> None:
    op.create_index("ix_series_period", "series", ["period"])
    op.drop_index("ix_series_period_body", table_name="series")
