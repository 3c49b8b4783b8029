"""citizen_logins: the one-time codes texted to a requester's mobile for 我的诉求 on the portal (every case of the
number, without each case's tracking code)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('citizen_logins',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('requester_key', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_logins'))
    )
    with op.batch_alter_table('citizen_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_logins_requester_key'), ['requester_key'], unique=False)


def downgrade() -> None:
    op.drop_table('citizen_logins')
