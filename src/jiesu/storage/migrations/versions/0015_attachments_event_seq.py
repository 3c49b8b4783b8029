"""attachments.event_seq: the step of the case a photo came with (受理 for the requester's, 办理进展 or 办结答复 for the
unit's); the photos stored until now all came with the request, its first step, whose record now says how many
(`changes.photos`, as new steps with photos say it)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_seq', sa.Integer(), nullable=True))
    op.execute("UPDATE attachments SET event_seq = 1")
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('event_seq', existing_type=sa.Integer(), nullable=False)
    bind = op.get_bind()
    events = sa.table('events', sa.column('request_id', sa.Integer()), sa.column('seq', sa.Integer()),
                      sa.column('changes', sa.JSON()))
    photos = bind.execute(sa.text("SELECT request_id, count(*) FROM attachments WHERE content_type <> 'text/uri-list' "
                                  "GROUP BY request_id")).all()
    for request_id, count in photos:
        first = (events.c.request_id == request_id) & (events.c.seq == 1)
        changes = dict(bind.execute(sa.select(events.c.changes).where(first)).scalar_one())
        bind.execute(events.update().where(first).values(changes=changes | {"photos": [None, count]}))


def downgrade() -> None:
    later = op.get_bind().execute(sa.text("SELECT count(*) FROM attachments WHERE event_seq <> 1")).scalar()
    if later:  # the older schema cannot tell them from the requester's own, and they are not to be lost
        raise RuntimeError(f"有 {later} 张承办单位上传的现场照片，旧版数据库结构无法区分，不能降级")
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('event_seq')
