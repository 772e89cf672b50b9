"""task owners, duty keys and escalation; scheduled job runs (issue 10, issue 14)

Revision ID: 6a0d1e2f3b10
Revises: 5c1e9a7d3b42
Create Date: 2026-12-02 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a0d1e2f3b10'
down_revision = '5c1e9a7d3b42'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('owner_role', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('duty_key', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('remind_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tasks_owner_staff_id'), ['owner_staff_id'],
                              unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_tasks_duty_key'), ['duty_key'])
        batch_op.create_foreign_key(batch_op.f('fk_tasks_owner_staff_id_staff'), 'staff',
                                    ['owner_staff_id'], ['id'], ondelete='SET NULL')
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=48), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('counts', sa.String(length=400), nullable=True),
    sa.Column('error', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_runs_job'), ['job'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_runs_started_at'), ['started_at'],
                              unique=False)


def downgrade_():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_started_at'))
        batch_op.drop_index(batch_op.f('ix_job_runs_job'))
    op.drop_table('job_runs')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_owner_staff_id_staff'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_tasks_duty_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_tasks_owner_staff_id'))
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('acknowledged_by')
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('remind_at')
        batch_op.drop_column('duty_key')
        batch_op.drop_column('owner_role')
        batch_op.drop_column('owner_staff_id')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
