"""shred jobs: a shred is a recorded intent with the step it reached (resumable)

Revision ID: 5c1f0e9a7d3b
Revises: e73b3a2fb82a
Create Date: 2026-12-02 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1f0e9a7d3b'
down_revision = 'e73b3a2fb82a'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table(
        'shred_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('requested_by', sa.String(length=32), nullable=True),
        sa.Column('approved_by', sa.String(length=32), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('plan', sa.Text(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shred_jobs')),
        sa.UniqueConstraint('public_id', name=op.f('uq_shred_jobs_public_id')),
        sa.UniqueConstraint('subject_id', name=op.f('uq_shred_jobs_subject_id')),
    )


def downgrade_():
    op.drop_table('shred_jobs')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
