"""Alembic environment: uses the connection handed over by jiesu.storage.migrate, or the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from jiesu.storage.tables import declared, metadata

config = context.config


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, include_name=declared,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        run(conn)
