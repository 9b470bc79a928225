"""finalised quarters and the revisions log

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 20:30:00.000000

A quarter is provisional until it is finalised (`finalised_periods`); a published figure that a
later return changes is logged in `revisions` with its old and new value and marker. A warehouse
from before has no quarter finalised: its figures read as provisional until someone finalises.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finalised_periods",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_by", sa.String(length=40), nullable=False),
        sa.Column("submissions_through", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_table(
        "revisions",
        sa.Column("revision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("table_id", sa.String(length=8), nullable=False),
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("breakdown", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("old_marker", sa.String(length=8), nullable=True),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("new_marker", sa.String(length=8), nullable=True),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
        sa.PrimaryKeyConstraint("revision_id"),
    )
    op.create_index("ix_revisions_period", "revisions", ["period"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_revisions_period", table_name="revisions")
    op.drop_table("revisions")
    op.drop_table("finalised_periods")
