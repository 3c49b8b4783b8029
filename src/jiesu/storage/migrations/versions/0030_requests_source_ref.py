"""requests.source_ref: 来源单号, the number another system gave the case (110's 警情编号 for a call 110 passed on as
not a police matter; an imported system's own id), indexed so that 工单查询 finds the case by it

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 22:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_ref', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_requests_source_ref'), 'requests', ['source_ref'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_requests_source_ref'), table_name='requests')
    # not through a batch: on SQLite that copies `requests` and drops the old table, which its events refer to
    op.execute("ALTER TABLE requests DROP COLUMN source_ref")  # SQLite 3.35+ and PostgreSQL alike
