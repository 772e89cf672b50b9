"""at most one open assignment per (staff, person): a unique partial index (issue 12)

Revision ID: 7c1d2e3f4a51
Revises: 7c0a1b2c3d40
Create Date: 2026-12-02 16:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a51'
down_revision = '7c0a1b2c3d40'
branch_labels = None
depends_on = None

_OPEN = sa.text("ended_at IS NULL")


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    # A race before this index could leave two open rows for one (staff, person): the
    # oldest stays open, the copies end when it began (no access is lost or gained, and
    # the history keeps every row).
    op.execute(sa.text(
        "UPDATE assignments SET ended_at = COALESCE(assigned_at, CURRENT_TIMESTAMP) "
        "WHERE ended_at IS NULL AND id NOT IN (SELECT keep FROM (SELECT MIN(id) AS keep "
        "FROM assignments WHERE ended_at IS NULL GROUP BY staff_id, person_id) AS kept)"))
    op.create_index('uq_assignments_open', 'assignments', ['staff_id', 'person_id'],
                    unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade_():
    op.drop_index('uq_assignments_open', table_name='assignments')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
