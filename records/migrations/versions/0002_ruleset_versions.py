"""ruleset_versions: accepted rule-set versions, shared by every console on the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# What the downgrade drops, for `main.py db downgrade` (records.downgrade_guard).
DESTROYS = {"tables": ["ruleset_versions"], "columns": {}}


def upgrade() -> None:
    op.create_table('ruleset_versions',
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('base_version', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('version')
    )


def downgrade() -> None:
    op.drop_table('ruleset_versions')
