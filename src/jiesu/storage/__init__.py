"""Persistence: SQLAlchemy 2 Core tables, repositories, unit of work, Alembic migrations."""
