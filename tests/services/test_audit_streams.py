"""Audit streams and signed roots (issue 12.3, docs/audit.md).

* A unit of work's events are appended together at commit: one head lock per unit of work,
  none before; a rollback leaves nothing; reading the trail first appends what is queued.
* Sixteen concurrent writers, each with its own session and connection, lose nothing and
  every stream and the signed root verify (PostgreSQL spreads them over streams; SQLite,
  one writer at a time, keeps stream 0: the same test runs on both).
* Tampering with any stream is found and named with its stream; a stream cut with its head
  rolled back is caught by the stored signed root, a removed root by the roots' own chain.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from casework.domain.audit_chain import GENESIS
from casework.models import AuditChainHead, AuditEvent, AuditRoot
from casework.models.base import utcnow
from casework.services import audit, audit_checkpoints
from tests.conftest import PG_URL
from tests.support import db_execute, is_postgres

WRITERS = 16
UNITS = 25  # units of work per writer
EVENTS_PER_UNIT = 3
JOIN_TIMEOUT = 120.0

needs_postgres = pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL; set "
                                    "SENIM_TEST_DATABASE_URL")


@pytest.fixture
def engine(app) -> Iterator[sa.Engine]:  # type: ignore[no-untyped-def]
    from casework.extensions import db

    with app.app_context():
        yield db.engines[None]


def _keys(app: Any) -> Any:
    return app.extensions["senim.keys"]


def _record(app: Any, session: Session, n: int, action: str = "test.event",
            ref: str = "") -> None:
    now = utcnow()
    for i in range(n):
        audit.record(session, _keys(app), audit.Event(action=action, object_ref=f"{ref}{i}",
                                                      request_id="t"), now=now)


def _statements(engine: sa.Engine) -> Any:
    seen: list[str] = []

    def listen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()).lower())
    sa.event.listen(engine, "before_cursor_execute", listen)
    return seen, lambda: sa.event.remove(engine, "before_cursor_execute", listen)


# --- One append per unit of work ---------------------------------------------------------


def test_events_wait_for_the_commit_and_take_the_lock_once(app, engine):
    with Session(engine) as session:
        _record(app, session, 1, "test.zero")
        session.commit()  # stream 0 exists
        seen, stop = _statements(engine)
        try:
            _record(app, session, 1, "test.first")
            session.execute(sa.select(1))  # the rest of the request runs: no lock yet
            assert not [s for s in seen if "audit" in s]
            _record(app, session, 49, "test.more")
            session.commit()
        finally:
            stop()
    head_writes = [s for s in seen if "audit_chain_heads" in s and (
        s.startswith("update") or "for update" in s)]
    # SQLite: one UPDATE takes the write lock, one moves the head; PostgreSQL: one
    # SELECT ... FOR UPDATE SKIP LOCKED and one UPDATE. Fifty events, the same two.
    assert len(head_writes) == 2, head_writes
    assert [s for s in seen if s.startswith("insert into audit_events")] != []
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 51
        assert audit.verify(session, _keys(app)).ok


def test_a_rollback_leaves_nothing_and_reading_the_trail_sees_what_is_queued(app, engine):
    with Session(engine) as session:
        _record(app, session, 3)
        session.rollback()
        session.commit()
        assert audit.count(session) == 0
        _record(app, session, 2)
        # Reading the trail in the same unit of work appends what is queued first.
        assert audit.count(session) == 2
        session.rollback()
        assert audit.count(session) == 0


def test_a_failed_append_keeps_the_events_queued(app, engine):
    """Committing again after a refused append must not commit the work without them."""
    with Session(engine) as session:
        _record(app, session, 2)
        session.commit()
    db_execute(app, "UPDATE audit_chain_heads SET seq = 1")  # entry 2 is now past the head
    with Session(engine) as session:
        _record(app, session, 1)
        with pytest.raises(audit.AuditTrailBroken):
            session.commit()
        with pytest.raises(audit.AuditTrailBroken):
            session.commit()
        session.rollback()
    assert len(db_execute(app, "SELECT id FROM audit_events")) == 2


# --- Sixteen concurrent writers ----------------------------------------------------------


class Writer(threading.Thread):
    def __init__(self, app: Any, engine: sa.Engine, number: int,
                 start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.app, self.engine, self.number, self.start_line = app, engine, number, start
        self.written = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.start_line.wait(timeout=30)
            with Session(self.engine) as session:
                for unit in range(UNITS):
                    if self.engine.dialect.name == "postgresql":
                        session.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
                    _record(self.app, session, EVENTS_PER_UNIT, "test.concurrent",
                            f"w{self.number}u{unit}e")
                    session.commit()
                    self.written += EVENTS_PER_UNIT
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def test_sixteen_concurrent_writers_lose_nothing_and_everything_verifies(app, engine):
    start = threading.Barrier(WRITERS)
    writers = [Writer(app, engine, n, start) for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(JOIN_TIMEOUT)
    assert not [w for w in writers if w.is_alive()], "a writer hung"
    assert [w.error for w in writers if w.error] == []
    written = sum(w.written for w in writers)
    assert written == WRITERS * UNITS * EVENTS_PER_UNIT
    with Session(engine) as session:
        rows = session.execute(sa.select(AuditEvent.stream, AuditEvent.seq,
                                         AuditEvent.object_ref)).all()
        assert len(rows) == written
        # Each event exactly once, and each unit's events adjacent in one stream.
        assert len({r.object_ref for r in rows}) == written
        position = {r.object_ref: (r.stream, r.seq) for r in rows}
        for n in range(WRITERS):
            for unit in range(UNITS):
                places = [position[f"w{n}u{unit}e{i}"] for i in range(EVENTS_PER_UNIT)]
                assert len({stream for stream, _ in places}) == 1
                assert [seq for _, seq in places] == list(
                    range(places[0][1], places[0][1] + EVENTS_PER_UNIT))
        heads = audit.heads(session)
        assert sum(seq for seq, _ in heads.values()) == written
        assert set(heads) <= set(range(audit.MAX_STREAMS))
        if engine.dialect.name != "postgresql":
            assert set(heads) == {0}  # one writer at a time: always stream 0
        report = audit.verify(session, _keys(app))
        assert (report.ok, report.checked) == (True, written)
        note = audit_checkpoints.make(session, _keys(app), now=utcnow())
        session.commit()
        assert audit_checkpoints.check(session, _keys(app), note).ok
        assert audit.verify(session, _keys(app)).ok
        assert f"\n{written}\n" in note  # the root's size counts every stream


@needs_postgres
def test_a_busy_stream_does_not_block_another_writer(app, engine):
    """While one transaction holds stream 0's head (a slow request committing), another
    writer appends to stream 1 at once instead of queueing."""
    with Session(engine) as first:
        _record(app, first, 1, "test.slow")
        first.commit()  # stream 0 exists
        _record(app, first, 1, "test.slow")
        audit.flush(first)  # stream 0's head is now locked until ``first`` ends
        with Session(engine) as second:
            second.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            _record(app, second, 2, "test.fast")
            second.commit()
        first.commit()
    with Session(engine) as session:
        assert session.execute(sa.select(AuditEvent.action, AuditEvent.stream, AuditEvent.seq)
                               .order_by(AuditEvent.id)).all() == [
            ("test.slow", 0, 1), ("test.slow", 0, 2), ("test.fast", 1, 1), ("test.fast", 1, 2)]
        assert audit.verify(session, _keys(app)).ok


# --- Tampering with a trail of several streams ------------------------------------------


@pytest.fixture
def streams(app, engine, monkeypatch) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Streams 0, 1 and 2 with 5, 6 and 4 entries, on either database (the stream is chosen
    by the test, as PostgreSQL does under load)."""
    sizes = {0: 5, 1: 6, 2: 4}
    for stream, size in sizes.items():
        def lock(session: Any, dialect: str, now: Any, stream: int = stream) -> Any:
            head = session.execute(sa.select(AuditChainHead.seq, AuditChainHead.mac).where(
                AuditChainHead.stream == stream)).first()
            if head is None:
                # Core: the trail is appended on the unit of work's connection.
                session.execute(sa.insert(AuditChainHead).values(
                    stream=stream, seq=0, mac=GENESIS, updated_at=now))
                return stream, 0, GENESIS, None
            return stream, head.seq, head.mac, None
        monkeypatch.setattr(audit, "_lock_head", lock)
        with Session(engine) as session:
            for unit in range(size):
                _record(app, session, 1, "test.stream", f"s{stream}u{unit}")
                session.commit()
    monkeypatch.undo()
    with Session(engine) as session:
        assert audit.heads(session).keys() == {0, 1, 2}
        assert audit.verify(session, _keys(app)).ok
    return sizes


def _verify_cli(app: Any) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["senim", "audit", "verify"])
    return result.exit_code, result.output


def _report(app: Any, engine: sa.Engine) -> tuple[Any, ...]:
    with Session(engine) as session:
        report = audit.verify(session, _keys(app))
    return (report.ok, report.stream, report.first_broken_seq,
            report.reason.value if report.reason else None)


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE audit_events SET outcome = 'denied' WHERE stream = 1 AND seq = 4",
     (False, 1, 4, "mac_mismatch")),
    ("DELETE FROM audit_events WHERE stream = 2 AND seq = 2", (False, 2, 2, "sequence_gap")),
    ("DELETE FROM audit_events WHERE stream = 1 AND seq > 4", (False, 1, 5, "head_mismatch")),
    ("UPDATE audit_chain_heads SET mac = '" + "0" * 64 + "' WHERE stream = 2",
     (False, 2, 4, "head_mismatch")),
    # An entry of stream 1 relabelled as the next entry of stream 2: its MAC names stream 1.
    ("UPDATE audit_events SET stream = 2, seq = 5 WHERE stream = 1 AND seq = 6",
     (False, 1, 6, "head_mismatch")),
])
def test_tampering_in_any_stream_is_named(app, engine, streams, sql, expected):
    db_execute(app, sql)
    assert _report(app, engine) == expected
    code, output = _verify_cli(app)
    assert code == 1
    assert f"in stream {expected[1]}" in output


def test_an_entry_moved_into_another_stream_is_caught(app, engine, streams):
    # Stream 2 is shortened by one and its head rolled back; the removed slot is filled by
    # stream 1's last entry: the chain link (prev) may even be fixed up, but not the MAC.
    last2 = db_execute(app, "SELECT * FROM audit_events WHERE stream = 2 AND seq = 4")[0]
    db_execute(app, "DELETE FROM audit_events WHERE stream = 2 AND seq = 4")
    db_execute(app, "UPDATE audit_events SET stream = 2, seq = 4, prev_mac = :p "
                    "WHERE stream = 1 AND seq = 6", p=last2.prev_mac)
    db_execute(app, "UPDATE audit_chain_heads SET seq = 5, mac = :m WHERE stream = 1",
               m=db_execute(app, "SELECT mac FROM audit_events WHERE stream = 1 AND seq = 5")
               [0].mac)
    assert _report(app, engine) == (False, 2, 4, "mac_mismatch")


def test_reordered_entries_in_a_stream(app, engine, streams):
    db_execute(app, "UPDATE audit_events SET seq = -1 WHERE stream = 1 AND seq = 2")
    db_execute(app, "UPDATE audit_events SET seq = 2 WHERE stream = 1 AND seq = 3")
    db_execute(app, "UPDATE audit_events SET seq = 3 WHERE stream = 1 AND seq = -1")
    assert _report(app, engine) == (False, 1, 2, "previous_mac_mismatch")


@pytest.mark.parametrize("where", ["past the head of stream 2", "in a stream with no head"])
def test_a_forged_entry_past_any_head_stops_every_append(app, engine, streams, where):
    stream, seq = (2, 5) if "past" in where else (7, 1)
    last = db_execute(app, "SELECT * FROM audit_events WHERE stream = 2 AND seq = 4")[0]
    db_execute(app, "INSERT INTO audit_events (stream, seq, at, actor, action, object_type,"
                    " object_ref, outcome, request_id, key_version, prev_mac, mac) VALUES"
                    " (:stream, :seq, :at, NULL, 'auth.login', NULL, NULL, 'ok', NULL, :kv,"
                    " :prev, :mac)", stream=stream, seq=seq, at=last.at,
               kv=last.key_version, prev=last.mac, mac="cd" * 32)
    assert _report(app, engine)[:2] == (False, stream)
    with Session(engine) as session:  # the append would go to stream 0: refused all the same
        _record(app, session, 1)
        with pytest.raises(audit.AuditTrailBroken):
            session.commit()


def test_a_stream_cut_with_its_head_rolled_back_is_caught_by_the_signed_root(
        app, engine, streams):
    with Session(engine) as session:
        audit_checkpoints.make(session, _keys(app), now=utcnow())
        session.commit()
    keep = db_execute(app, "SELECT mac FROM audit_events WHERE stream = 1 AND seq = 3")[0]
    db_execute(app, "DELETE FROM audit_events WHERE stream = 1 AND seq > 3")
    db_execute(app, "UPDATE audit_chain_heads SET seq = 3, mac = :m WHERE stream = 1",
               m=keep.mac)
    assert _report(app, engine) == (False, 1, 4, "signed_root_mismatch")
    code, output = _verify_cli(app)
    assert code == 1 and "at entry 4 (signed_root_mismatch) in stream 1" in output


def test_stored_roots_form_a_chain_of_their_own(app, engine, streams):
    with Session(engine) as session:
        notes = [audit_checkpoints.make(session, _keys(app), now=utcnow()) for _ in range(3)]
        session.commit()
    assert len({n.splitlines()[4] for n in notes}) == 3  # each names a different predecessor
    assert _report(app, engine) == (True, 0, None, None)
    # Removing a root between two others breaks the roots' chain.
    middle = db_execute(app, "SELECT id FROM audit_roots ORDER BY id")[1].id
    db_execute(app, "DELETE FROM audit_roots WHERE id = :i", i=middle)
    assert _report(app, engine) == (False, 0, None, "signed_root_invalid")
    code, output = _verify_cli(app)
    assert code == 1 and "BROKEN (signed_root_invalid)" in output


def test_an_edited_stored_root_is_refused(app, engine, streams):
    with Session(engine) as session:
        audit_checkpoints.make(session, _keys(app), now=utcnow())
        session.commit()
    note = db_execute(app, "SELECT note FROM audit_roots")[0].note
    forged = note.replace("stream 1 6 ", "stream 1 3 ")
    assert forged != note
    db_execute(app, "UPDATE audit_roots SET note = :n", n=forged)
    assert _report(app, engine) == (False, 0, None, "signed_root_invalid")


def test_an_external_checkpoint_names_every_stream(app, engine, streams):
    with Session(engine) as session:
        note = audit_checkpoints.make(session, _keys(app), now=utcnow())
        session.commit()
    assert "stream 0 5 " in note and "stream 1 6 " in note and "stream 2 4 " in note
    # The insider cuts stream 2, rolls its head back and removes the stored roots.
    keep = db_execute(app, "SELECT mac FROM audit_events WHERE stream = 2 AND seq = 1")[0]
    db_execute(app, "DELETE FROM audit_events WHERE stream = 2 AND seq > 1")
    db_execute(app, "UPDATE audit_chain_heads SET seq = 1, mac = :m WHERE stream = 2",
               m=keep.mac)
    db_execute(app, "DELETE FROM audit_roots")
    assert _report(app, engine) == (True, 0, None, None)
    with Session(engine) as session:
        result = audit_checkpoints.check(session, _keys(app), note)
    assert not result.ok and "entry 4 of stream 2" in result.reason and "cut" in result.reason


def test_a_checkpoint_from_before_streams_is_still_checked(app, engine, streams):
    """Four lines, signed as before issue 12.3: read as stream 0."""
    import base64

    from crypto import sign

    head = db_execute(app, "SELECT seq, mac FROM audit_chain_heads WHERE stream = 0")[0]
    body = f"senim/audit\n{head.seq}\n{head.mac}\n2026-12-01T10:00:00Z\n"
    key = _keys(app).current("signing")
    old = (f"{body}\n— senim/audit {key.version}:"
           f"{base64.b64encode(sign(key.material, body.encode())).decode()}\n")
    with Session(engine) as session:
        assert audit_checkpoints.check(session, _keys(app), old).ok
    db_execute(app, "DELETE FROM audit_events WHERE stream = 0 AND seq = :s", s=head.seq)
    with Session(engine) as session:
        assert not audit_checkpoints.check(session, _keys(app), old).ok


def test_the_seal_job_stores_and_logs_a_root(app, engine, streams, caplog):
    from casework import jobs

    caplog.set_level("INFO", logger="senim.jobs")
    digest = jobs.seal_audit(app)
    assert f"digest={digest}" in caplog.text and "streams=3 entries=15" in caplog.text
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditRoot)) == 1
    assert _report(app, engine) == (True, 0, None, None)


def test_postgres_uses_row_locks_not_table_locks(app, engine):
    if not is_postgres(app):
        pytest.skip("PostgreSQL only")
    with Session(engine) as session:
        _record(app, session, 1)
        audit.flush(session)
        modes = session.scalars(sa.text(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'"
            " AND relation = 'audit_chain_heads'::regclass")).all()
        session.rollback()
    assert modes and set(modes) <= {"RowShareLock", "RowExclusiveLock", "AccessShareLock"}


# --- Page views: group commit ------------------------------------------------------------


def _page_view(app: Any, engine: sa.Engine, n: int, errors: list[BaseException]) -> None:
    try:
        with Session(engine) as session:
            audit.append_alone(session, _keys(app), audit.Event(
                action="view.test", object_ref=f"p{n}", request_id="t"), now=utcnow())
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def test_concurrent_page_views_share_one_commit(app, engine):
    """The first page view's commit is held until fifteen others queue behind it: they are
    then appended and committed together, by one of them, in a single transaction."""
    commits: list[int] = []
    release = threading.Event()

    def on_commit(conn: Any) -> None:
        commits.append(1)
        if len(commits) == 1:
            release.wait(20)
    sa.event.listen(engine, "commit", on_commit)
    errors: list[BaseException] = []
    try:
        first = threading.Thread(target=_page_view, args=(app, engine, 0, errors))
        first.start()
        while not commits:
            threading.Event().wait(0.01)
        others = [threading.Thread(target=_page_view, args=(app, engine, n, errors))
                  for n in range(1, WRITERS)]
        for thread in others:
            thread.start()
        group = audit._GROUPS[id(engine)]  # noqa: SLF001
        for _ in range(2000):
            with group.cond:
                if len(group.queue) == WRITERS - 1:
                    break
            threading.Event().wait(0.01)
        release.set()
        for thread in [first, *others]:
            thread.join(JOIN_TIMEOUT)
    finally:
        release.set()
        sa.event.remove(engine, "commit", on_commit)
    assert errors == []
    assert len(commits) == 2
    rows = db_execute(app, "SELECT stream, seq, object_ref FROM audit_events ORDER BY id")
    assert len(rows) == WRITERS and rows[0].object_ref == "p0"
    assert [(r.stream, r.seq) for r in rows] == [(0, n) for n in range(1, WRITERS + 1)]
    with Session(engine) as session:
        assert audit.verify(session, _keys(app)).ok


def test_a_refused_group_commit_refuses_every_page_view_in_it(app, engine):
    with Session(engine) as session:
        _record(app, session, 2)
        session.commit()
    db_execute(app, "UPDATE audit_chain_heads SET seq = 1")  # entry 2 is now past the head
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_page_view, args=(app, engine, n, errors))
               for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert len(errors) == 4 and all(isinstance(e, audit.AuditTrailBroken) for e in errors)
    assert len(db_execute(app, "SELECT id FROM audit_events")) == 2
