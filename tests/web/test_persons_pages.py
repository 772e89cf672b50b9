"""Person records through the pages: registration, access, break-glass, search."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.support import csrf_token, login, make_staff, post_form


def local_today() -> str:
    """Typed dates are local days (casework.services.clock)."""
    from casework.models.base import utcnow
    from casework.services import clock

    return clock.local_day(utcnow()).isoformat()


PERSON = {"full_name": "Айгүл Нұрланқызы Садықова", "aliases": "Aigul Sadykova",
          "date_of_birth": "17.05.1990", "dob_source": "document", "gender": "female",
          "phones": "+7 701 555 12 34",
          "placement": "Umit shelter", "safe_channel": "in_person", "code_word": "apricot"}


def register(client, data=None):
    response = post_form(client, "/persons/new", data=data or PERSON)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.location.rsplit("/", 1)[-1]


def test_register_and_view(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    page = client.get(f"/persons/{code}").get_data(as_text=True)
    assert "Айгүл Нұрланқызы Садықова" in page and "apricot" in page


def test_gender_has_no_default(app, client):
    login(client, app, make_staff(app, "caseworker"))
    page = client.get("/persons/new").get_data(as_text=True)
    assert not re.search(r'name="gender"[^>]*checked', page)
    data = dict(PERSON)
    data.pop("gender")
    response = post_form(client, "/persons/new", data=data)
    assert response.status_code == 422


def test_other_caseworker_gets_break_glass_page_then_access(app, client):
    from casework.extensions import db
    from casework.models import Notification

    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    director = make_staff(app, "director")
    other = app.test_client()
    login(other, app, make_staff(app, "caseworker"))
    refused = other.get(f"/persons/{code}")
    assert refused.status_code == 403
    assert "Садықова" not in refused.get_data(as_text=True)
    short = other.post(f"/persons/{code}/break-glass", data={
        "csrf_token": csrf_token(refused.get_data(as_text=True)), "reason": "urgent"})
    assert short.status_code == 422
    granted = other.post(f"/persons/{code}/break-glass", data={
        "csrf_token": csrf_token(refused.get_data(as_text=True)),
        "reason": "Police called at night about her safety; the assigned worker is off."})
    assert granted.status_code == 302
    assert "Садықова" in other.get(f"/persons/{code}").get_data(as_text=True)
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind).join(
            __import__("casework.models", fromlist=["Staff"]).Staff).where(
            __import__("casework.models", fromlist=["Staff"]).Staff.public_id ==
            director.public_id)).all()
    assert kinds == ["break_glass"]


def test_roles_without_identity_access(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    for role in ("liaison", "auditor", "director"):
        other = app.test_client()
        login(other, app, make_staff(app, role))
        assert other.get(f"/persons/{code}").status_code == 403
        assert other.get("/persons/").status_code == 403


def test_search_is_post_and_limited_to_my_people(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    found = post_form(client, "/persons/", "/persons/search", data={"query": "Aigül"})
    assert code in found.get_data(as_text=True)
    other = app.test_client()
    login(other, app, make_staff(app, "caseworker"))
    nothing = post_form(other, "/persons/", "/persons/search", data={"query": "Aigul"})
    assert code not in nothing.get_data(as_text=True)
    assert client.get("/persons/search").status_code in (404, 405)


def test_unknown_case_code_is_404(app, client):
    login(client, app, make_staff(app, "caseworker"))
    assert client.get("/persons/S-XXXXXX").status_code == 404


def test_screening_interview_and_lock(app, client):
    from casework.extensions import db
    from casework.models import Interview

    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    bad = post_form(client, f"/persons/{code}/screening", data={
        "legal_context": "x", "perpetrators": "y", "person_perspective": "z",
        "acts": ["recruitment"], "purposes": ["forced_labour"], "could_leave": "no",
        "outcome": "trafficking", "rationale": "Deceived about the job and could not leave."})
    assert bad.status_code == 422  # adult without means
    ok = post_form(client, f"/persons/{code}/screening", data={
        "legal_context": "x", "perpetrators": "y", "person_perspective": "z",
        "acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour"],
        "could_leave": "no", "outcome": "trafficking",
        "rationale": "Deceived about the job and could not leave."})
    assert ok.status_code == 302
    # No interview without the notice.
    page = client.get(f"/persons/{code}/interviews/new")
    assert page.status_code == 422
    response = client.post(f"/persons/{code}/interviews/new", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "notice": "",
        "interviewee_role": "victim", "place_type": "shelter", "held_on": local_today(),
        "narrative": "She was recruited through an online advert."})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    notice = post_form(client, f"/persons/{code}/notice", data={
        "language": "kk", "response": "acknowledged"})
    assert notice.status_code == 302
    form = client.get(notice.location)
    saved = client.post(notice.location.split("?")[0], data={
        "csrf_token": csrf_token(form.get_data(as_text=True)),
        "notice": notice.location.split("notice=")[1], "interviewee_role": "victim",
        "place_type": "shelter", "held_on": local_today(),
        "narrative": "She was recruited through an online advert."})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    interview_url = saved.location
    page = client.get(interview_url).get_data(as_text=True)
    assert "online advert" in page
    unconfirmed = client.post(interview_url + "/sign-off", data={"csrf_token": csrf_token(page)})
    assert unconfirmed.status_code == 400  # issue 13.6: locking needs "Yes, I am sure"
    signed = client.post(interview_url + "/sign-off", data={"csrf_token": csrf_token(page),
                                                            "confirmed": "yes"})
    assert signed.status_code == 302
    edit = client.get(interview_url + "/edit")
    changed = client.post(interview_url + "/edit", data={
        "csrf_token": csrf_token(edit.get_data(as_text=True)), "interviewee_role": "victim",
        "place_type": "shelter", "held_on": local_today(), "narrative": "Changed."})
    assert changed.status_code == 409
    assert "online advert" in client.get(interview_url).get_data(as_text=True)


def _signed_interview(client, code):
    notice = post_form(client, f"/persons/{code}/notice", data={
        "language": "ru", "response": "acknowledged"})
    form = client.get(notice.location)
    saved = client.post(notice.location.split("?")[0], data={
        "csrf_token": csrf_token(form.get_data(as_text=True)),
        "notice": notice.location.split("notice=")[1], "interviewee_role": "victim",
        "place_type": "shelter", "held_on": local_today(), "narrative": "Recruited online."})
    return saved.location


ENTRY = {"kind": "thematic", "subject_area": "recruitment_methods",
         "source_evaluation": "2", "intel_assessment": "A", "handling_code": "C",
         "statement": "reported_fact", "time": "2026", "time_granularity": "year",
         "place": "Kazakhstan", "place_granularity": "country"}


def test_thematic_entry_from_interview(app, client):
    from casework.extensions import db
    from casework.models import IntelEntry

    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    interview = _signed_interview(client, code)
    page = client.get(interview + "/intel")
    assert page.status_code == 200
    # The person's name in the other script is found and nothing is saved.
    refused = client.post(interview + "/intel", data={
        **ENTRY, "csrf_token": csrf_token(page.get_data(as_text=True)),
        "text": "Aigul was recruited through an online advert for cafe work."})
    assert refused.status_code == 422
    assert "name" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IntelEntry)) == 0
    saved = client.post(interview + "/intel", data={
        **ENTRY, "csrf_token": csrf_token(page.get_data(as_text=True)),
        "text": "Young women are recruited through online adverts for cafe work abroad."})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        entry = db.session.scalars(select(IntelEntry)).one()
        assert entry.source_type == "victim_or_close_person" and entry.source_token
        assert entry.privacy_status == "pending"
