"""Upgrading to audit streams (issue 12.3) keeps the existing chain: it becomes stream 0,
every entry keeps its sequence number and MAC, and it still verifies; new events extend it.
SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from tests.test_migrations import fresh  # noqa: F401 (fixture)


def test_the_old_chain_becomes_stream_zero_and_still_verifies(fresh):  # noqa: F811
    from flask_migrate import upgrade

    from casework.domain.audit_chain import GENESIS, ChainEntry
    from casework.extensions import db
    from casework.services import audit
    from crypto import canonical, mac

    keys = fresh.extensions["senim.keys"]
    key = keys.current("audit")
    with fresh.app_context():
        upgrade(revision="6a0d1e2f3b10")  # before streams: one chain, head row "main"
        prev, start = GENESIS, datetime(2026, 11, 30, 9, 0, 0, 250000)
        with db.engines[None].begin() as conn:
            for seq in range(1, 4):
                entry = ChainEntry(seq=seq, at=start + timedelta(minutes=seq), actor="a" * 32,
                                   action="view.main.home", object_type="endpoint",
                                   object_ref=None, outcome="ok", request_id="r" * 16,
                                   key_version=key.version, prev_mac=prev, mac="")
                entry = replace(entry, mac=mac(key.material, canonical(
                    "senim-audit-v1", *entry.fields())).hex())
                conn.execute(sa.text(
                    "INSERT INTO audit_events (seq, at, actor, action, object_type, object_ref,"
                    " outcome, request_id, key_version, prev_mac, mac) VALUES (:seq, :at,"
                    " :actor, :action, :ot, NULL, 'ok', :rid, :kv, :prev, :mac)"),
                    {"seq": seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
                     "ot": entry.object_type, "rid": entry.request_id, "kv": key.version,
                     "prev": prev, "mac": entry.mac})
                prev = entry.mac
            conn.execute(sa.text("INSERT INTO audit_chain_heads (name, seq, mac, updated_at)"
                                 " VALUES ('main', 3, :mac, :at)"), {"mac": prev, "at": start})
        upgrade()
        rows = db.session.execute(sa.text(
            "SELECT id, stream, seq FROM audit_events ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, 0, 1), (2, 0, 2), (3, 0, 3)]
        assert audit.heads(db.session) == {0: (3, prev)}
        report = audit.verify(db.session, keys)
        assert (report.ok, report.checked) == (True, 3)
        # New events extend stream 0 and the listing continues the old numbering.
        audit.record(db.session, keys, audit.Event(action="test.after_upgrade"),
                     now=datetime(2026, 12, 2, 8, 0))
        db.session.commit()
        newest = audit.page(db.session, before_seq=None, size=1)[0]
        assert (newest.id, newest.stream, newest.seq, newest.prev_mac) == (4, 0, 4, prev)
        assert audit.verify(db.session, keys).ok
        db.session.remove()
        # Down again (a single stream only): one chain with its "main" head.
        from flask_migrate import downgrade

        downgrade(revision="6a0d1e2f3b10")
        with db.engines[None].connect() as conn:
            assert [tuple(r) for r in conn.execute(sa.text(
                "SELECT name, seq, mac FROM audit_chain_heads"))] == [("main", 4, newest.mac)]
            assert list(conn.scalars(sa.text("SELECT seq FROM audit_events ORDER BY seq"))) \
                == [1, 2, 3, 4]
