"""Audit events that record a read (a page view, a search) commit without holding the page
for the disk, and reach it within a bounded time; every change, and the audit entries
written with it, still waits for the disk (issue 12.3; docs/audit.md)."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest

from casework.services import audit, wal_flush
from tests.support import csrf_token, login, make_staff
from tests.web.page_cost_support import committed_units, relaxed
from tests.web.test_legal_pages import make_person


def _writing(units: list[list[str]], prefix: str) -> list[list[str]]:
    return [unit for unit in units if any(s.startswith(prefix) for s in unit)]


def test_a_page_view_and_a_search_do_not_wait_for_the_disk_a_note_does(app, client):
    worker = make_staff(app, "caseworker")
    code = make_person(app, worker)
    login(client, app, worker)
    with committed_units(app) as viewing:
        page = client.get(f"/persons/{code}")
    assert page.status_code == 200
    views = _writing(viewing, "INSERT INTO audit_events")
    assert len(views) == 1 and relaxed(views[0])  # the view event, committed before drawing

    html = page.get_data(as_text=True)
    with committed_units(app) as searching:
        found = client.post("/persons/search", data={"csrf_token": csrf_token(html),
                                                     "query": "Aigul"})
    assert found.status_code == 200
    searches = _writing(searching, "INSERT INTO audit_events")
    assert len(searches) == 1 and relaxed(searches[0])

    with committed_units(app) as saving:
        saved = client.post(f"/persons/{code}/notes", data={
            "csrf_token": csrf_token(html), "kind": "note",
            "occurred_on": date.today().isoformat(), "body": "Called back, all well."})
    assert saved.status_code == 302
    notes = _writing(saving, "INSERT INTO case_notes")
    # The note and its audit entry: one unit of work, and it waits for the disk.
    assert len(notes) == 1 and not relaxed(notes[0])
    assert any(s.startswith("INSERT INTO audit_events") for s in notes[0])


def test_an_event_waits_for_the_disk_unless_it_records_a_read(app):
    from casework.extensions import db
    from casework.models.base import utcnow

    keys = app.extensions["senim.keys"]
    with app.app_context(), committed_units(app) as units:
        audit.append_alone(db.session, keys, audit.Event(action="test.read"), now=utcnow(),
                           wait_for_disk=False)
        audit.append_alone(db.session, keys, audit.Event(action="test.change"), now=utcnow())
        report = audit.verify(db.session, keys)
    appended = _writing(units, "INSERT INTO audit_events")
    assert [relaxed(unit) for unit in appended] == [True, False]
    assert report.ok


def test_a_batch_waits_for_the_disk_if_anyone_in_it_does(app, monkeypatch):
    """Two page views queue behind a commit under way, one of them an event that must
    wait: they commit together, and that commit waits."""
    import threading

    from casework.extensions import db
    from casework.models.base import utcnow

    keys = app.extensions["senim.keys"]
    release, leading = threading.Event(), threading.Event()
    real_append = audit._append

    def first_one_blocks(connection, keys_, items):  # type: ignore[no-untyped-def]
        if not leading.is_set():
            leading.set()
            assert release.wait(10)
        return real_append(connection, keys_, items)

    monkeypatch.setattr(audit, "_append", first_one_blocks)
    errors: list[BaseException] = []

    def append(action: str, wait: bool) -> None:
        try:
            with app.app_context():
                audit.append_alone(db.session, keys, audit.Event(action=action),
                                   now=utcnow(), wait_for_disk=wait)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    with app.app_context():
        engine = db.session.get_bind(mapper=audit.AuditEvent.__mapper__)
    with committed_units(app) as units:
        first = threading.Thread(target=append, args=("test.first", False))
        first.start()
        assert leading.wait(10)
        behind = [threading.Thread(target=append, args=(action, wait))
                  for action, wait in (("test.read", False), ("test.change", True))]
        for thread in behind:
            thread.start()
        group = audit._GROUPS[id(engine)]
        deadline = time.monotonic() + 10
        while len(group.queue) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(group.queue) == 2  # both queued behind the commit under way
        release.set()
        for thread in (first, *behind):
            thread.join(10)
    assert not errors
    appended = _writing(units, "INSERT INTO audit_events")
    assert [relaxed(unit) for unit in appended] == [True, False]
    with app.app_context():
        assert audit.verify(db.session, keys).ok


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the files the flush thread syncs, as it syncs them."""
    paths: list[str] = []
    real_sync = os.fdatasync

    def recording(fd: int) -> None:
        paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_sync(fd)

    monkeypatch.setattr(wal_flush.os, "fdatasync", recording)
    return paths


def test_sqlite_syncs_the_log_soon_after_a_relaxed_commit(app, client, synced):
    from casework.extensions import db

    with app.app_context():
        engine = db.engines[None]
        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite only: PostgreSQL's own WAL writer flushes such commits")
        database = str(engine.url.database)
    worker = make_staff(app, "caseworker")
    code = make_person(app, worker)
    login(client, app, worker)
    before = wal_flush.flushed()
    started = time.monotonic()
    assert client.get(f"/persons/{code}").status_code == 200
    while wal_flush.flushed() == before and time.monotonic() - started < 5:
        time.sleep(0.01)
    assert wal_flush.flushed() > before
    # The flush thread's own sync of the log (a checkpoint would not count in flushed()).
    assert os.path.realpath(database + "-wal") in synced


def test_a_log_that_is_gone_syncs_the_database_instead(tmp_path, synced):
    database = tmp_path / "x.db"
    database.write_bytes(b"")
    wal_flush._sync(str(database))
    assert synced == [str(database)]
    (tmp_path / "x.db-wal").write_bytes(b"")
    wal_flush._sync(str(database))
    assert synced[-1] == str(tmp_path / "x.db-wal")


def test_a_forked_child_syncs_for_itself_even_if_the_lock_was_held_at_the_fork(tmp_path):
    """gunicorn forks its workers: a child must not inherit a lock held by the parent's
    thread at that moment, nor believe the parent's thread serves it."""
    import signal

    database = tmp_path / "x.db"
    (tmp_path / "x.db-wal").write_bytes(b"")
    wal_flush.soon(str(database))  # the parent's thread is running
    with wal_flush._cond:  # held, as the parent's thread may hold it when gunicorn forks
        pid = os.fork()
        if pid == 0:  # the child: exits 0 only if its own sync happened
            signal.alarm(5)  # a deadlock ends the child with SIGALRM
            try:
                before = wal_flush.flushed()
                wal_flush.soon(str(database))
                deadline = time.monotonic() + 4
                while wal_flush.flushed() == before and time.monotonic() < deadline:
                    time.sleep(0.01)
                os._exit(0 if wal_flush.flushed() > before else 1)
            except BaseException:
                os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
