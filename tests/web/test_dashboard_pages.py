"""The home page answers "what must I do now?" for every role; the menu counts what waits;
a person's page carries a banner while an urgent task about them is open (issue 10)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.support import (
    bearer,
    csrf_token,
    login,
    make_staff,
    make_token,
    post_form,
    service_ctx,
)
from tests.web.test_disclosure_pages import act, draft, make_world, signed_in
from tests.web.test_legal_pages import make_person

RELEASE_LABEL = "A suspect was released: review this person"


def _staff(c, user):
    from casework.services import accounts

    return accounts.by_public_id(c, user.public_id)


def add_task(app, case_code=None, *, kind="urgent_safety_after_release", urgent=True,
             due=timedelta(hours=4), owner=None, owner_role=None, level=0):
    """An open task as the case-event and duty services make them; returns its id."""
    from casework.extensions import db
    from casework.models import Person, Task

    with app.app_context():
        c = service_ctx(app)
        person = db.session.scalar(select(Person).where(Person.case_code == case_code)) \
            if case_code else None
        task = Task(person_id=person.id if person else None, kind=kind, urgent=urgent,
                    object_ref="EV-1", created_at=c.now, due_at=c.now + due,
                    owner_staff_id=_staff(c, owner).id if owner else None,
                    owner_role=owner_role, escalation_level=level)
        db.session.add(task)
        db.session.commit()
        return task.public_id


def section(html: str, name: str) -> str:
    """One block of the home page (empty when the block is absent)."""
    match = re.search(rf'<section id="{name}"[^>]*>(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def nav(html: str) -> str:
    return html.split('<nav aria-label="Main">')[1].split("</nav>")[0]


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- caseworker -----------------------------------------------------------------------------


def test_caseworker_sees_the_urgent_task_first_with_the_case_code_and_the_counter(app, client):
    worker = make_staff(app, "caseworker")
    mine = make_person(app, worker)
    add_task(app, mine, kind="inform_person_charge", urgent=False, due=timedelta(days=2))
    add_task(app, mine)
    login(client, app, worker)
    html = home(client)
    now_block = section(html, "now")
    assert RELEASE_LABEL in now_block and mine in now_block
    assert "Asia/Almaty" in now_block  # the due time in local time, zone labelled
    # The urgent block comes before the other tasks.
    assert html.index('id="now"') < html.index('id="tasks"')
    assert "Tell the person that a suspect was charged" in section(html, "tasks")
    # The counter on "Tasks" in the menu, with an accessible label.
    menu = nav(html)
    assert re.search(r'href="/tasks/">Tasks <span class="nav-count nav-count-tasks">'
                     r'<span aria-hidden="true">2</span><span class="visually-hidden">'
                     r'\(2 open tasks\)</span>', menu), menu
    # The account links are still there.
    assert "See where you are signed in" in html and "Change your password" in html
    # Notifications: the release notified nobody here (the task was made directly), so
    # no unread counter.
    assert "nav-count-unread" not in menu


def test_caseworker_never_sees_tasks_or_people_not_assigned_to_them(app, client):
    worker, other = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    mine, theirs = make_person(app, worker), make_person(app, other)
    add_task(app, theirs)
    add_task(app, theirs, owner_role="caseworker")  # a role task about someone else's person
    login(client, app, worker)
    html = home(client)
    assert theirs not in html
    assert RELEASE_LABEL not in html
    assert "nav-count-tasks" not in nav(html)
    assert "Nothing is waiting for you now." in html
    # The person's page of someone else's person is refused, banner or not.
    assert client.get(f"/persons/{theirs}").status_code == 403
    assert mine not in html  # no task, no deadline: nothing about my person either


def test_a_task_owned_by_the_caseworker_about_a_person_they_cannot_read_hides_the_person(
        app, client):
    worker, other = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    theirs = make_person(app, other)
    add_task(app, theirs, owner=worker)
    login(client, app, worker)
    html = home(client)
    assert RELEASE_LABEL in section(html, "now")
    assert theirs not in html and "EV-1" not in html
    api = client.get("/api/v1/dashboard", headers=bearer(make_token(app, worker)))
    assert api.status_code == 200
    task = api.get_json()["tasks"][0]
    assert task["case_code"] is None and task["ref"] is None


def test_the_banner_on_the_persons_page_while_an_urgent_task_is_open(app, client):
    worker = make_staff(app, "caseworker")
    mine = make_person(app, worker)
    login(client, app, worker)
    page = client.get(f"/persons/{mine}").get_data(as_text=True)
    assert "person-banner" not in page
    task_id = add_task(app, mine)
    page = client.get(f"/persons/{mine}").get_data(as_text=True)
    banner = re.search(r'<p class="task-banner person-banner" role="alert"[^>]*>(.*?)</p>',
                       page, re.S)
    assert banner, page[:3000]
    text = banner.group(1)
    assert RELEASE_LABEL in text and "(Asia/Almaty)" in text
    assert re.search(r"due \d\d\.\d\d\.\d{4} \d\d:\d\d \(Asia/Almaty\)", text), text
    assert 'href="/tasks/"' in text
    # Done: the banner goes.
    tasks_page = client.get("/tasks/").get_data(as_text=True)
    response = client.post(f"/tasks/{task_id}/done",
                           data={"csrf_token": csrf_token(tasks_page), "confirmed": "yes",
                                 "note": "Called her; she is safe at the shelter."})
    assert response.status_code == 302
    assert "person-banner" not in client.get(f"/persons/{mine}").get_data(as_text=True)


def test_safety_plan_review_and_consent_deadlines_in_the_next_seven_days(app, client):
    from casework.domain.casenotes import NoteKind
    from casework.extensions import db
    from casework.models import Person
    from casework.services import casenotes

    worker = make_staff(app, "caseworker")
    mine = make_person(app, worker)
    later = make_person(app, worker)
    with app.app_context():
        c = service_ctx(app, actor=worker.public_id)
        for code, days in ((mine, 3), (later, 40)):
            person = db.session.scalar(select(Person).where(Person.case_code == code))
            casenotes.add(c, person, kind=NoteKind.SAFETY_PLAN, body="Plan.",
                          occurred_on=c.now.date(), review_on=c.now.date() + timedelta(days=days))
        db.session.commit()
        due = (c.now.date() + timedelta(days=3)).strftime("%d.%m.%Y")
    login(client, app, worker)
    block = section(home(client), "deadlines")
    assert "Safety plan review" in block and mine in block and due in block
    assert later not in block
    assert f'href="/persons/{mine}#notes"' in block


# --- liaison --------------------------------------------------------------------------------


def test_liaison_on_duty_sees_the_disclosure_to_approve_and_off_duty_does_not(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    drafts = section(home(cw), "drafts")
    assert reference in drafts and f"/disclosures/{reference}" in drafts
    assert act(cw, reference, "submit").status_code == 302
    add_task(app, kind="mou_review", urgent=False, due=timedelta(days=3), owner_role="liaison")

    liaison = signed_in(app, f.liaison)
    html = home(liaison)
    assert "You are on call now." in html
    waiting = section(html, "waiting")
    assert "Disclosure waiting for your approval" in waiting and reference in waiting
    assert f'href="/disclosures/{reference}"' in waiting
    assert "mou_review" in section(html, "tasks") or "MoU" in section(html, "tasks")
    assert 'href="/mou/"' in section(html, "tasks")
    menu = nav(html)
    assert "1 item waiting for you" in menu and "1 open task" in menu
    # Never the person behind the intelligence.
    assert f.case_code not in html and "Tulegenova" not in html

    # Off duty: the shift ends; nothing to approve, no role task, no counter.
    from casework.extensions import db
    from casework.models import OnCallShift, Staff

    with app.app_context():
        staff_id = db.session.scalar(select(Staff.id).where(Staff.public_id == f.liaison.public_id))
        for shift in db.session.scalars(select(OnCallShift).where(
                OnCallShift.staff_id == staff_id)):
            shift.ends_at = shift.starts_at + timedelta(minutes=1)
        db.session.commit()
    html = home(liaison)
    assert "You are not on call now" in html
    assert reference not in html
    assert "nav-count-waiting" not in nav(html) and "nav-count-tasks" not in nav(html)
    api = liaison.get("/api/v1/dashboard", headers=bearer(make_token(app, f.liaison)))
    body = api.get_json()
    assert body["on_duty"] is False and body["waiting"] == [] and body["tasks"] == []
    # The deputy, still on call, has the request waiting.
    deputy = signed_in(app, f.deputy)
    assert reference in section(home(deputy), "waiting")
    # Once escalated, a liaison's duty reaches every designated liaison, on call or not.
    add_task(app, kind="send_recall_notice", urgent=False, owner_role="liaison", level=1)
    tasks = section(home(liaison), "tasks")
    assert "recall" in tasks.lower() and "Escalated" in tasks
    assert 'href="/tasks/recalls"' in tasks


def test_caseworker_sees_a_privacy_review_waiting_for_a_second_person(app):
    from casework.domain.taxonomy import (
        EntryKind,
        Granularity,
        HandlingCode,
        IntelAssessment,
        SourceEvaluation,
        SourceType,
        SubjectArea,
    )
    from casework.extensions import db
    from casework.services import intel

    author, reviewer = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    with app.app_context():
        c = service_ctx(app, actor=author.public_id)
        entry = intel.create_other(c, intel.EntryInput(
            kind=EntryKind.THEMATIC, text="Recruiters advertise cleaning jobs abroad.",
            time="2026", time_granularity=Granularity.YEAR, place="Kazakhstan",
            place_granularity=Granularity.COUNTRY, subject_area=SubjectArea.ROUTES,
            source_type=SourceType.OPEN_SOURCES, source_evaluation=SourceEvaluation.UNTESTED,
            intel_assessment=IntelAssessment.KNOWN_DIRECTLY,
            handling_code=HandlingCode.CONDITIONS))
        db.session.commit()
        reference = entry.reference
    client = signed_in(app, reviewer)
    waiting = section(home(client), "waiting")
    assert "privacy review" in waiting and reference in waiting
    assert f'href="/intel/{reference}"' in waiting
    # The author is not asked to review their own entry.
    assert reference not in home(signed_in(app, author))


# --- director, legal adviser, psychologist, auditor -----------------------------------------


def test_director_sees_coverage_gaps_escalations_and_no_person(app, client):
    from casework.extensions import db
    from casework.services import roster

    director = make_staff(app, "director")
    liaison = make_staff(app, "liaison")
    worker = make_staff(app, "caseworker")
    person = make_person(app, worker)
    with app.app_context():
        c = service_ctx(app, actor=director.public_id)
        roster.designate(c, _staff(c, liaison), "liaison")
        roster.add_shift(c, _staff(c, liaison), c.now - timedelta(hours=1),
                         c.now + timedelta(days=2))
        db.session.commit()
    add_task(app, person, level=2)  # escalated to the director
    add_task(app, kind="on_call_gap", urgent=False, due=timedelta(days=1),
             owner_role="director")
    login(client, app, director)
    html = home(client)
    coverage = section(html, "coverage")
    assert "1 period with nobody on call" in coverage
    assert "Asia/Almaty" in coverage and 'href="/roster/"' in coverage
    assert RELEASE_LABEL in section(html, "now") and "Escalated" in section(html, "now")
    assert person not in html  # the director reads no victim content
    assert 'href="/roster/"' in section(html, "tasks")
    assert "Manage staff accounts" in html


def test_director_sees_an_emergency_disclosure_to_co_sign(app):
    from casework.extensions import db
    from casework.models import DisclosureRequest

    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    with app.app_context():  # submitted as an emergency (the form's own rules aside)
        row = db.session.scalar(select(DisclosureRequest).where(
            DisclosureRequest.reference == reference))
        row.status, row.emergency = "submitted", True
        db.session.commit()
    director = signed_in(app, f.director)
    waiting = section(home(director), "waiting")
    assert "co-signature" in waiting and reference in waiting
    # The liaison waits for the co-signature first.
    assert reference not in section(home(signed_in(app, f.liaison)), "waiting")


def test_legal_adviser_and_psychologist_see_clearance_and_consultation(app):
    from casework.extensions import db
    from casework.models import Person
    from casework.services import legal

    adviser, psychologist = make_staff(app, "legal_adviser"), make_staff(app, "psychologist")
    code = make_person(app, adviser, psychologist)
    psy = signed_in(app, psychologist)
    waiting = section(home(psy), "waiting")
    assert "Clearance wanted before a legal consultation" in waiting and code in waiting
    assert f'href="/persons/{code}#consent"' in waiting
    la = signed_in(app, adviser)
    assert code not in section(home(la), "waiting")
    with app.app_context():
        c = service_ctx(app, actor=psychologist.public_id)
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        legal.clear(c, _staff(c, psychologist), person, "Stable enough to discuss options.")
        db.session.commit()
    waiting = section(home(la), "waiting")
    assert "advise the person" in waiting and code in waiting
    assert f'href="/persons/{code}/legal/consultation"' in waiting
    assert code not in section(home(psy), "waiting")


def test_auditor_sees_nothing_about_people_and_keeps_the_account_links(app, client):
    worker = make_staff(app, "caseworker")
    code = make_person(app, worker)
    add_task(app, code)
    auditor = make_staff(app, "auditor")
    login(client, app, auditor)
    html = home(client)
    assert code not in html and RELEASE_LABEL not in html
    assert "Browse and verify the audit trail" in html
    assert "Change your password" in html


# --- counters, API, statement count -----------------------------------------------------------


def test_unread_notifications_are_counted_in_the_menu(app, client):
    from casework.extensions import db
    from casework.services import notifications

    worker = make_staff(app, "caseworker")
    with app.app_context():
        c = service_ctx(app)
        for _ in range(3):
            notifications.notify(c, _staff(c, worker), "inform_person_charge")
        db.session.commit()
    login(client, app, worker)
    menu = nav(home(client))
    assert "(3 unread notifications)" in menu
    # Only for people signed in.
    assert "nav-count" not in app.test_client().get("/auth/login").get_data(as_text=True)


def test_the_dashboard_api_matches_the_page_and_is_audited(app, client):
    from tests.support import audit_rows

    worker = make_staff(app, "caseworker")
    code = make_person(app, worker)
    task_id = add_task(app, code)
    response = client.get("/api/v1/dashboard", headers=bearer(make_token(app, worker)))
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "caseworker" and body["coverage"] is None
    assert body["counts"]["tasks"] == 1
    assert body["tasks"][0]["id"] == task_id and body["tasks"][0]["case_code"] == code
    assert body["tasks"][0]["due"].endswith("Z")
    assert any(r.action == "view.api.dashboard_read" for r in audit_rows(app))
    assert client.get("/api/v1/dashboard").status_code == 401
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/dashboard"]


@pytest.mark.parametrize("role", ["caseworker", "director", "liaison"])
def test_the_number_of_statements_does_not_grow_with_the_number_of_tasks(app, client, role):
    from casework.extensions import db
    from casework.services import roster

    user = make_staff(app, role)
    worker = user if role == "caseworker" else make_staff(app, "caseworker")
    if role == "liaison":
        with app.app_context():
            c = service_ctx(app)
            roster.designate(c, _staff(c, user), "liaison")
            roster.add_shift(c, _staff(c, user), c.now - timedelta(hours=1),
                             c.now + timedelta(hours=5))
            db.session.commit()
    login(client, app, user)

    def statements() -> int:
        counted = []

        def count(*_args):
            counted.append(1)

        with app.app_context():
            engines = list(db.engines.values())
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/").status_code == 200
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    def more(n: int) -> None:
        for _ in range(n):
            code = make_person(app, worker)
            add_task(app, code, level=2)
            add_task(app, code, urgent=False, owner_role=role, kind="mou_review")

    more(1)
    home(client)  # warm up (first-request work)
    few = statements()
    more(12)
    # Warm up again: time-based writes (the session's last-seen mark, the key-version
    # heartbeat) fall due after a slow setup and would be counted otherwise.
    home(client)
    many = statements()
    assert many == few, (few, many)
    assert few < 40, few


def test_liaison_records_a_release_and_the_caseworker_sees_it_everywhere(app):
    """The acceptance journey through the test client (the browser test does it too)."""
    from tests.web.test_disclosure_pages import release

    f = make_world(app)
    reference, liaison = release(app, f)
    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    response = liaison.post(f"/disclosures/{reference}/feedback", data={
        "csrf_token": csrf_token(page), "kind": "release", "note": "Released on bail."})
    assert response.status_code == 302
    cw = signed_in(app, f.caseworker)
    html = home(cw)
    first = section(html, "now").split("</li>")[0]
    assert RELEASE_LABEL in first and f.case_code in first
    # The release asks for two tasks (the urgent safety review and the safety plan's),
    # and both were notified.
    assert "(2 open tasks)" in nav(html)
    assert "(2 unread notifications)" in nav(html)
    person = cw.get(f"/persons/{f.case_code}").get_data(as_text=True)
    assert "person-banner" in person and RELEASE_LABEL in person


def test_nav_counters_are_absent_for_the_signed_out_and_post_forms_still_work(app, client):
    worker = make_staff(app, "caseworker")
    login(client, app, worker)
    response = post_form(client, "/", "/language", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    html = home(client)
    assert "Сейчас ничего не ждёт ваших действий." in html
    assert "Ваша учётная запись" in html


def test_mou_expiry_and_review_reach_the_director_and_the_liaison_not_the_caseworker(app):
    from datetime import date

    today = date.today()
    f = make_world(app, **{
        "expires_on = 2027-12-31": f"expires_on = {today + timedelta(days=5)}",
        "last_reviewed = 2026-01-01": f"last_reviewed = {today - timedelta(days=400)}"})
    expiry = (today + timedelta(days=5)).strftime("%d.%m.%Y")
    for user in (f.director, f.liaison):
        block = section(home(signed_in(app, user)), "deadlines")
        assert "MoU expires" in block and "Test ATU" in block and expiry in block, block
        assert "MoU review due" in block and "Overdue" in block
        assert 'href="/mou/"' in block
    assert "MoU" not in section(home(signed_in(app, f.caseworker)), "deadlines")


@pytest.mark.parametrize("role", ["caseworker", "liaison", "director", "psychologist",
                                  "legal_adviser", "auditor"])
def test_the_menu_counters_cost_at_most_two_statements(app, role):
    from casework.extensions import db
    from casework.services import dashboard

    user = make_staff(app, role)
    worker = user if role == "caseworker" else make_staff(app, "caseworker")
    for _ in range(3):
        add_task(app, make_person(app, worker))
    with app.app_context():
        c = service_ctx(app)
        staff = _staff(c, user)
        counted = []

        def count(*_args):
            counted.append(1)

        engines = list(db.engines.values())
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        try:
            counts = dashboard.counters(c, staff)
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", count)
    assert len(counted) <= 2, len(counted)
    assert counts.tasks == (3 if role == "caseworker" else 0)


def test_who_sees_a_task_owner_role_escalation_and_the_privacy_reviewers(app):
    worker, colleague = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    psychologist = make_staff(app, "psychologist")
    code = make_person(app, worker, psychologist)
    # Owned by a colleague: not mine until it is escalated to "another assignee".
    add_task(app, code, kind="inform_person_hearing", urgent=False, owner=colleague)
    # A duty for whoever may review intelligence for privacy.
    add_task(app, kind="privacy_review_waiting", urgent=False, owner_role="privacy_reviewer")
    html = home(signed_in(app, worker))
    assert "Tell the person about the court hearing" not in html
    assert "privacy_review_waiting" in section(html, "tasks") or \
        "privacy review" in section(html, "tasks")
    assert 'href="/intel/"' in section(html, "tasks")
    psy_html = home(signed_in(app, psychologist))
    assert "privacy" not in section(psy_html, "tasks")
    assert "Tell the person about the court hearing" not in psy_html

    add_task(app, code, kind="inform_person_hearing", urgent=False, owner=colleague, level=1)
    for user in (worker, psychologist):
        block = section(home(signed_in(app, user)), "tasks")
        assert "Tell the person about the court hearing" in block and code in block


def test_a_pending_grant_waits_for_the_other_director_and_the_auditor_not_the_requester(app):
    from casework.domain.roles import Role
    from casework.extensions import db
    from casework.services import grants

    requester, other = make_staff(app, "director"), make_staff(app, "director")
    auditor = make_staff(app, "auditor")
    with app.app_context():
        c = service_ctx(app, actor=requester.public_id)
        grants.request_account(c, _staff(c, requester), email="new-worker@t.kz",
                               display_name="New worker", role=Role.CASEWORKER,
                               single_administrator=False)
        db.session.commit()
    for user in (other, auditor):
        html = home(signed_in(app, user))
        waiting = section(html, "waiting")
        assert "Grant of access waiting for a second person" in waiting
        assert 'href="/grants/"' in waiting
        assert "(1 item waiting for you)" in nav(html)
    assert "Grant of access" not in home(signed_in(app, requester))
