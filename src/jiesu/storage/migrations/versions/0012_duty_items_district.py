"""duty_items.district: a line of one district's own dispatch list for a matter, which replaces the city's list
there (a local arrangement the 改派经验 found, written into the duty lists)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('duty_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('duty_items', schema=None) as batch_op:
        batch_op.drop_column('district')
