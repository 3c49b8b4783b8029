"""assignments.reported_at: a co-handler's last 协办反馈 to the lead unit

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 11:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE assignments DROP COLUMN reported_at")  # SQLite 3.35+ and PostgreSQL alike
