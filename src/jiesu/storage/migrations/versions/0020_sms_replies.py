"""sms_replies: the text messages requesters send back (短信评价)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sms_replies',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('message_id', sa.String(length=100), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('requester_ref', sa.Integer(), nullable=True),
        sa.Column('text', sa.LargeBinary(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('handled_at', sa.DateTime(), nullable=True),
        sa.Column('handled_by', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_sms_replies_request_id_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_replies')),
        sa.UniqueConstraint('message_id', name=op.f('uq_sms_replies_message_id')),
    )
    op.create_index(op.f('ix_sms_replies_received_at'), 'sms_replies', ['received_at'], unique=False)
    op.create_index(op.f('ix_sms_replies_request_id'), 'sms_replies', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sms_replies_request_id'), table_name='sms_replies')
    op.drop_index(op.f('ix_sms_replies_received_at'), table_name='sms_replies')
    op.drop_table('sms_replies')
