"""Usage snapshots, per-person usage, published funnels, the directory mirror, sync state.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_LAST = ("teams", "exchange", "onedrive", "sharepoint", "engage", "apps", "copilot")


def upgrade() -> None:
    op.create_table(
        "usage_snapshot",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("concealed_reason", sa.String(32), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_usage_snapshot"),
        sa.UniqueConstraint("report_date", name="uq_usage_snapshot_report_date"),
    )
    op.create_table(
        "usage_person",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("wave", sa.String(64), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("licensed", sa.Integer(), nullable=False),
        sa.Column("provisioned", sa.Integer(), nullable=False),
        sa.Column("signals", sa.BigInteger(), nullable=False),
        *(sa.Column(f"{name}_last", sa.Date(), nullable=True) for name in _LAST),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["usage_snapshot.id"],
            name="fk_usage_person_snapshot_id_usage_snapshot",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "person_key", name="pk_usage_person"),
    )
    op.create_index("ix_usage_person_person_key", "usage_person", ["person_key"])
    op.create_table(
        "usage_funnel",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope_key", sa.String(200), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=True)
            for name in ("population", "licensed", "provisioned", "active", "habitual")
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["usage_snapshot.id"],
            name="fk_usage_funnel_snapshot_id_usage_snapshot",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id",
            "scope_kind",
            "scope_key",
            "subject_kind",
            "subject_key",
            name="pk_usage_funnel",
        ),
    )
    op.create_table(
        "graph_sync_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_graph_sync_state"),
    )
    op.create_table(
        "directory_user",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("upn", sa.String(320), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("licensed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_directory_user"),
    )
    op.create_index("ix_directory_user_upn", "directory_user", ["upn"])


def downgrade() -> None:
    op.drop_index("ix_directory_user_upn", table_name="directory_user")
    op.drop_table("directory_user")
    op.drop_table("graph_sync_state")
    op.drop_table("usage_funnel")
    op.drop_index("ix_usage_person_person_key", table_name="usage_person")
    op.drop_table("usage_person")
    op.drop_table("usage_snapshot")
