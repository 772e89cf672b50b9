"""A session row change that is only a touch commits without waiting for the disk; a flashed
message writes no row at all (it travels in its sealed cookie, tests/web/test_flash_cookie.py);
everything else still waits, and no other unit of work ever runs relaxed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from casework.models import StaffSession
from casework.services.db import relax_durability, restore_durability_on_checkin
from tests.support import csrf_token, login, make_staff
from tests.web.page_cost_support import committed_units, relaxed
from tests.web.test_legal_pages import make_person


def _writes_session_row(statements: list[str]) -> bool:
    return any(s.startswith(("UPDATE staff_sessions", "INSERT INTO staff_sessions"))
               for s in statements)


def _units_writing_session_rows(units: list[list[str]]) -> list[list[str]]:
    return [unit for unit in units if _writes_session_row(unit)]


def test_a_saved_note_and_its_message_do_not_wait_twice_sign_in_and_out_do(app, client,
                                                                           monkeypatch):
    worker = make_staff(app, "caseworker")
    code = make_person(app, worker)
    with committed_units(app) as signing_in:
        login(client, app, worker)
    # A new session id waits for the disk (the page views on the way need not).
    sessions = _units_writing_session_rows(signing_in)
    assert sessions and not any(relaxed(unit) for unit in sessions)
    page = client.get(f"/persons/{code}").get_data(as_text=True)
    with committed_units(app) as saving:
        response = client.post(f"/persons/{code}/notes", data={
            "csrf_token": csrf_token(page), "kind": "note", "occurred_on":
            date.today().isoformat(), "body": "Called back, all well."})
    assert response.status_code == 302
    # The note and its audit entry commit (waiting for the disk); the message is kept in
    # its cookie, so the session's row is not written at all.
    assert not any(relaxed(unit) for unit in saving)
    assert any(s.startswith("INSERT INTO case_notes") for unit in saving for s in unit)
    assert not _units_writing_session_rows(saving)
    with committed_units(app) as showing:
        shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved." in shown and not _units_writing_session_rows(showing)
    # A touch (the row last seen long enough ago) is written, without waiting for the disk.
    from casework.web import session_store

    monkeypatch.setattr(session_store, "TOUCH_EVERY", timedelta(0))
    with committed_units(app) as touching:
        client.get(f"/persons/{code}")
    touches = _units_writing_session_rows(touching)
    assert len(touches) == 1 and relaxed(touches[0])
    monkeypatch.undo()
    page = client.get("/").get_data(as_text=True)
    with committed_units(app) as signing_out:
        client.post("/auth/logout", data={"csrf_token": csrf_token(page)})
    ended = _units_writing_session_rows(signing_out) or [
        unit for unit in signing_out if any(s.startswith("DELETE FROM staff_sessions")
                                            for s in unit)]
    assert ended and not any(relaxed(unit) for unit in ended)
    assert client.get(f"/persons/{code}").status_code == 302  # signed out, and it stays


def test_a_relaxed_sqlite_connection_waits_again_before_anyone_reuses_it(tmp_path: Path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}", pool_size=1, max_overflow=0)
    restore_durability_on_checkin(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        StaffSession.__table__.create(conn)

    def level(conn: sa.Connection) -> int:
        return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())

    with Session(engine) as session:
        relax_durability(session, on=StaffSession)
        assert level(session.connection()) == 1  # NORMAL for this unit of work
        session.commit()
    with engine.connect() as conn:  # the same (only) connection, back from the pool
        assert level(conn) == 2  # FULL
    with Session(engine) as session:
        session.execute(sa.delete(StaffSession))  # already writing: cannot be relaxed
        relax_durability(session, on=StaffSession)
        assert level(session.connection()) == 2
        session.rollback()
    with Session(engine) as session:
        relax_durability(session, on=StaffSession)
        session.rollback()  # given up: still restored
    with engine.connect() as conn:
        assert level(conn) == 2
    engine.dispose()


def test_postgresql_relaxes_one_transaction_only(app):
    from casework.extensions import db

    with app.app_context():
        if db.engines[None].dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (SENIM_TEST_DATABASE_URL)")
        relax_durability(db.session, on=StaffSession)
        assert db.session.execute(sa.text("SHOW synchronous_commit")).scalar() == "off"
        db.session.commit()
        assert db.session.execute(sa.text("SHOW synchronous_commit")).scalar() == "on"
        db.session.rollback()
