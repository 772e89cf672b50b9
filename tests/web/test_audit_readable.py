"""Issue 13, point 10: the audit trail reads as people, actions and dates, not codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support import login, make_staff


def test_names_labels_and_the_action_list(app, client):
    worker = make_staff(app, "caseworker")
    login(app.test_client(), app, worker)
    auditor = make_staff(app, "auditor")
    login(client, app, auditor)
    page = client.get("/audit/").get_data(as_text=True)
    assert "Test caseworker" in page  # the actor's name, with the id as a small tag
    assert f'<code class="ref">{worker.public_id}</code>' in page
    assert "Signed in <code class=\"ref\">auth.login</code>" in page
    assert "Password accepted <code" in page
    assert '<option value="auth.">Sign-in: all</option>' in page
    assert '<option value="auth.login">Signed in</option>' in page
    assert '<select id="audit-actor" name="actor">' in page

    only = client.get("/audit/?action=auth.login").get_data(as_text=True)
    assert "auth.login</code>" in only and "auth.password</code>" not in only
    named = client.get(f"/audit/?actor={worker.public_id}").get_data(as_text=True)
    assert "Test caseworker <code" in named and "Test auditor <code" not in named


def test_date_range(app, client):
    auditor = make_staff(app, "auditor")
    login(client, app, auditor)
    today = datetime.now(UTC).date()
    page = client.get(f"/audit/?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}")
    assert page.status_code == 200 and "auth.login</code>" in page.get_data(as_text=True)
    future = client.get(f"/audit/?from={today + timedelta(days=2)}")
    assert future.status_code == 200 and "auth.login</code>" not in future.get_data(as_text=True)
    bad = client.get("/audit/?from=2026-02-30")
    assert bad.status_code == 400 and "This date does not exist" in bad.get_data(as_text=True)
    backwards = client.get(f"/audit/?from={today}&to={today - timedelta(days=3)}")
    assert backwards.status_code == 400
