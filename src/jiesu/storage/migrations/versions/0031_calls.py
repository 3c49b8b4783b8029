"""calls and call_cases: 话务记录, each call the telephony reports (answered or abandoned, its times and agent, and
the agents' calls back to a caller who gave up: 呼损回拨), and the cases registered on a call

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calls',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('ref', sa.String(length=64), nullable=False),
        sa.Column('caller_phone', sa.LargeBinary(), nullable=True),
        sa.Column('caller_key', sa.String(length=64), nullable=True),
        sa.Column('offered_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=False),
        sa.Column('agent', sa.String(length=100), nullable=True),
        sa.Column('wrapped_at', sa.DateTime(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('callback_tries', sa.Integer(), server_default='0', nullable=False),
        sa.Column('called_back_at', sa.DateTime(), nullable=True),
        sa.Column('called_back_by', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
        sa.UniqueConstraint('ref', name=op.f('uq_calls_ref')),
    )
    op.create_index(op.f('ix_calls_caller_key'), 'calls', ['caller_key'], unique=False)
    op.create_index(op.f('ix_calls_offered_at'), 'calls', ['offered_at'], unique=False)
    op.create_index(op.f('ix_calls_agent'), 'calls', ['agent'], unique=False)
    op.create_table(
        'call_cases',
        sa.Column('call_ref', sa.String(length=64), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_call_cases_request_id_requests')),
        sa.PrimaryKeyConstraint('call_ref', 'request_id', name=op.f('pk_call_cases')),
    )
    op.create_index(op.f('ix_call_cases_request_id'), 'call_cases', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_call_cases_request_id'), table_name='call_cases')
    op.drop_table('call_cases')
    op.drop_index(op.f('ix_calls_agent'), table_name='calls')
    op.drop_index(op.f('ix_calls_offered_at'), table_name='calls')
    op.drop_index(op.f('ix_calls_caller_key'), table_name='calls')
    op.drop_table('calls')
