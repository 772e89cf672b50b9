"""The page benchmark cannot rot silently (issue 12, item 5): at 20 people, the plaintext
control app and the data loaders work, and the forms ``bench/pages.py`` drives are where it
looks for them on both apps. No timing is asserted here."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.support import login, make_staff

BENCH = Path(__file__).resolve().parents[2] / "bench"
DEPLOY = BENCH.parent / "deploy"
COUNT = 20


@pytest.fixture(scope="module")
def bench() -> Any:
    sys.path[:0] = [str(BENCH), str(DEPLOY)]
    try:
        import control_app
        import people
        import smoke

        yield type("Bench", (), {"control": control_app, "people": people,
                                 "forms": smoke.form_fields})
    finally:
        for path in (str(BENCH), str(DEPLOY)):
            sys.path.remove(path)


def test_the_same_people_every_time(bench):
    first, again = list(bench.people.people(COUNT)), list(bench.people.people(COUNT))
    assert first == again and len({p.full_name for p in first}) > COUNT // 2


def test_the_control_app_serves_the_four_pages(bench, tmp_path):
    app = bench.control.create_app(f"sqlite:///{tmp_path / 'control.db'}")
    codes = bench.control.load(app, COUNT, email="c@bench.test", password="pw")
    assert len(codes) == COUNT
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    signed = client.post("/auth/login", data={**bench.forms(page, field="email"),
                                              "email": "c@bench.test", "password": "pw"})
    assert signed.status_code == 302
    listing = client.get("/persons/").get_data(as_text=True)
    assert f"My people ({COUNT})" in listing
    search_form = bench.forms(listing, field="query")
    someone = list(bench.people.people(COUNT))[3]
    found = client.post("/persons/search", data={**search_form, "query": someone.full_name})
    assert found.status_code == 200 and codes[3] in found.get_data(as_text=True)
    detail = client.get(f"/persons/{codes[3]}").get_data(as_text=True)
    assert someone.full_name in detail and "trafficking" in detail
    assert all(text in detail for text in bench.people.NOTE_TEXTS)
    assert all(text in detail for text in bench.people.INTERVIEW_TEXTS)
    note = client.post(f"/persons/{codes[3]}/notes", data={
        **bench.forms(detail, action=r"/notes(#notes)?$"), "occurred_on": date.today().isoformat(),
        "body": "Bench smoke note"})
    assert note.status_code == 302
    assert "Bench smoke note" in client.get(f"/persons/{codes[3]}").get_data(as_text=True)
    with app.app_context():
        bench.control.db.engine.dispose()


def test_the_senim_loader_writes_what_the_services_read_back(bench, app, client):
    worker = make_staff(app, "caseworker")
    codes = bench.people.load_senim(app, COUNT, staff_email=worker.email, batch=8)
    assert len(codes) == len(set(codes)) == COUNT
    assert bench.people.check_sample(app, codes, COUNT, sample=COUNT) == COUNT
    # The forms bench/pages.py posts to exist where it looks for them.
    login(client, app, worker)
    listing = client.get("/persons/").get_data(as_text=True)
    assert "csrf_token" in bench.forms(listing, field="query")
    detail = client.get(f"/persons/{codes[0]}")
    assert detail.status_code == 200
    note_form = bench.forms(detail.get_data(as_text=True), action=r"/notes(#notes)?$")
    someone = next(iter(bench.people.people(1)))
    assert someone.full_name in detail.get_data(as_text=True)
    response = client.post(f"/persons/{codes[0]}/notes", data={
        **note_form, "occurred_on": date.today().isoformat(), "body": "Bench smoke note"})
    assert response.status_code in (302, 303)
    search = client.post("/persons/search", data={**bench.forms(listing, field="query"),
                                                   "query": someone.full_name})
    assert codes[0] in search.get_data(as_text=True)


def test_the_control_can_run_on_the_write_ahead_log(bench, tmp_path, monkeypatch):
    import sqlalchemy as sa

    monkeypatch.setenv("CONTROL_SQLITE_JOURNAL", "wal")
    app = bench.control.create_app(f"sqlite:///{tmp_path / 'control-wal.db'}")
    bench.control.load(app, 3, email="w@bench.test", password="pw")
    with app.app_context():
        mode = bench.control.db.session.execute(sa.text("PRAGMA journal_mode")).scalar()
    assert mode == "wal"
