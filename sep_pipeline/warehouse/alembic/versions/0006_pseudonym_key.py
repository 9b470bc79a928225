"""pseudonym key fingerprint

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 17:00:00.000000

The fingerprint of the key the warehouse's pseudonyms are made with. An existing warehouse gets
none: the first run after this revision records its key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pseudonym_key",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("pseudonym_key")
