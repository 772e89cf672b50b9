"""privilege grants awaiting a second person, enrolment letters, device keys on login attempts

Revision ID: 5b1e9c4d7a20
Revises: 5c1d7e2a9b40
Create Date: 2026-12-02 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e9c4d7a20'
down_revision = '5c1d7e2a9b40'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table('privilege_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=32), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=True),
    sa.Column('ends_at', sa.DateTime(), nullable=True),
    sa.Column('requested_by', sa.String(length=32), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('single_administrator', sa.Boolean(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.String(length=48), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_privilege_grants_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['staff.id'], name=op.f('fk_privilege_grants_subject_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privilege_grants')),
    sa.UniqueConstraint('public_id', name=op.f('uq_privilege_grants_public_id'))
    )
    with op.batch_alter_table('privilege_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privilege_grants_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_privilege_grants_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privilege_grants_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privilege_grants_due_at'), ['due_at'], unique=False)

    op.create_table('enrolment_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=32), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_enrolment_letters_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_letters')),
    sa.UniqueConstraint('public_id', name=op.f('uq_enrolment_letters_public_id'))
    )
    with op.batch_alter_table('enrolment_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_letters_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_attempts_device_key'), ['device_key'], unique=False)


def downgrade_():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_device_key'))
        batch_op.drop_column('device_key')

    with op.batch_alter_table('enrolment_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_letters_staff_id'))

    op.drop_table('enrolment_letters')
    with op.batch_alter_table('privilege_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privilege_grants_due_at'))
        batch_op.drop_index(batch_op.f('ix_privilege_grants_person_id'))
        batch_op.drop_index(batch_op.f('ix_privilege_grants_subject_id'))
        batch_op.drop_index(batch_op.f('ix_privilege_grants_status'))

    op.drop_table('privilege_grants')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
