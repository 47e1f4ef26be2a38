"""The tips each ambassador was sent, and what they said of them.

Revision ID: 0008
Revises: 0007

One tip per ambassador and ISO week (chosen when its card is rendered, kept so a retried
send shows the same tip and no tip repeats); one verdict per ambassador, tip and week
("shared" or "not_useful"), counted per tip for the facilitators; and the facilitators' own
tips file, kept as imported (validated, in the shipped tips' format).
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
        "tip_sent",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("tip_key", sa.String(64), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_tip_sent_person_id_person", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "week", name="pk_tip_sent"),
    )
    op.create_table(
        "tip_feedback",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("tip_key", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name="fk_tip_feedback_person_id_person",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "week", "tip_key", name="pk_tip_feedback"),
    )
    op.create_index("ix_tip_feedback_tip_key", "tip_feedback", ["tip_key"])
    op.create_table(
        "custom_tips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_tips"),
    )


def downgrade() -> None:
    op.drop_table("custom_tips")
    op.drop_index("ix_tip_feedback_tip_key", table_name="tip_feedback")
    op.drop_table("tip_feedback")
    op.drop_table("tip_sent")
