"""Waves with names, a person's wave, the wave kept with each answer, typed run audiences.

Revision ID: 0004
Revises: 0003

A wave is known by its key (what person and usage rows hold: "1", "2"...) and may carry a
name ("pilot"), so cards say "wave 1 (pilot)". Answers keep the respondent's wave next to the
department (a group attribute, never a person id), so a wave's status card can show what that
wave said. Run audiences were a bare
department name or "all"; they become "all", "department:<name>" or "wave:<name>", so a
scope can find the latest run that covers it.
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
        "wave",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_wave"),
    )
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("wave", sa.String(64), nullable=True))
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("wave", sa.String(64), nullable=True))
    op.execute(
        "UPDATE checkin_run SET audience = 'department:' || audience "
        "WHERE audience <> 'all' AND audience NOT LIKE '%:%'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE checkin_run SET audience = substr(audience, 12) WHERE audience LIKE 'department:%'"
    )
    with op.batch_alter_table("response") as batch:
        batch.drop_column("wave")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("wave")
    op.drop_table("wave")
