"""audit_chain: audit_log gets a hash chain (prev_hash, hash) and the database refuses UPDATE/DELETE on it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:00:00

Existing rows are chained in id order (records.audit_chain) before the triggers are created. The
downgrade drops the triggers and both columns: the chain of every existing row is lost (DESTROYS).
"""
from alembic import op
import sqlalchemy as sa

from records.audit_chain import GENESIS, entry_hash


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# What the downgrade drops, for `main.py db downgrade` (records.downgrade_guard).
DESTROYS = {"tables": [], "columns": {"audit_log": ["prev_hash", "hash"]}}

MESSAGE = "audit_log är append-only: ändringar och radering vägras"
BATCH = 1000

_SQLITE_TRIGGERS = {
    "audit_log_no_update": "UPDATE",
    "audit_log_no_delete": "DELETE",
}


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    _chain_existing_rows()

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END
            $$""")
        op.execute("CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    else:
        for name, verb in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON audit_log "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')


def _chain_existing_rows() -> None:
    """prev_hash/hash for the rows written before this migration, in id order, exactly as records.audit
    chains new ones."""
    log = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                   sa.column('user_id', sa.Integer), sa.column('role', sa.String), sa.column('console', sa.String),
                   sa.column('action', sa.String), sa.column('case_id', sa.Integer), sa.column('detail', sa.JSON),
                   sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    bind = op.get_bind()
    update = (sa.update(log).where(log.c.id == sa.bindparam('row_id'))
              .values(prev_hash=sa.bindparam('new_prev'), hash=sa.bindparam('new_hash')))
    prev, last_id = GENESIS, None
    while True:
        query = sa.select(log).order_by(log.c.id).limit(BATCH)
        if last_id is not None:
            query = query.where(log.c.id > last_id)
        rows = bind.execute(query).all()
        if not rows:
            return
        params = []
        for row in rows:
            digest = entry_hash(prev, at=row.at, user_id=row.user_id, role=row.role, console=row.console,
                                action=row.action, case_id=row.case_id, detail=row.detail)
            params.append({"row_id": row.id, "new_prev": prev, "new_hash": digest})
            prev, last_id = digest, row.id
        bind.execute(update, params)
