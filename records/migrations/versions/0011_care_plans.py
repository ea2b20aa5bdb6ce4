"""care plans: the patient's own plan (vid försämring), treatment limitations and standing orders

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:00:00

`care_plans`, `treatment_limitations` and `standing_orders` (records.models.CarePlanRow, TreatmentLimitationRow,
StandingOrderRow): imported with the nightly register export (`main.py careplans import`, docs/care-plan-import.md)
and edited by an administrator (commands/care_plans.py). The downgrade drops the three tables and with them every
plan, limitation and order (DESTROYS names them, so `db downgrade` refuses while any exist unless told to destroy
them; the next nightly import brings them back).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

DESTROYS = {"tables": ["care_plans", "treatment_limitations", "standing_orders"], "columns": {}}


def upgrade() -> None:
    op.create_table('care_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('personnummer', sa.String(length=13), nullable=False),
    sa.Column('team', sa.String(length=128), nullable=False),
    sa.Column('author', sa.String(length=128), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('free_text', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_care_plan_team', 'care_plans', ['personnummer', 'team'], unique=True)
    op.create_table('treatment_limitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('personnummer', sa.String(length=13), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('documented_in', sa.String(length=256), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_treatment_limitation_kind', 'treatment_limitations', ['personnummer', 'kind'], unique=True)
    op.create_table('standing_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('personnummer', sa.String(length=13), nullable=False),
    sa.Column('team', sa.String(length=128), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_standing_order', 'standing_orders', ['personnummer', 'team', 'text'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_standing_order', table_name='standing_orders')
    op.drop_table('standing_orders')
    op.drop_index('uq_treatment_limitation_kind', table_name='treatment_limitations')
    op.drop_table('treatment_limitations')
    op.drop_index('uq_care_plan_team', table_name='care_plans')
    op.drop_table('care_plans')
