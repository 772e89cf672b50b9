"""name-pair blind index: persons.name_pairs and the partial index of people without it (issue 12)

Revision ID: 7c3f4a5b6c73
Revises: 7c2e3f4a5b62
Create Date: 2026-12-02 20:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c3f4a5b6c73'
down_revision = '7c2e3f4a5b62'
branch_labels = None
depends_on = None

# Every existing person starts without pair entries (the index key is not available to a
# migration): name searches keep the word-by-word path until `senim reindex names` has
# written them (docs/operations.md).


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    # A plain ADD COLUMN, never a batch copy: on SQLite a batch drops and recreates the
    # table, and dropping persons with foreign keys on cascades to their assignments.
    op.add_column('persons', sa.Column('name_pairs', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.create_index('ix_persons_unpaired', 'persons', ['id'], unique=False,
                    sqlite_where=sa.text('NOT name_pairs'),
                    postgresql_where=sa.text('NOT name_pairs'))


def downgrade_():
    op.drop_index('ix_persons_unpaired', table_name='persons')
    op.execute("DELETE FROM blind_index_entries WHERE \"column\" = 'persons.name_pair'")
    op.execute("ALTER TABLE persons DROP COLUMN name_pairs")  # SQLite 3.35 and later


def upgrade_intel():
    pass


def downgrade_intel():
    pass
