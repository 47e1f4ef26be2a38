"""Licences with each sync: who holds which SKU, the tenant's subscriptions, idle figures.

Revision ID: 0010
Revises: 0009

- The directory mirror keeps each person's assigned SKU part numbers (`skus`), so a sync
  writes a person's licences only when they change, like the rest of the mirror.
- Per snapshot: which Copilot report was read (v2 with active days, or v1), the subscribed
  SKUs (prepaid enabled, consumed, service plans), and per scope and SKU the holders and
  idle holders, stored already suppressed (k in holders), like the funnels.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Plain ADD/DROP COLUMN, never batch mode (see 0005): a batch "move and copy" recreates the
# table, and SQLite (3.35+) adds and drops this column natively.


def _snapshot_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["snapshot_id"],
        ["usage_snapshot.id"],
        name=f"fk_{table}_snapshot_id_usage_snapshot",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.add_column("directory_user", sa.Column("skus", sa.Text(), nullable=False, server_default=""))
    # The mirror holds no SKUs yet, and a users delta read lists only who changed: forget the
    # delta link so the next Graph sync reads everyone (and their licences) once.
    op.execute(sa.text("DELETE FROM graph_sync_state WHERE key = 'users_delta_link'"))
    op.create_table(
        "licence_sync",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("copilot_version", sa.String(4), nullable=True),
        sa.Column("subscriptions_known", sa.Boolean(), nullable=False),
        _snapshot_fk("licence_sync"),
        sa.PrimaryKeyConstraint("snapshot_id", name="pk_licence_sync"),
    )
    op.create_table(
        "licence_subscription",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("part_number", sa.String(100), nullable=False),
        sa.Column("sku_id", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Integer(), nullable=False),
        sa.Column("consumed", sa.Integer(), nullable=False),
        sa.Column("service_plans", sa.JSON(), nullable=False),
        _snapshot_fk("licence_subscription"),
        sa.PrimaryKeyConstraint("snapshot_id", "part_number", name="pk_licence_subscription"),
    )
    op.create_table(
        "licence_figure",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope_key", sa.String(200), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("holders", sa.Integer(), nullable=True),
        sa.Column("idle", sa.Integer(), nullable=True),
        sa.Column("habitual", sa.Integer(), nullable=True),
        sa.Column("prompts", sa.Integer(), nullable=True),
        _snapshot_fk("licence_figure"),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "scope_kind", "scope_key", "sku", name="pk_licence_figure"
        ),
    )


def downgrade() -> None:
    op.drop_table("licence_figure")
    op.drop_table("licence_subscription")
    op.drop_table("licence_sync")
    op.drop_column("directory_user", "skus")
