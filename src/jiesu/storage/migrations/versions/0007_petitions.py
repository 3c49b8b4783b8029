"""petitions: cases also handled as 信访 petitions, on their statutory clock

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 04:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('petitions',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('days', sa.JSON(), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_petitions_request_id_requests')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_petitions'))
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petitions_stage'), ['stage'], unique=False)


def downgrade() -> None:
    op.drop_table('petitions')
