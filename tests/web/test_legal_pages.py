"""Legal pages: police units, consultation after clearance, decisions, compensation, witness
protection and privileged notes (rules 26-47, 70, 109)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from casework.domain.consent import NOTICES_29, NOTICES_32
from casework.domain.legal import (
    JUDICIAL_MEASURES,
    PHYSICAL_MEASURES,
    UNIT_QUESTIONS,
    WITNESS_NOTICES,
    Concern,
    LegalOption,
    UnitRecommendation,
)
from tests.support import bearer, csrf_token, login, make_staff, make_token, post_form, service_ctx

ALL_OPTIONS = [o.value for o in LegalOption]
CANARY = "CANARY-privileged-7f3a9c-strategy"


def _staff(c, login_):
    from casework.services import accounts

    return accounts.by_public_id(c, login_.public_id)


def make_person(app, *assigned):
    """A person assigned to each of the given members of staff; returns the case code."""
    from casework.extensions import db
    from casework.services import access, persons

    with app.app_context():
        c = service_ctx(app, actor=assigned[0].public_id if assigned else None)
        person = persons.register(c, names=["Гүлнара Ахметова"], date_of_birth="1994-03-08",
                                  phones=[], profile={"gender": "female"})
        for member in assigned:
            access.assign(c, person, _staff(c, member))
        db.session.commit()
        return person.case_code


def clear(app, case_code):
    """A psychologist clears the person for a legal consultation (rule 28)."""
    from casework.extensions import db
    from casework.models import Person
    from casework.services import legal

    psychologist = make_staff(app, "psychologist")
    with app.app_context():
        c = service_ctx(app, actor=psychologist.public_id)
        person = db.session.scalar(select(Person).where(Person.case_code == case_code))
        legal.clear(c, _staff(c, psychologist), person, "Stable enough to discuss options.")
        db.session.commit()


def make_unit(app, *, recommendation=UnitRecommendation.CAUTION, assessed=True,
              note="Desk officer Bekov is reliable", name="Anti-Trafficking Unit, Almaty"):
    from casework.extensions import db
    from casework.services import police_units

    with app.app_context():
        c = service_ctx(app, actor="d" * 32)
        unit = police_units.create(c, name=name, jurisdiction="Almaty")
        if assessed:
            police_units.assess(c, unit, answers={q: {"answer": "partly", "note": note}
                                                  for q in UNIT_QUESTIONS},
                                recommendation=recommendation,
                                valid_until=date.today() + timedelta(days=90))
        db.session.commit()
        return unit.public_id


def consultation_data(**changes):
    data = {"unit": "", "options_explained": ALL_OPTIONS, "notices_29": list(NOTICES_29),
            "notices_32": list(NOTICES_32), "decision": "undecided",
            "notes": "Explained all five options; she wants time."}
    data.update(changes)
    return data


def count(app, model):
    from casework.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def adviser_with_person(app, client):
    adviser = make_staff(app, "legal_adviser")
    login(client, app, adviser)
    return adviser, make_person(app, adviser)


# --- Consultation -------------------------------------------------------------------------


def test_no_consultation_before_the_psychologist_clears(app, client):
    from casework.models import LegalConsultation, LegalDecision

    _, code = adviser_with_person(app, client)
    url = f"/persons/{code}/legal/consultation"
    page = client.get(url)
    assert page.status_code == 200
    message = "A psychologist must clear this person for a legal consultation first."
    assert message in page.get_data(as_text=True)
    refused = post_form(client, url, data=consultation_data())
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    assert count(app, LegalConsultation) == 0 and count(app, LegalDecision) == 0
    clear(app, code)
    assert message not in client.get(url).get_data(as_text=True)
    saved = post_form(client, url, data=consultation_data())
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert saved.location.endswith(f"/persons/{code}#legal")
    assert count(app, LegalConsultation) == 1 and count(app, LegalDecision) == 1
    record = client.get(f"/persons/{code}").get_data(as_text=True)
    assert "Has not decided yet" in record and "she wants time" in record


def test_every_option_and_notice_must_be_given(app, client):
    from casework.models import LegalConsultation

    _, code = adviser_with_person(app, client)
    clear(app, code)
    url = f"/persons/{code}/legal/consultation"
    page = client.get(url).get_data(as_text=True)
    for option in ALL_OPTIONS:  # each option is a checkbox with a human label and its help
        assert f'value="{option}"' in page
    for text in ("Give information to the police through our organisation",
                 "Act as a witness in a criminal case", "Claim compensation", "Do nothing",
                 "Our help does not depend on it"):
        assert text in page
    for notice in NOTICES_29 + NOTICES_32:
        assert f'value="{notice}"' in page
    missing_option = post_form(client, url, data=consultation_data(
        options_explained=ALL_OPTIONS[:-1]))
    assert missing_option.status_code == 422
    assert "Explain every option to the person" in missing_option.get_data(as_text=True)
    missing_notice = post_form(client, url, data=consultation_data(
        notices_32=list(NOTICES_32[:2])))
    assert missing_notice.status_code == 422
    assert "all seven points" in missing_notice.get_data(as_text=True)
    assert count(app, LegalConsultation) == 0


def test_a_unit_without_a_current_assessment_cannot_be_discussed(app, client):
    from casework.models import LegalConsultation

    _, code = adviser_with_person(app, client)
    clear(app, code)
    unassessed = make_unit(app, assessed=False, name="District police, Shymkent")
    url = f"/persons/{code}/legal/consultation"
    page = client.get(url).get_data(as_text=True)
    assert "District police, Shymkent (no current assessment)" in page
    refused = post_form(client, url, data=consultation_data(unit=unassessed))
    assert refused.status_code == 422
    assert "has no current assessment" in refused.get_data(as_text=True)
    assert count(app, LegalConsultation) == 0


def test_the_unit_assessment_is_shown_before_the_form(app, client):
    from casework.extensions import db
    from casework.models import LegalConsultation

    _, code = adviser_with_person(app, client)
    clear(app, code)
    unit = make_unit(app, recommendation=UnitRecommendation.NOT_RECOMMENDED,
                     note="Leaked a statement in 2025")
    url = f"/persons/{code}/legal/consultation"
    page = client.get(url).get_data(as_text=True)
    form_at = page.index('class="record legal-form"')
    assert -1 < page.index("Leaked a statement in 2025") < form_at
    assert -1 < page.index("Cooperation not recommended") < form_at
    assert "never stand in" in page[:form_at]
    # Rule 109: "not recommended" warns; it does not stop the person's choice.
    saved = post_form(client, url, data=consultation_data(
        unit=unit, decision="intelligence_directly_to_police"))
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(LegalConsultation))
        assert row.unit_assessment_id is not None
    record = client.get(f"/persons/{code}").get_data(as_text=True)
    assert "Anti-Trafficking Unit, Almaty" in record
    assert "Leaked a statement" not in record  # the assessment stays on the units pages


def test_decision_revised_twice_keeps_history(app, client):
    from casework.extensions import db
    from casework.models import LegalDecision

    _, code = adviser_with_person(app, client)
    clear(app, code)
    assert post_form(client, f"/persons/{code}/legal/consultation",
                     data=consultation_data()).status_code == 302
    record = f"/persons/{code}"
    first = post_form(client, record, f"/persons/{code}/legal/decision",
                      data={"decision": "act_as_witness", "note": "After talking to her mother."})
    assert first.status_code == 302
    second = post_form(client, record, f"/persons/{code}/legal/decision",
                       data={"decision": "do_nothing", "note": "Threats from the recruiter."})
    assert second.status_code == 302
    bad = post_form(client, record, f"/persons/{code}/legal/decision",
                    data={"decision": "sue_everyone"})
    assert bad.status_code == 302
    with app.app_context():
        decisions = db.session.scalars(select(LegalDecision.decision)
                                       .order_by(LegalDecision.id)).all()
    assert decisions == ["undecided", "act_as_witness", "do_nothing"]
    page = client.get(record).get_data(as_text=True)
    section = page[page.index('id="legal"'):]
    positions = [section.index(label) for label in (
        "Do nothing for now", "Act as a witness", "Has not decided yet")]
    assert positions == sorted(positions)  # newest first, all kept
    assert "Threats from the recruiter." in section and "After talking to her mother." in section


def test_compensation_tracker(app, client):
    from casework.models import CompensationEvent

    _, code = adviser_with_person(app, client)
    record = f"/persons/{code}"
    for status in ("filed", "hearing"):
        response = post_form(client, record, f"/persons/{code}/legal/compensation", data={
            "route": "civil", "status": status, "occurred_on": "2026-03-01",
            "note": f"Step {status} noted"})
        assert response.status_code == 302
    bad = post_form(client, record, f"/persons/{code}/legal/compensation", data={
        "route": "tribal", "status": "filed", "occurred_on": "2026-03-01"})
    assert bad.status_code == 302
    assert count(app, CompensationEvent) == 2
    page = client.get(record).get_data(as_text=True)
    assert "Separate civil claim" in page and "Hearing" in page and "Step filed noted" in page


def witness_data(**changes):
    data = {f"concern_{c.value}": f"Concern about {c.value}" for c in Concern}
    for m in PHYSICAL_MEASURES + JUDICIAL_MEASURES:
        data[f"availability_{m}"] = "in_law_only"
        data[f"status_{m}"] = "recommended"
    data.update(recommendation="Testify only by video link.",
                persons_view="Afraid to see him in court.",
                next_deadline=(date.today() + timedelta(days=10)).isoformat(),
                notices_told=list(WITNESS_NOTICES))
    data.update(changes)
    return data


def test_witness_review_with_every_measure_and_history(app, client):
    from casework.extensions import db
    from casework.models import Person, WitnessReview
    from casework.services import legal

    _, code = adviser_with_person(app, client)
    url = f"/persons/{code}/legal/witness"
    page = client.get(url).get_data(as_text=True)
    for m in PHYSICAL_MEASURES + JUDICIAL_MEASURES:
        assert f'name="availability_{m}"' in page and f'name="status_{m}"' in page
    for label in ("Change of identity", "Testimony by video link",
                  "Fear of being in the traffickers' presence"):
        assert label.replace("'", "&#39;") in page or label in page
    missing = post_form(client, url, data=witness_data(concern_personal_safety=""))
    assert missing.status_code == 422
    # Issue 9, item 9: the limits of protection are told, and recorded as told.
    assert "A pseudonym or a hidden name does not fully protect" in page
    untold = post_form(client, url, data=witness_data(notices_told=list(WITNESS_NOTICES[:2])))
    assert untold.status_code == 422
    assert "Tell the person the limits of protection" in untold.get_data(as_text=True)
    assert count(app, WitnessReview) == 0
    first = post_form(client, url, data=witness_data())
    assert first.status_code == 302, first.get_data(as_text=True)[:3000]
    second = post_form(client, url, data=witness_data(
        status_remote_testimony="granted", recommendation="Video link granted; prepare her."))
    assert second.status_code == 302
    assert count(app, WitnessReview) == 2
    with app.app_context():
        c = service_ctx(app)
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        latest = legal.witness_reviews(c, person)[0][1]
    assert set(latest["measures"]) == set(PHYSICAL_MEASURES + JUDICIAL_MEASURES)
    assert latest["measures"]["remote_testimony"] == {"availability": "in_law_only",
                                                      "status": "granted"}
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="legal-version"') == 2  # both versions in the history
    assert "Video link granted; prepare her." in page and "Testify only by video link." in page
    # The form starts from the latest version.
    assert re.search(r'name="status_remote_testimony"[^>]*>(?:(?!</select>).)*'
                     r'<option selected value="granted">',
                     page, re.S)
    record = client.get(f"/persons/{code}").get_data(as_text=True)
    deadline = (date.today() + timedelta(days=10)).strftime("%d.%m.%Y")  # issue 13.11
    assert f"Next deadline: {deadline}" in record and "version 2" in record


# --- Privileged notes ---------------------------------------------------------------------


def test_privileged_notes_are_for_legal_advisers_only(app, client):
    adviser, code = adviser_with_person(app, client)
    url = f"/persons/{code}/legal/privileged"
    empty = post_form(client, url, data={"text": "  "})
    assert empty.status_code == 422
    saved = post_form(client, url, data={"text": CANARY})
    assert saved.status_code == 302
    assert CANARY in client.get(url).get_data(as_text=True)
    record = client.get(f"/persons/{code}").get_data(as_text=True)
    assert "Privileged notes (1)" in record and url in record
    assert CANARY not in record  # the count and the link, never the text

    others = {role: make_staff(app, role) for role in (
        "caseworker", "psychologist", "liaison", "director", "auditor")}
    # Give the care roles the record itself, so the test shows the section hides the notes.
    code_shared = code
    from casework.extensions import db
    from casework.models import Person
    from casework.services import access

    with app.app_context():
        c = service_ctx(app)
        person = db.session.scalar(select(Person).where(Person.case_code == code_shared))
        for role in ("caseworker", "psychologist"):
            access.assign(c, person, _staff(c, others[role]))
        db.session.commit()

    for role, member in others.items():
        browser = app.test_client()
        login(browser, app, member)
        token = csrf_token(browser.get("/").get_data(as_text=True))
        for method in ("GET", "POST"):
            refused = browser.open(url, method=method, data={"csrf_token": token,
                                                             "text": "x"})
            assert refused.status_code == 403, (role, method)
            assert CANARY not in refused.get_data(as_text=True)
        page = browser.get(f"/persons/{code}")
        html = page.get_data(as_text=True)
        assert page.status_code == (200 if role in ("caseworker", "psychologist") else 403)
        assert CANARY not in html
        assert "/legal/privileged" not in html
        assert "rivileged" not in html, role  # not even that they exist
        _assert_api_never_shows(app, member, code)

    # Another legal adviser who does not work with the person gets the break-glass page.
    stranger = app.test_client()
    login(stranger, app, make_staff(app, "legal_adviser"))
    refused = stranger.get(url)
    assert refused.status_code == 403 and CANARY not in refused.get_data(as_text=True)
    _assert_api_never_shows(app, adviser, code)


def _assert_api_never_shows(app, member, code):
    """Every API GET the member can reach, with this person's code, lacks the canary."""
    token = make_token(app, member)
    api = app.test_client()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "GET" not in (rule.methods or ()):
            continue
        url = rule.rule.replace("<case_code>", code)
        url = re.sub(r"<[^>]+>", "0" * 32, url)
        response = api.get(url, headers=bearer(token))
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        assert CANARY not in body, (member.role, url)
        if member.role != "auditor":  # the audit trail names actions, never their content
            assert "privileged" not in body.lower(), (member.role, url)


# --- Police units -------------------------------------------------------------------------


def assessment_form(**changes):
    data = {f"answer_{q}": "yes" for q in UNIT_QUESTIONS}
    data.update({f"note_{q}": f"Note on {q}" for q in UNIT_QUESTIONS})
    data.update(recommendation="cooperation_with_caution",
                valid_until=(date.today() + timedelta(days=120)).isoformat())
    data.update(changes)
    return data


def test_the_director_assesses_a_unit(app, client):
    from casework.models import PoliceUnit, UnitAssessment

    login(client, app, make_staff(app, "director"))
    assert 'href="/units/"' in client.get("/").get_data(as_text=True)
    created = post_form(client, "/units/new", data={"name": "Migration Police, Astana",
                                                    "jurisdiction": "Astana"})
    assert created.status_code == 302
    assess_url = created.location
    unit_id = assess_url.rstrip("/").split("/")[-2]
    incomplete = post_form(client, assess_url, data=assessment_form(
        answer_corruption_risk=""))
    assert incomplete.status_code == 422
    past = post_form(client, assess_url, data=assessment_form(valid_until="2020-01-01"))
    assert past.status_code == 422
    assert "a date in the future" in past.get_data(as_text=True)
    saved = post_form(client, assess_url, data=assessment_form(
        note_corruption_risk="Officer linked to a recruiter in 2024"))
    assert saved.status_code == 302 and saved.location.endswith(f"/units/{unit_id}")
    again = post_form(client, assess_url, data=assessment_form(
        recommendation="cooperation_not_recommended", answer_corruption_risk="yes",
        note_corruption_risk="Second officer named by two survivors"))
    assert again.status_code == 302
    assert count(app, PoliceUnit) == 1 and count(app, UnitAssessment) == 2
    page = client.get(f"/units/{unit_id}").get_data(as_text=True)
    current, earlier = page.split('id="history"')
    assert "Second officer named by two survivors" in current
    assert "Cooperation not recommended" in current
    assert "Officer linked to a recruiter in 2024" in earlier  # the past one, decrypted
    for q in UNIT_QUESTIONS:
        assert f"Note on {q}" in page or q == "corruption_risk"
    listing = client.get("/units/").get_data(as_text=True)
    assert "Migration Police, Astana" in listing and "Cooperation not recommended" in listing


def test_only_legal_advisers_and_the_director_see_units(app, client):
    unit = make_unit(app, note="Sensitive view of the unit")
    for role in ("liaison", "caseworker", "psychologist", "auditor"):
        browser = app.test_client()
        login(browser, app, make_staff(app, role))
        for url in ("/units/", "/units/new", f"/units/{unit}", f"/units/{unit}/assess"):
            response = browser.get(url)
            assert response.status_code == 403, (role, url)
            assert "Sensitive view of the unit" not in response.get_data(as_text=True)
        assert 'href="/units/"' not in browser.get("/").get_data(as_text=True)
    login(client, app, make_staff(app, "legal_adviser"))
    assert "Sensitive view of the unit" in client.get(f"/units/{unit}").get_data(as_text=True)
    assert client.get("/units/nope").status_code == 404
