"""caseload counts kept by triggers on assignments: "my people" states its total from one row (issue 12)

Revision ID: 7c2e3f4a5b62
Revises: 7c1d2e3f4a51
Create Date: 2026-12-02 16:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c2e3f4a5b62'
down_revision = '7c1d2e3f4a51'
branch_labels = None
depends_on = None

# The number follows every write to assignments, whoever makes it (the services, the
# import, a cascade from a removed person or member of staff, a hand edit), in the same
# transaction. A decrement never creates a row: deleting both tables in any order (the
# tests' cleanup) leaves nothing behind.
_SQLITE = [
    """CREATE TRIGGER caseload_counts_insert AFTER INSERT ON assignments
       WHEN NEW.ended_at IS NULL BEGIN
         INSERT INTO caseload_counts (staff_id, open_assignments) VALUES (NEW.staff_id, 1)
           ON CONFLICT (staff_id) DO UPDATE SET open_assignments = open_assignments + 1;
       END""",
    """CREATE TRIGGER caseload_counts_delete AFTER DELETE ON assignments
       WHEN OLD.ended_at IS NULL BEGIN
         UPDATE caseload_counts SET open_assignments = open_assignments - 1
           WHERE staff_id = OLD.staff_id;
       END""",
    """CREATE TRIGGER caseload_counts_update AFTER UPDATE OF staff_id, ended_at ON assignments
       BEGIN
         UPDATE caseload_counts SET open_assignments = open_assignments - 1
           WHERE staff_id = OLD.staff_id AND OLD.ended_at IS NULL;
         INSERT INTO caseload_counts (staff_id, open_assignments)
           SELECT NEW.staff_id, 1 WHERE NEW.ended_at IS NULL
           ON CONFLICT (staff_id) DO UPDATE SET open_assignments = open_assignments + 1;
       END""",
]
_POSTGRESQL = [
    """CREATE FUNCTION caseload_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           IF OLD.ended_at IS NULL THEN
             UPDATE caseload_counts SET open_assignments = open_assignments - 1
               WHERE staff_id = OLD.staff_id;
           END IF;
         END IF;
         IF TG_OP <> 'DELETE' THEN
           IF NEW.ended_at IS NULL THEN
             INSERT INTO caseload_counts (staff_id, open_assignments)
               VALUES (NEW.staff_id, 1)
               ON CONFLICT (staff_id) DO UPDATE
               SET open_assignments = caseload_counts.open_assignments + 1;
           END IF;
         END IF;
         RETURN NULL;
       END
       $$""",
    """CREATE TRIGGER caseload_counts_follow
       AFTER INSERT OR DELETE OR UPDATE OF staff_id, ended_at ON assignments
       FOR EACH ROW EXECUTE FUNCTION caseload_counts_follow()""",
]


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table(
        'caseload_counts',
        sa.Column('staff_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('open_assignments', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_id'))
    op.execute(sa.text(
        "INSERT INTO caseload_counts (staff_id, open_assignments) SELECT staff_id, COUNT(*) "
        "FROM assignments WHERE ended_at IS NULL GROUP BY staff_id"))
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        op.execute(sa.text(statement))


def downgrade_():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP TRIGGER caseload_counts_follow ON assignments"))
        op.execute(sa.text("DROP FUNCTION caseload_counts_follow()"))
    else:
        for name in ("insert", "delete", "update"):
            op.execute(sa.text(f"DROP TRIGGER caseload_counts_{name}"))
    op.drop_table('caseload_counts')


def upgrade_intel():
    pass


def downgrade_intel():
    pass
