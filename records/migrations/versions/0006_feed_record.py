"""feed record: 64-bit status-event ids, epoch and flag per event, dead letters, holes, cursors, outcome inbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:40:00

Existing status events keep epoch NULL (their epoch was never stored), so the new unique index on
(publisher, epoch, seq) does not apply to them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DESTROYS = {"tables": ["feed_dead_letters", "feed_holes", "feed_cursors", "feed_outcome_inbox"],
            "columns": {"unit_status_events": ["epoch", "flag"]}}

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # SQLite's INTEGER is already 64-bit
        op.alter_column('unit_status_events', 'id', type_=sa.BigInteger(), existing_type=sa.Integer())
        op.alter_column('unit_status_events', 'case_id', type_=sa.BigInteger(), existing_type=sa.Integer())
        op.execute("ALTER SEQUENCE IF EXISTS unit_status_events_id_seq AS bigint")
    with op.batch_alter_table('unit_status_events', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('epoch', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('flag', sa.String(length=32), nullable=True))
        batch_op.create_index('uq_status_event_seq', ['publisher', 'epoch', 'seq'], unique=True,
                              postgresql_where=sa.text('epoch IS NOT NULL'),
                              sqlite_where=sa.text('epoch IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_unit_status_events_received_at'), ['received_at'], unique=False)

    op.create_table('feed_dead_letters',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('publisher', sa.String(length=32), nullable=False),
    sa.Column('epoch', sa.String(length=80), nullable=True),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_feed_dead_letters_recorded_at'), 'feed_dead_letters', ['recorded_at'], unique=False)

    op.create_table('feed_holes',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('publisher', sa.String(length=32), nullable=False),
    sa.Column('epoch', sa.String(length=80), nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('why', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_feed_hole', 'feed_holes', ['publisher', 'epoch', 'first_seq'], unique=True)
    op.create_index(op.f('ix_feed_holes_recorded_at'), 'feed_holes', ['recorded_at'], unique=False)

    op.create_table('feed_cursors',
    sa.Column('publisher', sa.String(length=32), nullable=False),
    sa.Column('epoch', sa.String(length=80), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('publisher', 'epoch')
    )

    op.create_table('feed_outcome_inbox',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('publisher', sa.String(length=32), nullable=False),
    sa.Column('epoch', sa.String(length=80), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_feed_outcome', 'feed_outcome_inbox', ['publisher', 'epoch', 'seq'], unique=True)
    op.create_index('ix_feed_outcome_due', 'feed_outcome_inbox', ['state', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_feed_outcome_due', table_name='feed_outcome_inbox')
    op.drop_index('uq_feed_outcome', table_name='feed_outcome_inbox')
    op.drop_table('feed_outcome_inbox')
    op.drop_table('feed_cursors')
    op.drop_index(op.f('ix_feed_holes_recorded_at'), table_name='feed_holes')
    op.drop_index('uq_feed_hole', table_name='feed_holes')
    op.drop_table('feed_holes')
    op.drop_index(op.f('ix_feed_dead_letters_recorded_at'), table_name='feed_dead_letters')
    op.drop_table('feed_dead_letters')
    with op.batch_alter_table('unit_status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_status_events_received_at'))
        batch_op.drop_index('uq_status_event_seq')
        batch_op.drop_column('flag')
        batch_op.drop_column('epoch')
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('unit_status_events', 'case_id', type_=sa.Integer(), existing_type=sa.BigInteger())
