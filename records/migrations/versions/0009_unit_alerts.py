"""unit alerts: the alert (utlarmning) of each assignment and every revision sent to the unit's gateway

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

`unit_alerts` (records.models.UnitAlert) and `unit_alert_messages` (UnitAlertMessage): written in the assignment's
own transaction and by the alert sender (docs/alert-protocol.md). Assignments made before this revision have no
alert. The downgrade drops both tables and with them every alert's history (DESTROYS names them, so `db downgrade`
refuses while alerts exist unless told to destroy them).
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

DESTROYS = {"tables": ["unit_alerts", "unit_alert_messages"], "columns": {}}

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('unit_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.String(length=64), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('publisher', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('acked_seq', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timed_out_seq', sa.Integer(), nullable=False),
    sa.Column('refused_reason', sa.Text(), nullable=True),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=32), nullable=True),
    sa.Column('next_send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id'),
    sa.UniqueConstraint('assignment_id')
    )
    op.create_index(op.f('ix_unit_alerts_case_id'), 'unit_alerts', ['case_id'], unique=False)
    op.create_index(op.f('ix_unit_alerts_unit_id'), 'unit_alerts', ['unit_id'], unique=False)
    op.create_index('ix_unit_alerts_due', 'unit_alerts', ['next_send_at'], unique=False)
    op.create_index('ix_unit_alerts_open', 'unit_alerts', ['publisher', 'closed_at'], unique=False)
    op.create_table('unit_alert_messages',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('alert_ref', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_ref'], ['unit_alerts.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_unit_alert_messages_alert_ref'), 'unit_alert_messages', ['alert_ref'], unique=False)
    op.create_index(op.f('ix_unit_alert_messages_case_id'), 'unit_alert_messages', ['case_id'], unique=False)
    op.create_index('uq_unit_alert_revision', 'unit_alert_messages', ['alert_ref', 'seq'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_unit_alert_revision', table_name='unit_alert_messages')
    op.drop_index(op.f('ix_unit_alert_messages_case_id'), table_name='unit_alert_messages')
    op.drop_index(op.f('ix_unit_alert_messages_alert_ref'), table_name='unit_alert_messages')
    op.drop_table('unit_alert_messages')
    op.drop_index('ix_unit_alerts_open', table_name='unit_alerts')
    op.drop_index('ix_unit_alerts_due', table_name='unit_alerts')
    op.drop_index(op.f('ix_unit_alerts_unit_id'), table_name='unit_alerts')
    op.drop_index(op.f('ix_unit_alerts_case_id'), table_name='unit_alerts')
    op.drop_table('unit_alerts')
