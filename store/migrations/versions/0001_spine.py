"""The spine: people, check-in runs, the delivery outbox and anonymous responses.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("upn", sa.String(320)),
        sa.Column("display_name", sa.String(256)),
        sa.Column("department", sa.String(128)),
        sa.Column("locale", sa.String(16)),
        sa.Column("conversation", sa.JSON()),
        sa.Column("installed_at", _TS),
        sa.Column("welcomed_at", _TS),
        sa.Column("unreachable_since", _TS),
        sa.PrimaryKeyConstraint("id", name="pk_person"),
    )
    op.create_index("ix_person_department", "person", ["department"])
    op.create_table(
        "checkin_run",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("template_key", sa.String(64), nullable=False),
        sa.Column("template_source", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(160), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("closes_at", _TS, nullable=False),
        sa.Column("closed_at", _TS),
        sa.Column("min_group_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkin_run"),
    )
    op.create_table(
        "delivery",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("lease_until", _TS),
        sa.Column("activity_id", sa.String(256)),
        sa.Column("last_error", sa.String(256)),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "person_id", name="pk_delivery"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["checkin_run.id"], name="fk_delivery_run_id_checkin_run"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_delivery_person_id_person"),
    )
    op.create_index("ix_delivery_due", "delivery", ["state", "next_attempt_at"])
    op.create_table(
        "response",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("respondent_key", sa.String(64), nullable=False),
        sa.Column("department", sa.String(128)),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "respondent_key", name="pk_response"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["checkin_run.id"], name="fk_response_run_id_checkin_run"
        ),
    )


def downgrade() -> None:
    op.drop_table("response")
    op.drop_index("ix_delivery_due", table_name="delivery")
    op.drop_table("delivery")
    op.drop_table("checkin_run")
    op.drop_index("ix_person_department", table_name="person")
    op.drop_table("person")
