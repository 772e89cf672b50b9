"""key state (authoritative current key versions) and key users (process acknowledgements)

Revision ID: 5f0c3a9e7b21
Revises: 5c1e9a7b3d42
Create Date: 2026-12-02 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f0c3a9e7b21'
down_revision = '5c1e9a7b3d42'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table('key_state',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_key_state'))
    )
    op.create_table('key_users',
    sa.Column('process_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('versions', sa.String(length=200), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('process_id', name=op.f('pk_key_users'))
    )
    with op.batch_alter_table('key_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_users_seen_at'), ['seen_at'], unique=False)


def downgrade_():
    with op.batch_alter_table('key_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_users_seen_at'))
    op.drop_table('key_users')
    op.drop_table('key_state')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
