"""Acknowledging a task (issue 10): a CSRF form on the tasks page, for every role that owns
a duty, audited; nobody acknowledges a task they cannot see."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support import audit_rows, is_login_redirect, login, make_staff, post_form
from tests.web.test_legal_pages import make_person
from tests.web.test_roster_tasks_pages import make_task


def duty_task(app, kind, role):
    from casework.extensions import db
    from casework.models import Task
    from casework.models.base import utcnow

    with app.app_context():
        task = Task(kind=kind, urgent=False, due_at=utcnow() + timedelta(days=3),
                    owner_role=role, duty_key=f"{kind}:test")
        db.session.add(task)
        db.session.commit()
        return task.public_id


def task_row(app, public_id):
    from casework.extensions import db
    from casework.models import Task

    with app.app_context():
        return db.session.scalar(select(Task).where(Task.public_id == public_id))


def test_the_caseworker_acknowledges_an_urgent_task(app, client):
    worker = make_staff(app, "caseworker")
    case_code = make_person(app, worker)
    task_id = make_task(app, case_code, "urgent_safety_after_release", urgent=True)
    login(client, app, worker)
    page = client.get("/tasks/").get_data(as_text=True)
    assert f'action="/tasks/{task_id}/acknowledge"' in page and "Acknowledge" in page
    # Without the CSRF token: refused (the session ends), nothing changes.
    assert is_login_redirect(client.post(f"/tasks/{task_id}/acknowledge"))
    assert task_row(app, task_id).acknowledged_at is None
    login(client, app, worker)
    response = post_form(client, "/tasks/", f"/tasks/{task_id}/acknowledge",
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Acknowledged:" in page and f'action="/tasks/{task_id}/acknowledge"' not in page
    row = task_row(app, task_id)
    assert row.acknowledged_by == worker.public_id and row.done_at is None
    assert [r.object_ref for r in audit_rows(app, "task.acknowledge")] == [task_id]


def test_someone_elses_task_cannot_be_acknowledged(app, client):
    worker, other = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    task_id = make_task(app, make_person(app, worker), "safety_plan_review")
    login(client, app, other)
    assert post_form(client, "/tasks/", f"/tasks/{task_id}/acknowledge").status_code == 404
    assert post_form(client, "/tasks/", "/tasks/nonexistent/acknowledge").status_code == 404
    assert task_row(app, task_id).acknowledged_at is None


def test_role_duties_for_the_director_liaison_and_auditor(app, client):
    gap = duty_task(app, "oncall_gap", "director")
    checkpoint = duty_task(app, "audit_checkpoint_due", "auditor")
    privacy = duty_task(app, "privacy_review_waiting", "privacy_reviewer")
    director = make_staff(app, "director")
    login(client, app, director)
    page = client.get("/tasks/duties").get_data(as_text=True)
    assert "Nobody is on call for part of the next 14 days" in page
    assert checkpoint not in page and privacy not in page
    response = post_form(client, "/tasks/duties", f"/tasks/{gap}/acknowledge")
    assert response.status_code == 302 and response.location.endswith("/tasks/duties")
    assert task_row(app, gap).acknowledged_by == director.public_id

    auditor = make_staff(app, "auditor")
    fresh = app.test_client()
    login(fresh, app, auditor)
    page = fresh.get("/tasks/duties").get_data(as_text=True)
    assert "Make a signed audit checkpoint" in page and gap not in page
    # The privacy review goes to those who may review (intel.write): the liaison.
    liaison = app.test_client()
    login(liaison, app, make_staff(app, "liaison"))
    page = liaison.get("/tasks/duties").get_data(as_text=True)
    assert "waiting for its privacy review" in page
    assert liaison.get("/tasks/").status_code == 403  # the care roles' page stays theirs


def test_break_glass_review_is_done_when_acknowledged(app, client):
    task_id = duty_task(app, "break_glass_review", "director")
    director = make_staff(app, "director")
    login(client, app, director)
    post_form(client, "/tasks/duties", f"/tasks/{task_id}/acknowledge")
    row = task_row(app, task_id)
    assert row.done_at is not None and row.done_by == director.public_id


def test_notifications_of_tasks_are_content_free(app, client):
    from casework.extensions import db
    from casework.models import Staff
    from casework.services import notifications
    from tests.support import service_ctx

    worker = make_staff(app, "caseworker")
    with app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.public_id == worker.public_id))
        for kind in ("task_new", "task_reminder", "task_escalated"):
            notifications.notify(service_ctx(app), staff, kind, object_ref="f" * 32)
        db.session.commit()
    login(client, app, worker)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "A new task is waiting for you." in page
    assert "Reminder: a task of yours is due soon." in page
    assert "passed on to you" in page and 'href="/tasks/duties"' in page
    assert "f" * 32 not in page


def test_a_roles_duty_is_not_silenced_with_done(app, client):
    """A privacy review closes when the entry is reviewed, not when a caseworker clicks."""
    privacy = duty_task(app, "privacy_review_waiting", "privacy_reviewer")
    login(client, app, make_staff(app, "caseworker"))
    page = client.get("/tasks/").get_data(as_text=True)
    assert f'action="/tasks/{privacy}/acknowledge"' in page
    assert f'action="/tasks/{privacy}/done"' not in page
    assert post_form(client, "/tasks/", f"/tasks/{privacy}/done").status_code == 404
    assert task_row(app, privacy).done_at is None
