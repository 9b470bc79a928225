"""receipts, publications and feedback owed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 15:00:00.000000

The intake queue (`receipts`), each period's publication state (`publications`) and the
feedback owed to partners (`submissions.feedback`, `feedback_file`). An existing warehouse gets
a receipt for every file it has a submission of (so nothing is processed twice), its feedback
counted as written, and every period with an accepted return marked out of date once: figures
left stale by a run that died before this revision are published again by the next run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("receipt_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("archive_path", sa.String(length=500), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("file_mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
        sa.PrimaryKeyConstraint("receipt_id"),
        sa.UniqueConstraint("body_code", "file_name", "file_sha256", name="uq_receipts_file"),
    )
    op.create_index(op.f("ix_receipts_submission_id"), "receipts", ["submission_id"],
                    unique=False)
    op.create_table(
        "publications",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("figures_version", sa.Integer(), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("period"),
    )
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("feedback", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("feedback_file", sa.String(length=500), nullable=True))

    op.execute(
        "INSERT INTO receipts (body_code, file_name, file_sha256, archive_path, period, "
        "received_at, submission_id) SELECT body_code, file_name, file_sha256, "
        "max(archive_path), max(period), min(received_at), min(submission_id) "
        "FROM submissions GROUP BY body_code, file_name, file_sha256"
    )
    op.execute("UPDATE submissions SET feedback = 'written' WHERE status <> 'duplicate'")
    conn = op.get_bind()
    periods = [r[0] for r in conn.execute(sa.text(
        "SELECT DISTINCT period FROM submissions WHERE status = 'accepted' "
        "AND period IS NOT NULL"))]
    years = {p.split(" ")[0] for p in periods}
    now = datetime.now(UTC)
    pubs = sa.table("publications", sa.column("period", sa.String), sa.column("version"),
                    sa.column("figures_version"), sa.column("pack_version"),
                    sa.column("changed_at", sa.DateTime(timezone=True)))
    rows = [{"period": p, "version": 1, "figures_version": 0, "pack_version": 0,
             "changed_at": now} for p in sorted(set(periods) | years)]
    if rows:
        op.bulk_insert(pubs, rows)


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("feedback_file")
        batch.drop_column("feedback")
    op.drop_table("publications")
    op.drop_index(op.f("ix_receipts_submission_id"), table_name="receipts")
    op.drop_table("receipts")
