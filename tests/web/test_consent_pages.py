"""Consent, clearance, risk assessments, police meetings and protected addresses through the
pages (CSRF on, real sign-in)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from casework.domain.consent import NOTICES_29, NOTICES_HTCDS
from tests.support import csrf_token, login, make_staff, post_form, service_ctx

PDF = b"%PDF-1.4\n% signed consent form of the person\n%%EOF\n"
PERSON = {"full_name": "Гүлназ Серікқызы Омарова", "date_of_birth": "03.02.1995",
          "dob_source": "document", "gender": "female", "code_word": "juniper"}
CHILD = {"full_name": "Әсел Маратқызы", "estimated_age": "15", "is_minor": "y",
         "gender": "female"}
PROTECTED_MESSAGE = ("This is one of the organisation&#39;s protected addresses. Meet at a safe, "
                     "neutral place instead.")


def register(client, data=None) -> str:
    response = post_form(client, "/persons/new", data=data or PERSON)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.location.rsplit("/", 1)[-1]


def make_unit(app, name="Anti-Trafficking Unit, Almaty") -> str:
    from casework.extensions import db
    from casework.services import police_units

    with app.app_context():
        unit = police_units.create(service_ctx(app), name=name, jurisdiction="KZ")
        db.session.commit()
        return unit.public_id


def assign(app, case_code: str, staff_public_id: str) -> None:
    from casework.extensions import db
    from casework.models import Person, Staff
    from casework.services import access

    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.case_code == case_code))
        staff = db.session.scalar(select(Staff).where(Staff.public_id == staff_public_id))
        access.assign(service_ctx(app), person, staff)
        db.session.commit()


def count(app, model) -> int:
    from casework.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def consent_data(unit: str, **changes):
    data = {"purposes": ["investigate_traffickers", "rescue_victims"],
            "recipient_units": [unit], "share_level": "specific",
            "notices_29": list(NOTICES_29), "notices_htcds": list(NOTICES_HTCDS),
            "language": "kk", "witness": "Dana, caseworker",
            "signed_form": (io.BytesIO(PDF), "signed-form.pdf")}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def record_consent(client, code: str, unit: str, **changes) -> str:
    response = post_form(client, f"/persons/{code}/consents/new",
                         data=consent_data(unit, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.location.rsplit("/", 1)[-1]


@pytest.fixture
def caseworker(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    return user


def test_record_consent_with_signed_pdf_and_see_it(app, client, caseworker):
    from casework.models import Consent

    unit = make_unit(app)
    code = register(client)
    form = client.get(f"/persons/{code}/consents/new")
    page = form.get_data(as_text=True)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert "Never suggest this" in page  # rule 13 warning
    assert "legal representative" not in page  # not a child: no child fields
    consent_id = record_consent(client, code, unit)
    assert count(app, Consent) == 1
    detail = client.get(f"/persons/{code}/consents/{consent_id}")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "Active" in text and "To investigate and prosecute the traffickers" in text
    assert "Anti-Trafficking Unit, Almaty" in text and "Dana, caseworker" in text
    assert "Withdraw consent" in text
    record = client.get(f"/persons/{code}").get_data(as_text=True)
    assert 'id="consent"' in record and consent_id in record
    assert "status-active" in record
    # The signed form was stored encrypted and comes back through the guarded route.
    link = f"/persons/{code}/attachments/"
    start = text.index(link)
    url = text[start:text.index('"', start)]
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    # Another caseworker, not assigned, cannot fetch the signed form.
    other = app.test_client()
    login(other, app, make_staff(app, "caseworker"))
    refused = other.get(url)
    assert refused.status_code == 403 and PDF not in refused.data
    assert other.get(f"/persons/{code}/consents/{consent_id}").status_code == 403


def test_missing_signed_form_is_422_and_nothing_saved(app, client, caseworker):
    from casework.models import Attachment, Consent

    unit = make_unit(app)
    code = register(client)
    response = post_form(client, f"/persons/{code}/consents/new",
                         data=consent_data(unit, signed_form=None))
    assert response.status_code == 422
    assert "Upload the signed consent form" in response.get_data(as_text=True)
    assert count(app, Consent) == 0 and count(app, Attachment) == 0


def test_form_of_the_wrong_kind_and_missing_notices_are_refused(app, client, caseworker):
    from casework.models import Consent

    unit = make_unit(app)
    code = register(client)
    audio = post_form(client, f"/persons/{code}/consents/new", data=consent_data(
        unit, signed_form=(io.BytesIO(b"ID3\x03\x00\x00\x00 recording"), "form.pdf")))
    assert audio.status_code == 422
    assert "PNG or JPEG photo" in audio.get_data(as_text=True)
    notices = post_form(client, f"/persons/{code}/consents/new",
                        data=consent_data(unit, notices_htcds=[]))
    assert notices.status_code == 422
    assert "About their data" in notices.get_data(as_text=True)
    identity = post_form(client, f"/persons/{code}/consents/new",
                         data=consent_data(unit, identity_allowed="y"))
    assert identity.status_code == 422
    assert "asked for it themselves" in identity.get_data(as_text=True)
    assert count(app, Consent) == 0


def test_child_without_representative_consent_is_refused(app, client, caseworker):
    from casework.models import Consent

    unit = make_unit(app)
    code = register(client, CHILD)
    page = client.get(f"/persons/{code}/consents/new").get_data(as_text=True)
    assert "s own consent" in page and "legal representative" in page
    child = {"representative": "Mother, Gulmira", "representative_type": "parent",
             "best_interests": "Stopping the recruiters protects her and her sisters.",
             "child_consent": "obtained",
             "child_view": "She wants the people who did this to be stopped.",
             "child_age_and_maturity": "15, understood the questions well."}
    refused = post_form(client, f"/persons/{code}/consents/new",
                        data=consent_data(unit, **child))
    assert refused.status_code == 422
    assert "legal representative must consent too" in refused.get_data(as_text=True)
    assert count(app, Consent) == 0
    no = post_form(client, f"/persons/{code}/consents/new", data=consent_data(
        unit, **{**child, "representative_consented": "y", "child_consent": "refused"}))
    assert no.status_code == 422
    assert "The child did not agree" in no.get_data(as_text=True)
    assert count(app, Consent) == 0
    record_consent(client, code, unit, **{**child, "representative_consented": "y"})
    assert count(app, Consent) == 1


def test_withdraw_in_one_step_stops_pending_disclosure(app, client, caseworker):
    from casework.extensions import db
    from casework.models import (
        Consent,
        DisclosureItem,
        DisclosureRequest,
        Notification,
        Person,
        PoliceUnit,
        Staff,
    )

    unit = make_unit(app)
    code = register(client)
    consent_id = record_consent(client, code, unit)
    drafter = make_staff(app, "liaison")
    with app.app_context():
        consent = db.session.scalar(select(Consent).where(Consent.public_id == consent_id))
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        unit_row = db.session.scalar(select(PoliceUnit).where(PoliceUnit.public_id == unit))
        request = DisclosureRequest(reference="D-PEND01", unit_id=unit_row.id,
                                    purpose="investigate_traffickers", status="submitted",
                                    drafted_by=drafter.public_id)
        db.session.add(request)
        db.session.flush()
        db.session.add(DisclosureItem(request_id=request.id, entry_public_id="e" * 32,
                                      person_id=person.id, consent_id=consent.id))
        db.session.commit()
    detail = f"/persons/{code}/consents/{consent_id}"
    response = post_form(client, detail, f"{detail}/withdraw", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The consent was withdrawn" in text
    assert "Disclosures being prepared under it that were stopped: 1." in text
    assert "Withdrawn on" in text and "Withdraw consent" not in text
    with app.app_context():
        rows = db.session.scalars(select(Consent)).all()
        assert len(rows) == 1 and rows[0].withdrawn_at is not None  # history kept
        assert rows[0].withdrawn_by == caseworker.public_id
        stopped = db.session.scalar(select(DisclosureRequest))
        assert (stopped.status, stopped.stop_reason) == ("stopped", "consent_withdrawn")
        kinds = db.session.scalars(select(Notification.kind).join(Staff).where(
            Staff.public_id == drafter.public_id)).all()
        assert kinds == ["disclosure_stopped"]
    record = client.get(f"/persons/{code}").get_data(as_text=True)
    assert "status-withdrawn" in record
    # A second withdrawal changes nothing and says why.
    again = post_form(client, detail, f"{detail}/withdraw", follow_redirects=True)
    assert "has been withdrawn" in again.get_data(as_text=True)


def test_role_matrix(app, client, caseworker):
    from casework.models import Clearance

    unit = make_unit(app)
    code = register(client)
    consent_id = record_consent(client, code, unit)
    risk_ok = post_form(client, f"/persons/{code}/risk/new", data=_risk_data(unit))
    assert risk_ok.status_code == 302
    risk_id = risk_ok.location.rsplit("/", 1)[-1]
    liaison = ready_for_meetings(app, unit)
    meeting = post_form(client, f"/persons/{code}/meetings/new",
                        data=_meeting_data(unit, liaison=liaison))
    assert meeting.status_code == 302
    meeting_id = meeting.location.rsplit("/", 1)[-1]
    post_form(client, meeting.location, meeting.location + "/content",
              data={"content": "Named the driver, Bolat."})
    token = csrf_token(client.get(f"/persons/{code}").get_data(as_text=True))
    # The caseworker cannot clear: that is the psychologist's.
    assert client.post(f"/persons/{code}/clearance",
                       data={"csrf_token": token}).status_code == 403

    psychologist = make_staff(app, "psychologist")
    assign(app, code, psychologist.public_id)
    psy = app.test_client()
    login(psy, app, psychologist)
    record = psy.get(f"/persons/{code}").get_data(as_text=True)
    assert "Record a written consent" not in record and "Clear for a consultation" in record
    for url in (f"/persons/{code}/consents/new", f"/persons/{code}/risk/new",
                f"/persons/{code}/meetings/new"):
        assert psy.get(url).status_code == 403
    assert psy.get(f"/persons/{code}/consents/{consent_id}").status_code == 200
    seen = psy.get(f"/persons/{code}/meetings/{meeting_id}")
    assert seen.status_code == 200 and "Bolat" not in seen.get_data(as_text=True)  # rule 87
    psy_token = csrf_token(record)
    assert psy.post(f"/persons/{code}/consents/{consent_id}/withdraw",
                    data={"csrf_token": psy_token}).status_code == 403
    cleared = psy.post(f"/persons/{code}/clearance", data={
        "csrf_token": psy_token, "note": "Stable; ready to hear about the options."},
        follow_redirects=True)
    assert cleared.status_code == 200 and "Cleared by" in cleared.get_data(as_text=True)
    assert count(app, Clearance) == 1
    again = psy.post(f"/persons/{code}/clearance", data={"csrf_token": psy_token},
                     follow_redirects=True)
    assert "already cleared" in again.get_data(as_text=True) and count(app, Clearance) == 1
    withdrawn = psy.post(f"/persons/{code}/clearance/withdraw",
                         data={"csrf_token": psy_token}, follow_redirects=True)
    assert "The clearance was withdrawn" in withdrawn.get_data(as_text=True)

    adviser = make_staff(app, "legal_adviser")
    assign(app, code, adviser.public_id)
    lawyer = app.test_client()
    login(lawyer, app, adviser)
    assert lawyer.get(f"/persons/{code}/consents/new").status_code == 200
    assert lawyer.get(f"/persons/{code}/risk/new").status_code == 200
    assert lawyer.get(f"/persons/{code}/meetings/new").status_code == 200

    gets = [f"/persons/{code}/consents/new", f"/persons/{code}/consents/{consent_id}",
            f"/persons/{code}/risk/new", f"/persons/{code}/risk/{risk_id}",
            f"/persons/{code}/meetings/new", f"/persons/{code}/meetings/{meeting_id}"]
    posts = [f"/persons/{code}/consents/new", f"/persons/{code}/consents/{consent_id}/withdraw",
             f"/persons/{code}/clearance", f"/persons/{code}/clearance/withdraw",
             f"/persons/{code}/risk/new", f"/persons/{code}/meetings/new",
             f"/persons/{code}/meetings/{meeting_id}/content"]
    for role in ("liaison", "director", "auditor"):
        other = app.test_client()
        login(other, app, make_staff(app, role))
        for url in gets:
            assert other.get(url).status_code == 403, (role, url)
        other_token = csrf_token(other.get("/").get_data(as_text=True))
        for url in posts:
            assert other.post(url, data={"csrf_token": other_token}).status_code == 403, \
                (role, url)
    assert client.get("/organisation/addresses").status_code == 403


def _risk_data(unit: str, **changes):
    data = {"unit": unit, "case_significant_details": "Travel dates; withheld.",
            "personal_identity_data": "Name and phone; never shared.",
            "details_known_only_to_the_person": "The tattoo; withheld.",
            "unit_assessment_note": "Unit assessed: caution.",
            "harm_to_others": "Her sister lives near the recruiter.",
            "staff_safety": "Low.", "residual": "medium",
            "mitigations": "Generalise the dates to the month."}
    data.update(changes)
    return data


def ready_for_meetings(app, unit: str, *, code: str | None = None,
                       recommendation: str = "cooperation_recommended") -> str:
    """Issue 9: the unit assessed, a designated liaison (returned) and, with ``code``, a
    current risk assessment for the person and the unit."""
    from datetime import timedelta

    from sqlalchemy import select

    from casework.domain.legal import UNIT_QUESTIONS, UnitRecommendation
    from casework.extensions import db
    from casework.models import Person
    from casework.services import police_units, risk, roster

    liaison = make_staff(app, "liaison")
    with app.app_context():
        c = service_ctx(app)
        unit_row = police_units.get(c, unit)
        police_units.assess(c, unit_row, answers={q: {"answer": "yes", "note": ""}
                                                  for q in UNIT_QUESTIONS},
                            recommendation=UnitRecommendation(recommendation),
                            valid_until=c.now.date() + timedelta(days=90))
        from casework.models import Staff

        roster.designate(c, db.session.scalar(select(Staff).where(
            Staff.public_id == liaison.public_id)), "liaison")
        if code is not None:
            person = db.session.scalar(select(Person).where(Person.case_code == code))
            risk.record(c, person, risk.RiskInput(
                unit=unit_row, categories={"case_significant_details": "dates",
                                           "personal_identity_data": "none",
                                           "details_known_only_to_the_person": "none"},
                unit_assessment_note="ok", harm_to_others="none", staff_safety="low",
                residual="medium", mitigations=""))
        db.session.commit()
    return liaison.public_id


def _meeting_data(unit: str, **changes):
    data = {"unit": unit, "scheduled_for": "2031-03-04T10:30",
            "place": "Court building, room 4", "place_type": "court",
            "lawyer_question_asked": "y", "lawyer_wanted": "yes",
            "attendees": "Investigator; our legal consultant."}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_risk_with_residual_none_is_refused(app, client, caseworker):
    from casework.models import RiskAssessment

    unit = make_unit(app)
    code = register(client)
    form = client.get(f"/persons/{code}/risk/new").get_data(as_text=True)
    assert "never &#34;none&#34;" in form or "never \"none\"" in form
    assert 'value="none"' not in form
    response = post_form(client, f"/persons/{code}/risk/new",
                         data=_risk_data(unit, residual="none"))
    assert response.status_code == 422
    assert "It can never be &#39;none&#39;" in response.get_data(as_text=True)
    incomplete = post_form(client, f"/persons/{code}/risk/new",
                           data=_risk_data(unit, staff_safety=""))
    assert incomplete.status_code == 422
    assert count(app, RiskAssessment) == 0
    ok = post_form(client, f"/persons/{code}/risk/new", data=_risk_data(unit))
    assert ok.status_code == 302
    detail = client.get(ok.location).get_data(as_text=True)
    assert "Valid until" in detail and "Generalise the dates to the month." in detail
    assert count(app, RiskAssessment) == 1


def test_meeting_at_a_protected_address_is_refused(app, client, caseworker):
    from casework.models import PoliceMeeting

    director = app.test_client()
    login(director, app, make_staff(app, "director"))
    assert "Protected addresses" in director.get("/").get_data(as_text=True)
    added = post_form(director, "/organisation/addresses",
                      data={"label": "Shelter 1", "address": "ул. Абая, 15"},
                      follow_redirects=True)
    assert added.status_code == 200 and "ул. Абая, 15" in added.get_data(as_text=True)

    unit = make_unit(app)
    code = register(client)
    refused = post_form(client, f"/persons/{code}/meetings/new",
                        data=_meeting_data(unit, place="Абая улица 15, 2nd floor",
                                           place_type="neutral_office"))
    assert refused.status_code == 422
    assert PROTECTED_MESSAGE in refused.get_data(as_text=True)
    shelter = post_form(client, f"/persons/{code}/meetings/new",
                        data=_meeting_data(unit, place_type="shelter"))
    assert shelter.status_code == 422
    assert "Never meet police at a shelter" in shelter.get_data(as_text=True)
    not_asked = post_form(client, f"/persons/{code}/meetings/new",
                          data=_meeting_data(unit, lawyer_question_asked=None,
                                             lawyer_wanted=None))
    assert not_asked.status_code == 422
    assert "legal consultant at the meeting" in not_asked.get_data(as_text=True)
    assert count(app, PoliceMeeting) == 0

    liaison = ready_for_meetings(app, unit, code=code)
    ok = post_form(client, f"/persons/{code}/meetings/new",
                   data=_meeting_data(unit, liaison=liaison))
    assert ok.status_code == 302
    saved = post_form(client, ok.location, ok.location + "/content",
                      data={"content": "She described the recruiter's car."},
                      follow_redirects=True)
    assert "She described the recruiter&#39;s car." in saved.get_data(as_text=True)
    assert count(app, PoliceMeeting) == 1
    # The director's list is the director's only.
    assert client.get("/organisation/addresses").status_code == 403
