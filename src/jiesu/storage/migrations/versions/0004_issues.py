"""issues (一类事) and their member cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issues',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('keywords', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('population', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('requesters', sa.Integer(), nullable=False),
    sa.Column('heat', sa.Float(), nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['requests.id'], name=op.f('fk_issues_task_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issues'))
    )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issues_last_at'), ['last_at'], unique=False)
    op.create_table('issue_members',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_members_issue_id_issues')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_issue_members_request_id_requests')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_issue_members'))
    )
    with op.batch_alter_table('issue_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_members_issue_id'), ['issue_id'], unique=False)


def downgrade() -> None:
    op.drop_table('issue_members')
    op.drop_table('issues')
