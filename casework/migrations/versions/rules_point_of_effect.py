"""rules: safety rules at the point of effect (package revocation and feedback deadlines,
unit-assessment overrides, meetings logged against the liaison)

Revision ID: 5c1e9a7b3d42
Revises: e73b3a2fb82a
Create Date: 2026-12-02 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e9a7b3d42'
down_revision = 'e73b3a2fb82a'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    with op.batch_alter_table('disclosure_packages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_downloaded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('ack_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('outcome_due_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('unit_assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('override_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('override_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('override_ciphertext', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('police_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('liaison_ref', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('unit_recommendation', sa.String(length=32),
                                      nullable=True))
        batch_op.add_column(sa.Column('person_warned', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade_():
    with op.batch_alter_table('police_meetings', schema=None) as batch_op:
        batch_op.drop_column('person_warned')
        batch_op.drop_column('unit_recommendation')
        batch_op.drop_column('liaison_ref')
    with op.batch_alter_table('unit_assessments', schema=None) as batch_op:
        batch_op.drop_column('override_ciphertext')
        batch_op.drop_column('override_at')
        batch_op.drop_column('override_by')
    with op.batch_alter_table('disclosure_packages', schema=None) as batch_op:
        batch_op.drop_column('outcome_due_at')
        batch_op.drop_column('ack_due_at')
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('first_downloaded_at')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
