"""suggestion_topics and topic_suggestions: 人民建议征集 — the questions the city puts to its people, and the
suggestions (requests) sent to each

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 02:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suggestion_topics',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_topics'))
    )
    op.create_table('topic_suggestions',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_topic_suggestions_request_id_requests')),
    sa.ForeignKeyConstraint(['topic_id'], ['suggestion_topics.id'],
                            name=op.f('fk_topic_suggestions_topic_id_suggestion_topics')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_topic_suggestions'))
    )
    with op.batch_alter_table('topic_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_suggestions_topic_id'), ['topic_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('topic_suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_suggestions_topic_id'))
    op.drop_table('topic_suggestions')
    op.drop_table('suggestion_topics')
