"""One outbox for every proactive message, durable schedules, campaigns.

Revision ID: 0006
Revises: 0005

`message` replaces `delivery`: every delivery row becomes a message of kind "checkin" (ref
{"run": id}, dedupe key checkin:<run>:<person>, same state, attempts and times; a row caught
SENDING is pending again) and a `run_recipient` row, which keeps who may answer the run.
Nothing is lost: the migration counts both sides and fails if they differ.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("next_due", _utc(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_schedule"),
        sa.UniqueConstraint("key", name="uq_schedule_key"),
    )
    op.create_index("ix_schedule_next_due", "schedule", ["next_due"])
    op.create_table(
        "occurrence",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("fired_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name="fk_occurrence_schedule_id_schedule",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("schedule_id", "due_at", name="pk_occurrence"),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("template_key", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(160), nullable=False),
        sa.Column("remind_after_days", sa.JSON(), nullable=False),
        sa.Column("close_after_days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("min_group_size", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedule.id"], name="fk_campaign_schedule_id_schedule"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign"),
    )
    op.create_table(
        "campaign_member",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name="fk_campaign_member_campaign_id_campaign",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name="fk_campaign_member_person_id_person",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "person_id", name="pk_campaign_member"),
    )
    # No foreign key on purpose: SQLite could only add one by copying and dropping
    # checkin_run, which the rows of `response` refer to; campaigns are closed, never deleted.
    op.add_column("checkin_run", sa.Column("campaign_id", sa.Integer(), nullable=True))
    op.create_index("ix_checkin_run_campaign_id", "checkin_run", ["campaign_id"])
    op.add_column("person", sa.Column("time_zone", sa.String(64), nullable=True))
    op.create_table(
        "message",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("ref", sa.JSON(), nullable=False),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("not_before", _utc(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", _utc(), nullable=True),
        sa.Column("activity_id", sa.String(256), nullable=True),
        sa.Column("last_error", sa.String(256), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_message_person_id_person", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_message"),
        sa.UniqueConstraint("dedupe_key", name="uq_message_dedupe_key"),
    )
    op.create_index("ix_message_due", "message", ["state", "next_attempt_at"])
    op.create_index("ix_message_person_id", "message", ["person_id"])
    op.create_index("ix_message_topic", "message", ["topic"])
    op.create_table(
        "run_recipient",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["checkin_run.id"],
            name="fk_run_recipient_run_id_checkin_run",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name="fk_run_recipient_person_id_person",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "person_id", name="pk_run_recipient"),
    )
    op.create_index("ix_run_recipient_person_id", "run_recipient", ["person_id"])
    _move_deliveries()
    op.drop_index("ix_delivery_due", table_name="delivery")
    op.drop_table("delivery")


def _move_deliveries() -> None:
    """Every delivery row into the outbox and the run's recipients, in batches."""
    bind = op.get_bind()
    delivery = sa.table(
        "delivery",
        sa.column("run_id", sa.Integer()),
        sa.column("person_id", sa.String()),
        sa.column("state", sa.String()),
        sa.column("attempts", sa.Integer()),
        sa.column("next_attempt_at", _utc()),
        sa.column("activity_id", sa.String()),
        sa.column("last_error", sa.String()),
        sa.column("updated_at", _utc()),
    )
    message = sa.table(
        "message",
        sa.column("kind", sa.String()),
        sa.column("person_id", sa.String()),
        sa.column("ref", sa.JSON()),
        sa.column("topic", sa.String()),
        sa.column("dedupe_key", sa.String()),
        sa.column("not_before", _utc()),
        sa.column("next_attempt_at", _utc()),
        sa.column("state", sa.String()),
        sa.column("attempts", sa.Integer()),
        sa.column("activity_id", sa.String()),
        sa.column("last_error", sa.String()),
        sa.column("created_at", _utc()),
        sa.column("updated_at", _utc()),
        sa.column("sent_at", _utc()),
    )
    recipient = sa.table(
        "run_recipient", sa.column("run_id", sa.Integer()), sa.column("person_id", sa.String())
    )
    rows = bind.execute(sa.select(delivery)).mappings().all()
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        bind.execute(
            sa.insert(recipient),
            [{"run_id": r["run_id"], "person_id": r["person_id"]} for r in chunk],
        )
        bind.execute(
            sa.insert(message),
            [
                {
                    "kind": "checkin",
                    "person_id": r["person_id"],
                    "ref": {"run": r["run_id"]},
                    "topic": f"run:{r['run_id']}",
                    "dedupe_key": f"checkin:{r['run_id']}:{r['person_id']}",
                    "not_before": r["next_attempt_at"],
                    "next_attempt_at": r["next_attempt_at"],
                    # A row caught mid-send is sent again: at least once, never lost.
                    "state": "pending" if r["state"] == "sending" else r["state"],
                    "attempts": r["attempts"],
                    "activity_id": r["activity_id"],
                    "last_error": r["last_error"],
                    "created_at": r["updated_at"],
                    "updated_at": r["updated_at"],
                    "sent_at": r["updated_at"] if r["state"] == "sent" else None,
                }
                for r in chunk
            ],
        )
    moved = bind.scalar(sa.select(sa.func.count()).select_from(message))
    if moved != len(rows):
        raise RuntimeError(f"moved {moved} of {len(rows)} deliveries into the outbox")


def downgrade() -> None:
    raise NotImplementedError("the outbox holds messages the delivery table cannot: no way back")
