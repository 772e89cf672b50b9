"""two-database writes: casework cross_writes markers, intelligence undo journal

Revision ID: 5c0d7e3a91b4
Revises: 5b1e9c4d7a20
Create Date: 2026-12-02 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c0d7e3a91b4'
down_revision = '5b1e9c4d7a20'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table('cross_writes',
    sa.Column('txid', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('txid', name=op.f('pk_cross_writes'))
    )


def downgrade_():
    op.drop_table('cross_writes')


def upgrade_intel():
    op.create_table('intel_write_journal',
    sa.Column('txid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('undo', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('txid', name=op.f('pk_intel_write_journal'))
    )


def downgrade_intel():
    op.drop_table('intel_write_journal')
