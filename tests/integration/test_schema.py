"""The Alembic migrations build exactly the schema the code declares (tables, columns, keys, indexes), on SQLite
and PostgreSQL: a table added to `storage/tables.py` without its migration, or the other way round, fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from jiesu.storage import tables as t


def test_the_migrations_build_the_declared_schema(app):
    with app.engine.connect() as connection:  # `app` is migrated to the head revision
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": False}),
                                       t.metadata)
    assert differences == []
