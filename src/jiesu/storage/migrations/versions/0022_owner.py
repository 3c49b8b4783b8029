"""assignments.owner and requests.owner: 承办人员, who in the lead unit has the case (分办)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 11:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=100), nullable=True))
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=100), nullable=True))
    op.create_index(op.f('ix_requests_owner'), 'requests', ['owner'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_requests_owner'), table_name='requests')
    # not through a batch: on SQLite that copies `requests` and drops the old table, which its events refer to
    op.execute("ALTER TABLE requests DROP COLUMN owner")  # SQLite 3.35+ and PostgreSQL alike
    op.execute("ALTER TABLE assignments DROP COLUMN owner")
