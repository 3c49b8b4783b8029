"""suggestion_topics.category: the matter a 征集主题 is about, given to the suggestions sent to it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 05:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('suggestion_topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('suggestion_topics', schema=None) as batch_op:
        batch_op.drop_column('category')
