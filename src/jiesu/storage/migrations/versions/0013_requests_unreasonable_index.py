"""an index on requests.unreasonable: the 督办台 lists the 不合理诉求 claims waiting for a decision, a few among
every case ever received

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 16:00:00
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requests_unreasonable'), ['unreasonable'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requests_unreasonable'))
