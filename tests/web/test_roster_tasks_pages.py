"""The liaison roster (rules 1-7), my tasks after police feedback (rules 110-112) and the
recall notices owed to a unit after a consent is withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.support import (
    approve_pending,
    csrf_token,
    login,
    make_staff,
    post_form,
    service_ctx,
    update_table,
)
from tests.web.test_legal_pages import make_person
from tests.web.test_mou_pages import POLICE_MOBILE, make_unit, register_version, terms_toml

LOCAL = ZoneInfo("Asia/Almaty")
FORMAT = "%Y-%m-%dT%H:%M"


def named_liaison(app, name):
    user = make_staff(app, "liaison")
    update_table(app, "staff", {"display_name": name}, public_id=user.public_id)
    return user


def local(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime(FORMAT)


def designate(client, public_id, kind):
    return post_form(client, "/roster/", "/roster/designate",
                     {"liaison": public_id, "designation": kind})


def add_shift(client, public_id, starts, ends):
    return post_form(client, "/roster/", "/roster/shifts",
                     {"on_call": public_id, "starts_at": local(starts), "ends_at": local(ends)})


def test_director_designates_and_schedules_and_the_liaison_sees_who_is_on_duty(app, client):
    aigerim = named_liaison(app, "Aigerim Liaison")
    daniyar = named_liaison(app, "Daniyar Deputy")
    unit_id = make_unit(app)
    register_version(app, unit_id, terms_toml())
    login(client, app, make_staff(app, "director"))
    second = app.test_client()
    login(second, app, make_staff(app, "director"))
    assert designate(client, aigerim.public_id, "liaison").status_code == 302
    assert designate(client, daniyar.public_id, "deputy").status_code == 302
    # Release power waits for a second director (issue 11).
    assert "Aigerim Liaison" not in client.get("/roster/").get_data(as_text=True).split(
        'id="now"')[1].split("</section>")[0]
    assert len(approve_pending(second, "designation")) == 2
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    response = add_shift(client, aigerim.public_id, now - timedelta(hours=1),
                         now + timedelta(hours=3))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert len(approve_pending(second, "shift")) == 1

    from casework.extensions import db
    from casework.models import OnCallShift

    with app.app_context():
        shift = db.session.scalar(select(OnCallShift))
        # Entered in local time, stored as naive UTC.
        assert shift.starts_at == (now - timedelta(hours=1)).replace(tzinfo=None)

    client.post("/auth/logout", data={"csrf_token": csrf_token(
        client.get("/").get_data(as_text=True))})
    login(client, app, daniyar)
    page = client.get("/roster/").get_data(as_text=True)
    on_duty = page.split('id="now"')[1].split("</section>")[0]
    assert "Aigerim Liaison" in on_duty and "Daniyar Deputy" not in on_duty
    assert POLICE_MOBILE in on_duty and "Duty officer, ATU" in on_duty
    gaps = page.split('id="gaps"')[1].split("</section>")[0]
    # Shown as DD.MM.YYYY HH:MM in the organisation's zone (issue 13.11).
    ends_local = (now + timedelta(hours=3)).astimezone(LOCAL).strftime("%d.%m.%Y %H:%M")
    assert f"Nobody on call from {ends_local}" in gaps
    assert "roster-gaps" in gaps
    assert 'action="/roster/designate"' not in page  # no management forms for the liaison
    assert 'action="/roster/shifts"' not in page


def test_nobody_on_duty_is_an_alarm_and_the_whole_fortnight_is_a_gap(app, client):
    login(client, app, make_staff(app, "liaison"))
    page = client.get("/roster/").get_data(as_text=True)
    assert "Nobody is on duty right now" in page
    assert "Nobody on call from" in page


def test_only_liaison_role_staff_can_be_designated(app, client):
    caseworker = make_staff(app, "caseworker")
    login(client, app, make_staff(app, "director"))
    response = designate(client, caseworker.public_id, "liaison")
    assert response.status_code == 422
    from casework.extensions import db
    from casework.models import LiaisonDesignation

    with app.app_context():
        assert db.session.scalar(select(LiaisonDesignation)) is None


def test_a_shift_for_someone_not_designated_or_backwards_is_refused(app, client):
    aigerim = named_liaison(app, "Aigerim Liaison")
    login(client, app, make_staff(app, "director"))
    designate(client, aigerim.public_id, "liaison")
    second = app.test_client()
    login(second, app, make_staff(app, "director"))
    approve_pending(second, "designation")
    now = datetime.now(UTC)
    response = add_shift(client, aigerim.public_id, now + timedelta(hours=3), now)
    assert response.status_code == 422
    assert "A shift must end after it starts" in response.get_data(as_text=True)


def test_ending_a_designation(app, client):
    aigerim = named_liaison(app, "Aigerim Liaison")
    login(client, app, make_staff(app, "director"))
    designate(client, aigerim.public_id, "liaison")
    second = app.test_client()
    login(second, app, make_staff(app, "director"))
    approve_pending(second, "designation")
    page = client.get("/roster/").get_data(as_text=True)
    assert "Nobody else is on duty" in page  # issue 13.6: the last one on duty is warned
    refused = post_form(client, "/roster/", f"/roster/designations/{aigerim.public_id}/end")
    assert refused.status_code == 400 and "needs your confirmation" in refused.get_data(
        as_text=True)
    response = post_form(client, "/roster/", f"/roster/designations/{aigerim.public_id}/end",
                         data={"confirmed": "yes"}, follow_redirects=True)
    assert "is no longer designated" in response.get_data(as_text=True)
    assert "No liaison is designated." in response.get_data(as_text=True)


def test_a_caseworker_cannot_designate_or_see_the_roster(app, client):
    aigerim = named_liaison(app, "Aigerim Liaison")
    login(client, app, make_staff(app, "caseworker"))
    assert client.get("/roster/").status_code == 403
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/roster/designate", data={
        "csrf_token": token, "liaison": aigerim.public_id, "designation": "liaison"})
    assert response.status_code == 403


def test_the_liaison_cannot_designate(app, client):
    aigerim = named_liaison(app, "Aigerim Liaison")
    login(client, app, aigerim)
    token = csrf_token(client.get("/roster/").get_data(as_text=True))
    response = client.post("/roster/designate", data={
        "csrf_token": token, "liaison": aigerim.public_id, "designation": "liaison"})
    assert response.status_code == 403


# --- tasks ------------------------------------------------------------------------------


def make_task(app, case_code, kind, *, urgent=False, due=timedelta(days=2)):
    from casework.extensions import db
    from casework.models import Person, Task
    from casework.models.base import utcnow

    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.case_code == case_code))
        task = Task(person_id=person.id, kind=kind, urgent=urgent, object_ref="D-TEST-1",
                    due_at=utcnow() + due)
        db.session.add(task)
        db.session.commit()
        return task.public_id


def test_my_tasks_urgent_first_with_a_banner_and_done(app, client):
    worker = make_staff(app, "caseworker")
    other = make_staff(app, "caseworker")
    case_code = make_person(app, worker)
    make_task(app, case_code, "inform_person_arrest", due=timedelta(hours=1))
    urgent_id = make_task(app, case_code, "urgent_safety_after_release", urgent=True,
                          due=timedelta(days=1))
    login(client, app, worker)
    page = client.get("/tasks/").get_data(as_text=True)
    assert 'class="task-banner"' in page
    assert "A suspect was released: review this person's safety now" in page
    urgent_at = page.index("task urgent")
    assert urgent_at < page.index("Tell the person that a suspect was arrested")
    assert f'href="/persons/{case_code}"' in page

    # Issue 13.6: an urgent task closes only confirmed and with a note of what was done.
    refused = post_form(client, "/tasks/", f"/tasks/{urgent_id}/done",
                        data={"note": "Called her."})
    assert refused.status_code == 400
    no_note = post_form(client, "/tasks/", f"/tasks/{urgent_id}/done",
                        data={"confirmed": "yes", "note": "  "})
    assert no_note.status_code == 422
    assert "Write what was done" in no_note.get_data(as_text=True)
    response = post_form(client, "/tasks/", f"/tasks/{urgent_id}/done",
                         data={"confirmed": "yes", "note": "Called her; she is safe."},
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Marked as done" in page
    assert 'class="task-banner"' not in page
    assert "Tell the person that a suspect was arrested" in page

    from casework.extensions import db
    from casework.models import Task

    with app.app_context():
        row = db.session.scalar(select(Task).where(Task.public_id == urgent_id))
        assert row.done_at is not None and row.done_by == worker.public_id

    client.post("/auth/logout", data={"csrf_token": csrf_token(page)})
    login(client, app, other)
    page = client.get("/tasks/").get_data(as_text=True)
    assert case_code not in page and "No open tasks" in page


def test_someone_elses_task_cannot_be_marked_done(app, client):
    worker = make_staff(app, "caseworker")
    other = make_staff(app, "caseworker")
    task_id = make_task(app, make_person(app, worker), "safety_plan_review", urgent=True)
    login(client, app, other)
    response = post_form(client, "/tasks/", f"/tasks/{task_id}/done",
                         data={"confirmed": "yes", "note": "Done."})
    assert response.status_code == 404


def test_every_task_kind_has_a_label(app, client):
    from casework.web.tasks import TASK_LABELS

    worker = make_staff(app, "psychologist")
    case_code = make_person(app, worker)
    kinds = ["inform_person_arrest", "inform_person_charge", "inform_person_outcome",
             "urgent_safety_after_release", "safety_plan_review",
             "tell_person_emergency_disclosure"]
    assert set(kinds) <= set(TASK_LABELS)
    for kind in kinds:
        make_task(app, case_code, kind)
    login(client, app, worker)
    page = client.get("/tasks/").get_data(as_text=True)
    for kind in kinds:
        assert str(TASK_LABELS[kind]) in page


def test_tasks_are_for_care_roles(app, client):
    login(client, app, make_staff(app, "liaison"))
    assert client.get("/tasks/").status_code == 403


# --- recall notices ---------------------------------------------------------------------


def make_recall(app, unit_id):
    from casework.extensions import db
    from casework.models import DisclosurePackage, DisclosureRequest, RecallNotice
    from casework.models.base import utcnow
    from casework.services import police_units

    with app.app_context():
        unit = police_units.get(service_ctx(app), unit_id)
        request = DisclosureRequest(reference="D-2026-0007", unit_id=unit.id,
                                    purpose="rescue_victims", status="released",
                                    drafted_by="x" * 32)
        db.session.add(request)
        db.session.flush()
        package = DisclosurePackage(request_id=request.id, package_uuid="u" * 36,
                                    storage_name="s" * 40, sha256="0" * 64, size=1,
                                    released_by="y" * 32, feedback_token="t" * 40)
        db.session.add(package)
        db.session.flush()
        notice = RecallNotice(package_id=package.id, reason="consent_withdrawn",
                              due_at=utcnow() + timedelta(days=5))
        db.session.add(notice)
        db.session.commit()
        return notice.public_id


def test_recall_notices_for_the_liaison(app, client):
    unit_id = make_unit(app, name="Unit Recall Test")
    notice_id = make_recall(app, unit_id)
    liaison = make_staff(app, "liaison")
    login(client, app, liaison)
    page = client.get("/tasks/recalls").get_data(as_text=True)
    assert "Unit Recall Test" in page and "D-2026-0007" in page
    assert "The person withdrew their consent" in page and "Due " in page
    response = post_form(client, "/tasks/recalls", f"/tasks/recalls/{notice_id}/sent",
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "No recall notices are waiting." in page
    assert post_form(client, "/tasks/recalls",
                     f"/tasks/recalls/{notice_id}/sent").status_code == 404


def test_recall_notices_are_not_for_caseworkers(app, client):
    login(client, app, make_staff(app, "caseworker"))
    assert client.get("/tasks/recalls").status_code == 403


def test_nav_links_by_role(app, client):
    login(client, app, make_staff(app, "caseworker"))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/tasks/"' in page and 'href="/mou/"' not in page
    assert 'href="/roster/"' not in page
    client.post("/auth/logout", data={"csrf_token": csrf_token(page)})
    login(client, app, make_staff(app, "liaison"))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/mou/"' in page and 'href="/roster/"' in page
    assert 'href="/tasks/"' not in page
