"""a stamp per period and unit of the series table

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 06:30:00.000000

The pack keeps each unit's (body's, or ALL's) rendered part of series.csv, keyed by the stamp
its rows were written with, so that after a resubmission only the units it rewrote are read and
written again. The units already in the table get one stamp of this upgrade.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series_stamps",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("period", "body_code"),
    )
    op.execute(sa.text("INSERT INTO series_stamps (period, body_code, stamp) "
                       "SELECT DISTINCT period, body_code, :stamp FROM series")
               .bindparams(stamp=uuid.uuid4().hex))


def downgrade() -> None:
    op.drop_table("series_stamps")
