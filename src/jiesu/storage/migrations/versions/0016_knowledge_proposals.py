"""knowledge_proposals: answers agents propose for the 知识库 (知识采编), each accepted into an article or declined
with the reason by a 知识库 editor

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 18:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knowledge_proposals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'],
                            name=op.f('fk_knowledge_proposals_article_id_knowledge_articles')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_knowledge_proposals_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_proposals'))
    )
    with op.batch_alter_table('knowledge_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_proposals_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('knowledge_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_proposals_status'))
    op.drop_table('knowledge_proposals')
