"""follow_ups.solved and .satisfaction may be empty: a callback concluded without reaching the requester after
repeated unanswered calls (回访无法联系) has neither, and is left out of the 三率

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.alter_column('solved', existing_type=sa.Boolean(), nullable=True)
        batch_op.alter_column('satisfaction', existing_type=sa.String(length=20), nullable=True)


def downgrade() -> None:
    unreached = op.get_bind().execute(sa.text("SELECT count(*) FROM follow_ups WHERE satisfaction IS NULL")).scalar()
    if unreached:  # the older schema cannot hold them, and they are not to be lost
        raise RuntimeError(f"有 {unreached} 条回访无法联系的记录，旧版数据库结构无法保存，不能降级")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.alter_column('satisfaction', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('solved', existing_type=sa.Boolean(), nullable=False)
