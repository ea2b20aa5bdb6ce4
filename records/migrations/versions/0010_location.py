"""location: the address register, place names, and where a case's position came from

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:00:00

`address_registers`, `addresses` and `place_names` (records.models.AddressRegister, Address, PlaceName): the
region's address register, imported by `main.py addresses import` (docs/address-register.md) and replaced as a
whole on re-import. `cases.position_source`, `position_accuracy_m` and `position_flag`: where a case's position came
from (address, typed coordinates, the caller's phone, a map click, or the kommun's centre), how accurate it is, and
why it is doubtful. Cases made before this revision have none (their position was the kommun's centre). The
downgrade drops the register (it can be imported again) and the three columns (DESTROYS names them).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

DESTROYS = {"tables": ["address_registers", "addresses", "place_names"],
            "columns": {"cases": ["position_source", "position_accuracy_m", "position_flag"]}}


def upgrade() -> None:
    op.create_table('address_registers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=False),
    sa.Column('fictitious', sa.Boolean(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=True),
    sa.Column('addresses', sa.Integer(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street', sa.String(length=128), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('letter', sa.String(length=8), nullable=False),
    sa.Column('postnummer', sa.String(length=6), nullable=False),
    sa.Column('postort', sa.String(length=64), nullable=False),
    sa.Column('kommunkod', sa.String(length=4), nullable=False),
    sa.Column('kommun', sa.String(length=64), nullable=False),
    sa.Column('east', sa.Double(), nullable=False),
    sa.Column('north', sa.Double(), nullable=False),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.Column('lon', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_addresses_kommun', 'addresses', ['kommun'], unique=False)
    op.create_table('place_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('kommunkod', sa.String(length=4), nullable=False),
    sa.Column('kommun', sa.String(length=64), nullable=False),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.Column('lon', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('position_source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('position_accuracy_m', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('position_flag', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('position_flag')
        batch_op.drop_column('position_accuracy_m')
        batch_op.drop_column('position_source')
    op.drop_table('place_names')
    op.drop_index('ix_addresses_kommun', table_name='addresses')
    op.drop_table('addresses')
    op.drop_table('address_registers')
