"""The audit of facilitator questions and the ambassadors.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitator_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("question", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_facilitator_audit"),
    )
    op.create_index("ix_facilitator_audit_asked_at", "facilitator_audit", ["asked_at"])
    op.create_table(
        "ambassador",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_ambassador"),
    )


def downgrade() -> None:
    op.drop_table("ambassador")
    op.drop_index("ix_facilitator_audit_asked_at", table_name="facilitator_audit")
    op.drop_table("facilitator_audit")
