"""audit_log.id and notifications.id: 64-bit on PostgreSQL

The two tables that grow with every case for as long as the system runs, several rows a case (the trail of sign-ins,
personal data shown in full, exports and configuration changes; the text messages to requesters and units), at
Beijing's 25.8 million requests a year would pass the 2,147,483,647 keys of a 32-bit column within the life of a
hotline system (a few decades at two or three rows a case). Widening a key rewrites its table: cheap now, hours on
billions of rows later. The key and its sequence become BIGINT. SQLite numbers rows with 64 bits already (an
INTEGER PRIMARY KEY is the rowid): nothing to do there.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 22:20:00
"""
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

TABLES = ('audit_log', 'notifications')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE BIGINT")
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS BIGINT")


def downgrade() -> None:
    """Refused by PostgreSQL if a key above 2,147,483,647 was given out: those rows would not fit."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TABLES:
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS INTEGER")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE INTEGER")
