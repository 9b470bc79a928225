"""initial contract tables

The warehouse as first released: `submissions`, `validation_issues` and one table per data sheet
of SEP Return v1, with their indexes, foreign keys and the submission status check.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.String(length=16), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("archive_path", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "status IN ('accepted', 'rejected', 'superseded', 'duplicate')",
            name="ck_submissions_status",
        ),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    op.create_index("ix_submissions_body_code", "submissions", ["body_code"], unique=False)
    op.create_index("ix_submissions_file_sha256", "submissions", ["file_sha256"], unique=False)
    op.create_index("ix_submissions_period", "submissions", ["period"], unique=False)

    op.create_table(
        "actions",
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("action_ref", sa.String(length=255), nullable=False),
        sa.Column("body_objective", sa.Text(), nullable=True),
        sa.Column("partnership_objective", sa.String(length=64), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("key_involvement", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=64), nullable=True),
        sa.Column("characteristics", sa.String(length=500), nullable=True),
        sa.Column("characteristics_note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("rag", sa.String(length=64), nullable=True),
        sa.Column("progress_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
    )
    op.create_index("ix_actions_body_period", "actions", ["body_code", "period"], unique=False)

    op.create_table(
        "engagement",
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("activity_ref", sa.String(length=255), nullable=False),
        sa.Column("activity_name", sa.Text(), nullable=False),
        sa.Column("activity_type", sa.String(length=64), nullable=True),
        sa.Column("partnership_objective", sa.String(length=64), nullable=True),
        sa.Column("activity_date", sa.Date(), nullable=True),
        sa.Column("participants_total", sa.Integer(), nullable=True),
        sa.Column("coproduced", sa.Boolean(), nullable=True),
        sa.Column("you_said_we_did", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
    )
    op.create_index(
        "ix_engagement_body_period", "engagement", ["body_code", "period"], unique=False
    )

    op.create_table(
        "engagement_profile",
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("activity_ref", sa.String(length=255), nullable=False),
        sa.Column("characteristic", sa.String(length=64), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
    )
    op.create_index(
        "ix_engagement_profile_body_period",
        "engagement_profile",
        ["body_code", "period"],
        unique=False,
    )

    op.create_table(
        "feedback",
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(length=255), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("feedback_type", sa.String(length=64), nullable=False),
        sa.Column("service_area", sa.Text(), nullable=True),
        sa.Column("equality_related", sa.Boolean(), nullable=True),
        sa.Column("characteristic", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("working_days_to_close", sa.Integer(), nullable=True),
        sa.Column("led_to_change", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
    )
    op.create_index("ix_feedback_body_period", "feedback", ["body_code", "period"], unique=False)

    op.create_table(
        "procurement",
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("contract_ref", sa.String(length=255), nullable=False),
        sa.Column("award_date", sa.Date(), nullable=False),
        sa.Column("value_gbp", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("supplier_size", sa.String(length=64), nullable=True),
        sa.Column("supplier_type", sa.String(length=64), nullable=True),
        sa.Column("supplier_in_wales", sa.String(length=64), nullable=True),
        sa.Column("equality_criteria_in_tender", sa.Boolean(), nullable=True),
        sa.Column("equality_monitoring_in_contract", sa.Boolean(), nullable=True),
        sa.Column("community_benefits", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
    )
    op.create_index(
        "ix_procurement_body_period", "procurement", ["body_code", "period"], unique=False
    )

    op.create_table(
        "recruitment",
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("application_ref", sa.String(length=64), nullable=False),
        sa.Column("vacancy_ref", sa.String(length=255), nullable=True),
        sa.Column("applicant_type", sa.String(length=64), nullable=True),
        sa.Column("sex", sa.String(length=64), nullable=True),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("ethnicity", sa.String(length=64), nullable=True),
        sa.Column("disability", sa.String(length=64), nullable=True),
        sa.Column("sexual_orientation", sa.String(length=64), nullable=True),
        sa.Column("gender_identity", sa.String(length=64), nullable=True),
        sa.Column("religion", sa.String(length=64), nullable=True),
        sa.Column("shortlisted", sa.Boolean(), nullable=True),
        sa.Column("appointed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
    )
    op.create_index(
        "ix_recruitment_body_period", "recruitment", ["body_code", "period"], unique=False
    )

    op.create_table(
        "validation_issues",
        sa.Column("issue_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=7), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.String(length=255), nullable=True),
        sa.Column("cell", sa.String(length=16), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_cy", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
        sa.PrimaryKeyConstraint("issue_id"),
    )
    op.create_index(
        "ix_validation_issues_submission_id", "validation_issues", ["submission_id"], unique=False
    )

    op.create_table(
        "workforce",
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("staff_ref", sa.String(length=64), nullable=False),
        sa.Column("in_post_at_snapshot", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("leave_date", sa.Date(), nullable=True),
        sa.Column("leaving_reason", sa.String(length=64), nullable=True),
        sa.Column("sex", sa.String(length=64), nullable=True),
        sa.Column("gender_identity", sa.String(length=64), nullable=True),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("disability", sa.String(length=64), nullable=True),
        sa.Column("ethnicity", sa.String(length=64), nullable=True),
        sa.Column("sexual_orientation", sa.String(length=64), nullable=True),
        sa.Column("religion", sa.String(length=64), nullable=True),
        sa.Column("marital_status", sa.String(length=64), nullable=True),
        sa.Column("welsh_language", sa.String(length=64), nullable=True),
        sa.Column("maternity_in_period", sa.Boolean(), nullable=True),
        sa.Column("job_level", sa.String(length=64), nullable=True),
        sa.Column("grade", sa.Text(), nullable=True),
        sa.Column("contract_type", sa.String(length=64), nullable=True),
        sa.Column("working_pattern", sa.String(length=64), nullable=True),
        sa.Column("flexible_working", sa.Boolean(), nullable=True),
        sa.Column("fte", sa.Float(), nullable=True),
        sa.Column("hourly_pay", sa.Float(), nullable=True),
        sa.Column("full_pay_relevant", sa.Boolean(), nullable=True),
        sa.Column("bonus_pay_12m", sa.Float(), nullable=True),
        sa.Column("applied_for_position_change", sa.Boolean(), nullable=True),
        sa.Column("position_change_successful", sa.Boolean(), nullable=True),
        sa.Column("applied_for_training", sa.Boolean(), nullable=True),
        sa.Column("training_approved", sa.Boolean(), nullable=True),
        sa.Column("completed_training", sa.Boolean(), nullable=True),
        sa.Column("grievance_raised", sa.Boolean(), nullable=True),
        sa.Column("grievance_subject", sa.Boolean(), nullable=True),
        sa.Column("disciplinary", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
    )
    op.create_index("ix_workforce_body_period", "workforce", ["body_code", "period"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes; data tables first (they reference submissions).
    op.drop_table("workforce")
    op.drop_table("validation_issues")
    op.drop_table("recruitment")
    op.drop_table("procurement")
    op.drop_table("feedback")
    op.drop_table("engagement_profile")
    op.drop_table("engagement")
    op.drop_table("actions")
    op.drop_table("submissions")
