"""outcome plan: whether the patient's own plan was followed, and the patient's team, on each outcome

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00

`outcomes.plan_followed` (`yes`, `no`, `not_applicable`; null when not asked: a unit's outcome from its feed, a
patient without a current plan, an outcome from before this revision), `outcomes.plan_reason` (why not, with `no`)
and `outcomes.patient_team` (the team responsible for the patient when the outcome was recorded: the current care
plan's team, else the enrolled ASIH, else the enrolled mobile team; null for a patient of none and for outcomes from
before this revision) — the per-team statistics (docs/outcomes.md). The downgrade drops the three columns (DESTROYS
names them).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

DESTROYS = {"tables": [], "columns": {"outcomes": ["plan_followed", "plan_reason", "patient_team"]}}


def upgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('plan_followed', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('plan_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('patient_team', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('patient_team')
        batch_op.drop_column('plan_reason')
        batch_op.drop_column('plan_followed')
