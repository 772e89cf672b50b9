"""bulk-import runs: the last committed line of an import, keyed by the file's digest (issue 12)

Revision ID: 7b1c2d3e4f50
Revises: 7b2e4c6d8a13
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b1c2d3e4f50'
down_revision = '7b2e4c6d8a13'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('last_line', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('actor', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs')),
    sa.UniqueConstraint('file_sha256', name=op.f('uq_import_runs_file_sha256')),
    sa.UniqueConstraint('public_id', name=op.f('uq_import_runs_public_id'))
    )


def downgrade_():
    op.drop_table('import_runs')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
