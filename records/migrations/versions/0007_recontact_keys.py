"""recontact keys on cases: normalised call-back number and address, indexed, backfilled

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00

`cases.phone_key` and `cases.address_key` (records.recontact_keys) with one composite index, so the recontact
check is an index probe. Existing cases get their keys from the same functions, in batches of BATCH rows in id
order (one UPDATE per row, sent as one executemany per batch), so a large table is never read at once. The
downgrade drops both columns; they are derived from callback_phone and address, which stay (DESTROYS names them
because the guard counts every dropped column).
"""
import sqlalchemy as sa
from alembic import op

from records.recontact_keys import address_key, phone_key

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

DESTROYS = {"tables": [], "columns": {"cases": ["phone_key", "address_key"]}}

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('phone_key', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('address_key', sa.String(length=512), nullable=True))
    backfill(op.get_bind())
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.create_index('ix_cases_recontact_keys', ['phone_key', 'address_key'], unique=False)


def backfill(conn: sa.Connection, batch: int = BATCH) -> int:
    """Compute the keys of every case, `batch` rows at a time; the number of cases updated."""
    cases = sa.table('cases', sa.column('id', sa.Integer), sa.column('callback_phone', sa.String),
                     sa.column('address', sa.String), sa.column('phone_key', sa.String),
                     sa.column('address_key', sa.String))
    read = (sa.select(cases.c.id, cases.c.callback_phone, cases.c.address)
            .where(cases.c.id > sa.bindparam('after')).order_by(cases.c.id).limit(batch))
    write = (cases.update().where(cases.c.id == sa.bindparam('case_id'))
             .values(phone_key=sa.bindparam('pk'), address_key=sa.bindparam('ak')))
    after, done = 0, 0
    while True:
        rows = conn.execute(read, {'after': after}).all()
        if not rows:
            return done
        conn.execute(write, [{'case_id': r.id, 'pk': phone_key(r.callback_phone), 'ak': address_key(r.address)}
                             for r in rows])
        after, done = rows[-1].id, done + len(rows)


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on SQLite too (3.35+): recreating `cases` would drop a table other tables' foreign
    # keys point at, which PRAGMA foreign_keys=ON refuses.
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_cases_recontact_keys')
        batch_op.drop_column('address_key')
        batch_op.drop_column('phone_key')
