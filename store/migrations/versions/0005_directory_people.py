"""People from the directory, keyed usage pseudonyms, evidence carried between snapshots.

Revision ID: 0005
Revises: 0004

- A sync (Graph or export folder) stores display names with the directory mirror and creates
  or updates a person row for everyone in it; a person the directory stops listing as an
  enabled account gets `left_at` and drops out of every audience.
- Usage rows of people no directory could join were keyed "h:" + blake2b-128(upn), which
  anyone holding the tenant's UPN list can recompute. They are re-keyed to
  "k:" + HMAC-SHA256(HMAC-SHA256(secret, "usage-pseudonym"), that digest)[:32 hex]: the
  digest is in the old key, so no UPN is needed, and a sync after this migration computes
  the same key from the UPN (graph.identity.pseudonym). The derivation is copied here, not
  imported, so this migration keeps meaning what it meant. Without the server secret, a
  database holding "h:" rows is not migrated (store.schema.SecretRequired).
- Each per-person usage row carries its evidence (adoption.history), so a sync reads one
  earlier snapshot instead of all those of the 28 days; snapshots stored so far are marked
  stale and the next sync derives their evidence, oldest first.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from alembic import context, op

from store.schema import SecretRequired

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Plain ADD/DROP COLUMN, never batch mode: on SQLite a batch "move and copy" drops and
# recreates the table, and with foreign keys on, dropping usage_snapshot deletes every
# usage_person and usage_funnel row. SQLite (3.35+) adds and drops these columns natively.


def upgrade() -> None:
    # First: without the secret nothing may change (SQLite applies DDL outside transactions).
    _rekey_pseudonyms()
    op.add_column("directory_user", sa.Column("display_name", sa.String(256), nullable=True))
    op.add_column("person", sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("usage_person", sa.Column("evidence", sa.LargeBinary(), nullable=True))
    op.add_column("usage_person", sa.Column("teams_client_seen", sa.Date(), nullable=True))
    op.add_column("usage_person", sa.Column("apps_client_seen", sa.Date(), nullable=True))
    op.add_column(
        "usage_snapshot",
        sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Snapshots stored so far carry no evidence: the next sync derives it, oldest first.
    op.execute(sa.text("UPDATE usage_snapshot SET stale = :stale").bindparams(stale=True))


def _rekey_pseudonyms() -> None:
    connection = op.get_bind()
    old_keys = (
        connection.execute(
            sa.text("SELECT DISTINCT person_key FROM usage_person WHERE person_key LIKE 'h:%'")
        )
        .scalars()
        .all()
    )
    if not old_keys:
        return
    secret = context.config.attributes.get("secret")
    if not secret:
        raise SecretRequired("migration 0005 re-keys usage pseudonyms")
    key = hmac.new(secret, b"usage-pseudonym", hashlib.sha256).digest()
    renames = [
        {
            "old": old,
            "new": "k:" + hmac.new(key, bytes.fromhex(old[2:]), hashlib.sha256).hexdigest()[:32],
        }
        for old in old_keys
    ]
    connection.execute(
        sa.text("UPDATE usage_person SET person_key = :new WHERE person_key = :old"), renames
    )


def downgrade() -> None:
    # Keyed pseudonyms stay keyed: the unkeyed ones cannot be recovered from them (the point).
    op.drop_column("usage_snapshot", "stale")
    for name in ("apps_client_seen", "teams_client_seen", "evidence"):
        op.drop_column("usage_person", name)
    op.drop_column("person", "left_at")
    op.drop_column("directory_user", "display_name")
