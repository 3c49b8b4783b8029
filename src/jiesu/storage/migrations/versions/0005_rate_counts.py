"""rate_counts: rate limits shared by every server process

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_counts',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('slot', sa.BigInteger(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'slot', name=op.f('pk_rate_counts'))
    )


def downgrade() -> None:
    op.drop_table('rate_counts')
