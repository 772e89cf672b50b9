"""intelligence entry versions; disclosure items bound to a version, release record

Revision ID: 5c1e9a7d3b42
Revises: 5f0c3a9e7b21
Create Date: 2026-12-02 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e9a7d3b42'
down_revision = '5f0c3a9e7b21'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    with op.batch_alter_table('disclosure_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entry_version_hash', sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('released_ciphertext', sa.LargeBinary(), nullable=True))


def downgrade_():
    with op.batch_alter_table('disclosure_items', schema=None) as batch_op:
        batch_op.drop_column('released_ciphertext')
        batch_op.drop_column('entry_version_hash')
        batch_op.drop_column('entry_version_id')


def upgrade_intel():
    op.create_table('intel_entry_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('base_number', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject_area', sa.String(length=32), nullable=False),
    sa.Column('source_type', sa.String(length=32), nullable=False),
    sa.Column('source_evaluation', sa.String(length=2), nullable=False),
    sa.Column('intel_assessment', sa.String(length=2), nullable=False),
    sa.Column('handling_code', sa.String(length=2), nullable=False),
    sa.Column('details_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('privacy_status', sa.String(length=16), nullable=False),
    sa.Column('privacy_reviewed_by', sa.String(length=32), nullable=True),
    sa.Column('privacy_reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('privacy_reviewed_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['intel_entries.id'],
                            name=op.f('fk_intel_entry_versions_entry_id_intel_entries'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intel_entry_versions')),
    sa.UniqueConstraint('entry_id', 'number',
                        name=op.f('uq_intel_entry_versions_entry_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_intel_entry_versions_public_id'))
    )
    with op.batch_alter_table('intel_entry_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intel_entry_versions_entry_id'), ['entry_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_intel_entry_versions_state'), ['state'],
                              unique=False)


def downgrade_intel():
    with op.batch_alter_table('intel_entry_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intel_entry_versions_state'))
        batch_op.drop_index(batch_op.f('ix_intel_entry_versions_entry_id'))
    op.drop_table('intel_entry_versions')
