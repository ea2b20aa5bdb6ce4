"""identity: administered role grants, sign-in sessions, service tokens, local passwords and lockout

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:00:00

No grant is made from the old self-chosen `users.role`: that column was whatever someone picked at sign-in.
System users get theirs when they are next provisioned; people get theirs from an administrator
(`main.py users bootstrap-admin`, then `main.py users grant`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

DESTROYS = {"tables": ["role_grants", "user_sessions", "service_tokens"],
            "columns": {"users": ["auth_source", "password_hash", "password_changed_at", "failed_logins",
                                  "locked_until"]}}


GRANTS_MESSAGE = "role_grants: en tilldelning kan bara dras in, aldrig ändras eller raderas"


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('auth_source', sa.String(length=16), server_default='local', nullable=False))
        batch_op.add_column(sa.Column('password_hash', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))

    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['granted_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_role_grant_active', ['user_id', 'role'], unique=True,
                              postgresql_where=sa.text('revoked_at IS NULL'),
                              sqlite_where=sa.text('revoked_at IS NULL'))

    _protect_grant_history()

    op.create_table('service_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=128), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('service_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('console', sa.String(length=64), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=32), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['service_tokens.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)



def _protect_grant_history() -> None:
    """Who was granted what, by whom, stays on record: a grant row may only be revoked (revoked_at and revoked_by
    set once, from empty); any other UPDATE, and every DELETE, is refused by the database itself."""
    changed = ("NEW.user_id IS NOT OLD.user_id OR NEW.role IS NOT OLD.role OR NEW.granted_by IS NOT OLD.granted_by "
               "OR NEW.granted_at IS NOT OLD.granted_at OR OLD.revoked_at IS NOT NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION role_grants_history() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE'
                   OR {changed.replace(' IS NOT ', ' IS DISTINCT FROM ')} THEN
                    RAISE EXCEPTION '{GRANTS_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END
            $$""")
        op.execute("CREATE TRIGGER role_grants_history BEFORE UPDATE OR DELETE ON role_grants "
                   "FOR EACH ROW EXECUTE FUNCTION role_grants_history()")
        op.execute("CREATE TRIGGER role_grants_no_truncate BEFORE TRUNCATE ON role_grants "
                   "FOR EACH STATEMENT EXECUTE FUNCTION role_grants_history()")
    else:
        op.execute(f"CREATE TRIGGER role_grants_no_delete BEFORE DELETE ON role_grants "
                   f"BEGIN SELECT RAISE(ABORT, '{GRANTS_MESSAGE}'); END")
        op.execute(f"CREATE TRIGGER role_grants_only_revoke BEFORE UPDATE ON role_grants WHEN {changed} "
                   f"BEGIN SELECT RAISE(ABORT, '{GRANTS_MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS role_grants_no_truncate ON role_grants")
        op.execute("DROP TRIGGER IF EXISTS role_grants_history ON role_grants")
        op.execute("DROP FUNCTION IF EXISTS role_grants_history()")
    op.drop_table('user_sessions')
    op.drop_table('service_tokens')
    op.drop_table('role_grants')
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch "recreate" of users would break the foreign keys
    # every clinical table holds on it.
    for column in ('locked_until', 'failed_logins', 'password_changed_at', 'password_hash', 'auth_source'):
        op.execute(f'ALTER TABLE users DROP COLUMN {column}')
