"""Who is in which wave (by person or by department); how installing through Graph went.

Revision ID: 0007
Revises: 0006

A person's wave is their own rule if they have one, else their department's: a CSV can move
a few key figures into the pilot while their department follows later. A person the bot
installed itself for (through Graph) keeps the outcome: installed, or why not.
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
    op.add_column("person", sa.Column("install_state", sa.String(16), nullable=True))
    op.add_column("person", sa.Column("install_error", sa.String(64), nullable=True))
    op.add_column(
        "person", sa.Column("install_attempted_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for column in ("install_attempted_at", "install_error", "install_state"):
            batch.drop_column(column)
    op.drop_table("wave_rule")
