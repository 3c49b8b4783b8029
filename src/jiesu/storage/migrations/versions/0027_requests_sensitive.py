"""requests.sensitive: 敏感诉求, why a case is one (群体性, 舆情, 越级上访, 极端言行, or a person's reason)

Cases stored before are not read again: the flag is set at intake from now on, and by a person (调整敏感标记).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 20:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.String(length=200), nullable=True))
    op.create_index(op.f('ix_requests_sensitive'), 'requests', ['sensitive'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_requests_sensitive'), table_name='requests')
    # not through a batch: on SQLite that copies `requests` and drops the old table, which its events refer to
    op.execute("ALTER TABLE requests DROP COLUMN sensitive")  # SQLite 3.35+ and PostgreSQL alike
