"""duty_shifts: 值班表, who of a unit is on duty when (their mobile encrypted)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 14:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'duty_shifts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('phone', sa.LargeBinary(), nullable=False),
        sa.Column('added_by', sa.String(length=100), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_shifts')),
    )
    op.create_index('ix_duty_shifts_unit_ends', 'duty_shifts', ['unit', 'ends_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_duty_shifts_unit_ends', table_name='duty_shifts')
    op.drop_table('duty_shifts')
