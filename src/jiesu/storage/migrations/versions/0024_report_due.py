"""协办反馈时限: a co-handler's report due (assignments.report_due), the SLA policies' optional `report` limit, and a
breach recorded once per unit (a 协办反馈 breach is each co-handler's own)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_due', sa.DateTime(), nullable=True))
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report', sa.String(length=20), nullable=True))
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sla_breaches_once', type_='unique')
        batch_op.create_unique_constraint('uq_sla_breaches_once', ['request_id', 'limit_name', 'due', 'unit'])
    # the co-handlers at work when this runs owe their report by the lead's 办结时限, as they did before
    op.execute("UPDATE assignments SET report_due = (SELECT resolve_due FROM requests WHERE requests.id = "
               "assignments.request_id) WHERE role = 'co' AND ended_at IS NULL")


def downgrade() -> None:
    op.execute("DELETE FROM sla_breaches WHERE limit_name = 'report'")  # several co-handlers' may share a due
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sla_breaches_once', type_='unique')
        batch_op.create_unique_constraint('uq_sla_breaches_once', ['request_id', 'limit_name', 'due'])
    op.execute("ALTER TABLE sla_policies DROP COLUMN report")
    op.execute("ALTER TABLE assignments DROP COLUMN report_due")
