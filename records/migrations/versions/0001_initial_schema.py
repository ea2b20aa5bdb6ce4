"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 23:27:21.551897
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# What the downgrade drops, for `main.py db downgrade` (records.downgrade_guard): everything.
DESTROYS = {"tables": ["patients", "unit_status_events", "users", "audit_log", "cases", "rule_proposals", "assignments", "call_drafts", "followups", "later_facts", "outcomes", "recommendations", "reviews", "triage_answers", "triage_results"], "columns": {}}


def upgrade() -> None:

    op.create_table('patients',
    sa.Column('personnummer', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=True),
    sa.Column('enrolled_mobile_team', sa.String(length=128), nullable=True),
    sa.Column('enrolled_asih', sa.String(length=128), nullable=True),
    sa.Column('lives_in_saebo', sa.Boolean(), nullable=False),
    sa.Column('home_care', sa.Boolean(), nullable=False),
    sa.Column('listed_vardcentral', sa.String(length=128), nullable=True),
    sa.Column('known_psychiatric_team', sa.String(length=128), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=False),
    sa.PrimaryKeyConstraint('personnummer')
    )
    op.create_table('unit_status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('publisher', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('event_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_status_events_unit_id'), ['unit_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('console', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_case_id'), ['case_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caller_name', sa.String(length=128), nullable=False),
    sa.Column('callback_phone', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=256), nullable=False),
    sa.Column('kommun', sa.String(length=64), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('patient_name', sa.String(length=128), nullable=False),
    sa.Column('personnummer', sa.String(length=13), nullable=True),
    sa.Column('patient_age', sa.Integer(), nullable=True),
    sa.Column('complaint', sa.String(length=64), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.Column('care_need', sa.JSON(), nullable=True),
    sa.Column('endpoint_code', sa.String(length=32), nullable=True),
    sa.Column('ruleset_version', sa.String(length=32), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('linked_case_id', sa.Integer(), nullable=True),
    sa.Column('link_reason', sa.String(length=32), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['linked_case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_callback_phone'), ['callback_phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_endpoint_code'), ['endpoint_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_personnummer'), ['personnummer'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('rule_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_code', sa.String(length=32), nullable=False),
    sa.Column('ruleset_version', sa.String(length=32), nullable=False),
    sa.Column('change', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_ruleset_version', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('part', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=False),
    sa.Column('recommended_unit_id', sa.String(length=32), nullable=True),
    sa.Column('deviation_reason', sa.Text(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_active_case_part', ['case_id', 'part'], unique=True, postgresql_where=sa.text('active'), sqlite_where=sa.text('active = 1'))
        batch_op.create_index('uq_active_unit', ['unit_id'], unique=True, postgresql_where=sa.text('active'), sqlite_where=sa.text('active = 1'))

    op.create_table('call_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_drafts_user_id'), ['user_id'], unique=False)

    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.Integer(), nullable=True),
    sa.Column('new_case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['done_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['new_case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followups_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_due_at'), ['due_at'], unique=False)

    op.create_table('later_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('fact', sa.String(length=32), nullable=False),
    sa.Column('fact_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=256), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('later_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_later_facts_case_id'), ['case_id'], unique=False)

    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('destination', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['outcomes.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcomes_case_id'), ['case_id'], unique=False)

    op.create_table('recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recommended_unit_id', sa.String(length=32), nullable=True),
    sa.Column('ranking', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendations_case_id'), ['case_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('signed_off_by', sa.Integer(), nullable=True),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['signed_off_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_case_id'), ['case_id'], unique=False)

    op.create_table('triage_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('triage_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_answers_case_id'), ['case_id'], unique=False)

    op.create_table('triage_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('ruleset_version', sa.String(length=32), nullable=False),
    sa.Column('complaint', sa.String(length=64), nullable=False),
    sa.Column('endpoint_code', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('care_need', sa.JSON(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('path', sa.JSON(), nullable=False),
    sa.Column('override_priority', sa.String(length=16), nullable=True),
    sa.Column('override_care_need', sa.JSON(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('triage_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_results_case_id'), ['case_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('triage_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_triage_results_case_id'))

    op.drop_table('triage_results')
    with op.batch_alter_table('triage_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_triage_answers_case_id'))

    op.drop_table('triage_answers')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_case_id'))

    op.drop_table('reviews')
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendations_case_id'))

    op.drop_table('recommendations')
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomes_case_id'))

    op.drop_table('outcomes')
    with op.batch_alter_table('later_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_later_facts_case_id'))

    op.drop_table('later_facts')
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followups_due_at'))
        batch_op.drop_index(batch_op.f('ix_followups_case_id'))

    op.drop_table('followups')
    with op.batch_alter_table('call_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_drafts_user_id'))

    op.drop_table('call_drafts')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_active_unit', postgresql_where=sa.text('active'), sqlite_where=sa.text('active = 1'))
        batch_op.drop_index('uq_active_case_part', postgresql_where=sa.text('active'), sqlite_where=sa.text('active = 1'))
        batch_op.drop_index(batch_op.f('ix_assignments_unit_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_case_id'))

    op.drop_table('assignments')
    op.drop_table('rule_proposals')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_personnummer'))
        batch_op.drop_index(batch_op.f('ix_cases_endpoint_code'))
        batch_op.drop_index(batch_op.f('ix_cases_callback_phone'))

    op.drop_table('cases')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_case_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('users')
    with op.batch_alter_table('unit_status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_status_events_unit_id'))

    op.drop_table('unit_status_events')
    op.drop_table('patients')

