"""publications: 办件公开, the requester's consent, a supervisor's review (公开) or 不予公开

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 11:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'publications',
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('consented_at', sa.DateTime(), nullable=False),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('approved_by', sa.String(length=100), nullable=True),
        sa.Column('withheld_at', sa.DateTime(), nullable=True),
        sa.Column('withheld_by', sa.String(length=100), nullable=True),
        sa.Column('withheld_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_publications_request_id_requests')),
        sa.PrimaryKeyConstraint('request_id', name=op.f('pk_publications')),
    )
    op.create_index(op.f('ix_publications_withheld_at'), 'publications', ['withheld_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_publications_withheld_at'), table_name='publications')
    op.drop_table('publications')
