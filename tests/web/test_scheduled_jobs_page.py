"""The director's "scheduled jobs" page (issue 10.3, 14.4): each job's last run and last
success, failures since, the backups kept; nobody else sees it; bad paging is a 400."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from casework.extensions import db
from casework.models import JobRun
from tests.support import login, make_staff


def _run(app, job, outcome, started, counts=None, error=None):
    with app.app_context():
        db.session.add(JobRun(job=job, outcome=outcome, started_at=started,
                              finished_at=started, counts=json.dumps(counts or {}),
                              error=error))
        db.session.commit()


def test_director_sees_last_run_last_success_and_failures(app, client):
    director = make_staff(app, "director")
    _run(app, "backup_daily", "ok", datetime(2026, 12, 1, 19, 0), {"written": 1, "kept": 7})
    _run(app, "check_backup", "ok", datetime(2026, 11, 30, 21, 0), {"persons_ok": 12})
    _run(app, "check_backup", "failed", datetime(2026, 12, 1, 21, 0), {"failures": 2})
    _run(app, "purge_sessions", "error", datetime(2026, 12, 1, 22, 0), error="OperationalError")
    login(client, app, director)
    page = client.get("/organisation/jobs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Daily encrypted backup" in html and "Monthly restore check" in html
    assert "02.12.2026 00:00" in html  # 19:00 UTC is midnight in Almaty, DD.MM.YYYY
    assert "01.12.2026 02:00" in html  # the last success of the check, local time
    assert "1 failure since the last success" in html
    assert "backups kept: 7" in html and "failures: 2" in html
    assert "OperationalError" in html
    assert "No scheduled backup yet" in html  # nothing in the folder in this instance


@pytest.mark.parametrize("role", ["caseworker", "liaison", "auditor", "legal_adviser",
                                  "psychologist"])
def test_only_the_director_sees_it(app, client, role):
    user = make_staff(app, role)
    login(client, app, user)
    assert client.get("/organisation/jobs").status_code == 403


@pytest.mark.parametrize("before", ["0", "-3", "x", "99999999999999999999"])
def test_bad_paging_is_a_400_or_ignored_never_a_500(app, client, before):
    director = make_staff(app, "director")
    login(client, app, director)
    response = client.get(f"/organisation/jobs?before={before}")
    assert response.status_code in (200, 400)


def test_older_runs_are_paged_in_the_database(app, client):
    director = make_staff(app, "director")
    for n in range(55):
        _run(app, "purge_sessions", "ok", datetime(2026, 12, 1, 0, n))
    login(client, app, director)
    html = client.get("/organisation/jobs").get_data(as_text=True)
    assert "Older runs" in html
    with app.app_context():
        oldest_shown = sorted(r.id for r in db.session.query(JobRun).all())[-50]
    older = client.get(f"/organisation/jobs?before={oldest_shown}").get_data(as_text=True)
    assert "Older runs" not in older
    assert older.count("End expired sessions") == 1 + 5  # summary row + five older runs
