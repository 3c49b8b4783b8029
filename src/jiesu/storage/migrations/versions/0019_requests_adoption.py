"""requests.adoption: 采纳情况 of a 建议, told with the unit's reply

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adoption', sa.String(length=20), nullable=True))


def downgrade() -> None:
    # not through a batch: on SQLite that copies `requests` and drops the old table, which its events refer to
    op.execute("ALTER TABLE requests DROP COLUMN adoption")  # SQLite 3.35+ and PostgreSQL alike
