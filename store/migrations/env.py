"""Alembic environment: always given a live connection by `store.schema` (async engines)."""

from __future__ import annotations

from alembic import context

import store.tables  # noqa: F401  (every table class registers on Base.metadata)
from store.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `uptake db upgrade`, which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
