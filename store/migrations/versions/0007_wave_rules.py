"""Who is in which wave: by person (a CSV) or by department.

Revision ID: 0007
Revises: 0006

A person's wave is their own rule if they have one, else their department's: a CSV can move
a few key figures into the pilot while their department follows later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wave_rule",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("wave", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject", name="pk_wave_rule"),
    )


def downgrade() -> None:
    op.drop_table("wave_rule")
