"""commands: the command log (idempotency ids) and the change events every console listens to

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

DESTROYS = {"tables": ["command_log", "change_events"], "columns": {}}


def upgrade() -> None:
    op.create_table('command_log',
    sa.Column('command_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('console', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('command_id')
    )
    with op.batch_alter_table('command_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_command_log_case_id'), ['case_id'], unique=False)

    op.create_table('change_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('command', sa.String(length=48), nullable=False),
    sa.Column('command_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_events_at'), ['at'], unique=False)


def downgrade() -> None:
    op.drop_table('change_events')
    op.drop_table('command_log')
