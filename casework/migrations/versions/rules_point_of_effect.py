"""rules: safety rules at the point of effect (package revocation and feedback deadlines,
unit-assessment overrides, meetings logged against the liaison)

Revision ID: 5c1e9a7b3d42
Revises: 5c0d7e3a91b4
Create Date: 2026-12-02 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e9a7b3d42'
down_revision = '5c0d7e3a91b4'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table('police_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('liaison_ref', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['police_units.id'], name=op.f('fk_police_calls_unit_id_police_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_police_calls')),
    sa.UniqueConstraint('public_id', name=op.f('uq_police_calls_public_id'))
    )
    with op.batch_alter_table('police_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_police_calls_unit_id'), ['unit_id'], unique=False)
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
    with op.batch_alter_table('police_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_police_calls_unit_id'))
    op.drop_table('police_calls')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
