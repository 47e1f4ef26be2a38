"""Privacy rights: who asked to be forgotten, and which usage snapshots were folded.

Revision ID: 0009
Revises: 0008

`forgotten` holds the tombstones of people who said "forget me": an HMAC of their object id
(and one of each usage pseudonym of their UPN, grouped under the person's token, so "start"
lifts them all) keyed with a key derived from the server secret, never the id itself, so
the directory sync and installs can tell that a person must not be recreated without the
table naming anyone. `usage_snapshot.people_folded_on` marks a snapshot whose
per-person rows the retention job deleted (its published funnels, group aggregates, stay);
such a snapshot is never derived again from its (now absent) people.

Plain ADD/DROP COLUMN, never batch mode: usage_snapshot has foreign-key children (see 0005).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forgotten",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("person_token", sa.String(64), nullable=False),
        sa.Column("forgotten_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_forgotten"),
    )
    op.create_index("ix_forgotten_person_token", "forgotten", ["person_token"])
    op.add_column("usage_snapshot", sa.Column("people_folded_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("usage_snapshot", "people_folded_on")
    op.drop_index("ix_forgotten_person_token", table_name="forgotten")
    op.drop_table("forgotten")
