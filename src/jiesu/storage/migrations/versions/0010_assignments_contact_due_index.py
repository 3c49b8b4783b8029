"""an index on assignments.contact_due: the 三率 of a month finds its 应响应件 by their contact deadline, which
scanned every assignment ever made (242 ms on 240,000 of them; a year of Beijing is about 25 million)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:00:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_contact_due'), ['contact_due'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_contact_due'))
