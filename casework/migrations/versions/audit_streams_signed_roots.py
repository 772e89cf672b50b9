"""audit streams and signed roots (issue 12.3)

The single audit chain becomes stream 0 of several: every existing entry keeps its
sequence number and MAC (stream 0's MAC covers the same fields as before), gains a row id
for listing, and the old head row becomes stream 0's head.

Revision ID: 7b2e4c6d8a13
Revises: 7b3e5c1d9a20
Create Date: 2026-12-02 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b2e4c6d8a13'
down_revision = '7b3e5c1d9a20'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


# Typed, so that SQLite hands back a datetime (it stores text) for the copy.
_HEAD_COLUMNS = (sa.column('seq', sa.Integer()), sa.column('mac', sa.String()),
                 sa.column('updated_at', sa.DateTime()))


def _postgres():
    return op.get_bind().dialect.name == "postgresql"


def upgrade_():
    # Heads: keyed by stream number; the one head there was ("main") is stream 0.
    bind = op.get_bind()
    old = bind.execute(sa.text(
        "SELECT seq, mac, updated_at FROM audit_chain_heads WHERE name = 'main'"
    ).columns(*_HEAD_COLUMNS)).first()
    op.drop_table('audit_chain_heads')
    heads = op.create_table('audit_chain_heads',
    sa.Column('stream', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('stream', name=op.f('pk_audit_chain_heads'))
    )
    if old is not None:
        op.bulk_insert(heads, [{"stream": 0, "seq": old.seq, "mac": old.mac,
                                "updated_at": old.updated_at}])
    # Entries: a row id for listing (equal to the old sequence number), and the stream.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stream', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('id', sa.Integer(), nullable=True))
    op.execute("UPDATE audit_events SET id = seq")
    if _postgres():
        op.execute("CREATE SEQUENCE audit_events_id_seq OWNED BY audit_events.id")
        op.execute("SELECT setval('audit_events_id_seq', "
                   "coalesce((SELECT max(id) FROM audit_events), 0) + 1, false)")
        op.execute("ALTER TABLE audit_events ALTER COLUMN id "
                   "SET DEFAULT nextval('audit_events_id_seq')")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('pk_audit_events'), type_='primary')
        batch_op.alter_column('id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_primary_key(batch_op.f('pk_audit_events'), ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_stream'),
                                          ['stream', 'seq'])
    op.create_table('audit_roots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('prev', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_roots')),
    sa.UniqueConstraint('prev', name=op.f('uq_audit_roots_prev'))
    )


def downgrade_():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM audit_events WHERE stream <> 0")).first():
        raise RuntimeError("audit entries exist in streams other than 0: a single chain "
                           "cannot hold them; refusing to downgrade")
    op.drop_table('audit_roots')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_stream'), type_='unique')
        batch_op.drop_constraint(batch_op.f('pk_audit_events'), type_='primary')
        batch_op.create_primary_key(batch_op.f('pk_audit_events'), ['seq'])
        batch_op.drop_column('id')
        batch_op.drop_column('stream')
    old = bind.execute(sa.text(
        "SELECT seq, mac, updated_at FROM audit_chain_heads WHERE stream = 0"
    ).columns(*_HEAD_COLUMNS)).first()
    op.drop_table('audit_chain_heads')
    heads = op.create_table('audit_chain_heads',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_audit_chain_heads'))
    )
    if old is not None:
        op.bulk_insert(heads, [{"name": "main", "seq": old.seq, "mac": old.mac,
                                "updated_at": old.updated_at}])


def upgrade_intel():
    pass


def downgrade_intel():
    pass
