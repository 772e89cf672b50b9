"""indexes for flat pages: assignments by (staff, open, person), blind index by (subject, value) (issue 12)

Revision ID: 7c0a1b2c3d40
Revises: 7b1c2d3e4f50
Create Date: 2026-12-02 10:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c0a1b2c3d40'
down_revision = '7b1c2d3e4f50'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_staff_open_person',
                              ['staff_id', 'ended_at', 'person_id'], unique=False)
    with op.batch_alter_table('blind_index_entries', schema=None) as batch_op:
        batch_op.create_index('ix_blind_index_entries_subject_value',
                              ['subject_id', 'value'], unique=False)


def downgrade_():
    with op.batch_alter_table('blind_index_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_blind_index_entries_subject_value')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_staff_open_person')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
