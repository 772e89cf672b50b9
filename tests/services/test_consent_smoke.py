"""Consent, clearance, consultation, risk and meetings through the services."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from casework.domain.consent import NOTICES_29, NOTICES_HTCDS, Purpose, ShareLevel
from casework.domain.legal import (
    JUDICIAL_MEASURES,
    PHYSICAL_MEASURES,
    UNIT_QUESTIONS,
    WITNESS_NOTICES,
    Concern,
    LegalOption,
    PersonDecision,
    UnitRecommendation,
)
from casework.domain.meetings import PlaceType
from casework.models import DisclosureItem, DisclosureRequest, Staff
from casework.services import consents, legal, meetings, persons, police_units, risk
from casework.services.errors import ServiceError

PDF = b"%PDF-1.4 signed consent form"


def _setup(ctx):
    person = persons.register(ctx, names=["Айгерім Омарова"], date_of_birth="1996-06-06",
                              phones=[], profile={"gender": "female"})
    unit = police_units.create(ctx, name="Anti-Trafficking Unit, Almaty", jurisdiction="KZ")
    return person, unit


def _consent_input(unit, **changes):
    data = dict(purposes=frozenset({Purpose.INVESTIGATION}),
                recipient_units=frozenset({unit.public_id}), share_level=ShareLevel.SPECIFIC,
                identity_allowed=False, identity_at_persons_request=False, valid_until=None,
                notices=frozenset(NOTICES_29 + NOTICES_HTCDS), language="kk", interpreter="",
                witness="Dana (caseworker)")
    data.update(changes)
    return consents.ConsentInput(**data)


def test_consent_record_and_withdraw_stops_disclosure(app, ctx):
    person, unit = _setup(ctx)
    folder = app.extensions["senim.settings"].attachments_path
    consent = consents.record(ctx, folder, person, _consent_input(unit),
                              form_stream=io.BytesIO(PDF), form_filename="form.pdf",
                              max_bytes=10_000)
    request = DisclosureRequest(reference="D-TEST01", unit_id=unit.id, purpose="x",
                                status="submitted", drafted_by="someone", drafted_at=ctx.now)
    ctx.session.add(request)
    ctx.session.flush()
    ctx.session.add(DisclosureItem(request_id=request.id, entry_public_id="e" * 32,
                                   person_id=person.id, consent_id=consent.id))
    ctx.session.flush()
    stopped = consents.withdraw(ctx, person, consent)
    assert [r.reference for r in stopped] == ["D-TEST01"]
    assert request.status == "stopped" and request.stop_reason == "consent_withdrawn"
    assert consents.ledger(ctx, person)[0].withdrawn_at is not None
    with pytest.raises(ServiceError):
        consents.withdraw(ctx, person, consent)


def test_consent_needs_signed_form_and_notices(app, ctx):
    person, unit = _setup(ctx)
    folder = app.extensions["senim.settings"].attachments_path
    with pytest.raises(ServiceError):
        consents.record(ctx, folder, person, _consent_input(unit), form_stream=None,
                        form_filename="", max_bytes=10_000)
    with pytest.raises(ServiceError):
        consents.record(ctx, folder, person, _consent_input(unit, notices=frozenset()),
                        form_stream=io.BytesIO(PDF), form_filename="f.pdf", max_bytes=10_000)


def test_clearance_before_consultation(ctx):
    person, unit = _setup(ctx)
    data = legal.ConsultationInput(unit=None, options_explained=frozenset(
        o.value for o in LegalOption), notices_given=legal.CONSULTATION_NOTICES,
        decision=PersonDecision.UNDECIDED, notes="")
    with pytest.raises(ServiceError):
        legal.record_consultation(ctx, person, data)
    psychologist = Staff(public_id="p" * 32, role="psychologist")
    legal.clear(ctx, psychologist, person, "Stable enough to discuss options.")
    legal.record_consultation(ctx, person, data)
    assert [d.decision for d in legal.decisions(ctx, person)] == ["undecided"]


def test_unit_assessment_and_witness_review(ctx):
    person, unit = _setup(ctx)
    police_units.assess(ctx, unit, answers={q: {"answer": "yes", "note": ""}
                                            for q in UNIT_QUESTIONS},
                        recommendation=UnitRecommendation.CAUTION,
                        valid_until=date.today() + timedelta(days=180))
    assert police_units.current_assessment(ctx, unit) is not None
    review = legal.record_witness_review(
        ctx, person, concerns={c.value: "noted" for c in Concern},
        measures={m: {"availability": "unknown", "status": "not_considered"}
                  for m in PHYSICAL_MEASURES + JUDICIAL_MEASURES},
        recommendation="Testify only by video link.", persons_view="Afraid of the trial.",
        next_deadline=date.today() + timedelta(days=14),
        notices_told=frozenset(WITNESS_NOTICES))
    assert legal.witness_reviews(ctx, person)[0][0].id == review.id


def test_privileged_notes_only_for_legal_advisers(ctx):
    person, _ = _setup(ctx)
    adviser = Staff(public_id="a" * 32, role="legal_adviser")
    legal.add_privileged_note(ctx, adviser, person, "Privileged strategy.")
    assert legal.privileged_notes(ctx, adviser, person)[0][1] == "Privileged strategy."
    for role in ("caseworker", "psychologist", "liaison", "director", "auditor"):
        with pytest.raises(ServiceError):
            legal.privileged_notes(ctx, Staff(public_id="x" * 32, role=role), person)


def test_risk_assessment_and_meeting_at_protected_address(ctx):
    person, unit = _setup(ctx)
    row = risk.record(ctx, person, risk.RiskInput(
        unit=unit, categories={"case_significant_details": "travel dates",
                               "personal_identity_data": "none shared",
                               "details_known_only_to_the_person": "tattoo withheld"},
        unit_assessment_note="caution", harm_to_others="sister at home",
        staff_safety="low", residual="medium", mitigations="withhold dates"))
    assert risk.latest_valid(ctx, person, unit).id == row.id
    with pytest.raises(ServiceError):
        risk.record(ctx, person, risk.RiskInput(
            unit=unit, categories={}, unit_assessment_note="", harm_to_others="",
            staff_safety="", residual="none", mitigations=""))
    meetings.add_protected_address(ctx, label="Shelter", address="ул. Абая, 15")
    liaison = _liaison(ctx)
    police_units.assess(ctx, unit, answers={q: {"answer": "yes", "note": ""}
                                            for q in UNIT_QUESTIONS},
                        recommendation=UnitRecommendation.CAUTION,
                        valid_until=date.today() + timedelta(days=180))
    with pytest.raises(ServiceError):
        meetings.arrange(ctx, person, meetings.MeetingInput(
            unit=unit, scheduled_for=ctx.now + timedelta(days=2),
            place="Абая улица 15, 2nd floor", place_type=PlaceType.NEUTRAL_OFFICE,
            lawyer_question_asked=True, lawyer_wanted=True, attendees="", liaison=liaison))
    meetings.arrange(ctx, person, meetings.MeetingInput(
        unit=unit, scheduled_for=ctx.now + timedelta(days=2), place="Court building, room 4",
        place_type=PlaceType.COURT, lawyer_question_asked=True, lawyer_wanted=False,
        attendees="", liaison=liaison))


def _liaison(ctx):
    from casework.domain.roles import Role
    from casework.services import accounts, roster

    staff, _ = accounts.create_staff(ctx, email=f"liaison-{id(ctx)}@t.kz", display_name="L",
                                     role=Role.LIAISON, password="correct horse battery 99")
    roster.designate(ctx, staff, "liaison")
    return staff


def test_meeting_refused_at_protected_address_in_latin_script(ctx):
    """Rule 106 across scripts: the shelter recorded in Cyrillic, the place typed in Latin."""
    person, unit = _setup(ctx)
    meetings.add_protected_address(ctx, label="Shelter", address="ул. Абая, 15")
    with pytest.raises(ServiceError):
        meetings.arrange(ctx, person, meetings.MeetingInput(
            unit=unit, scheduled_for=ctx.now + timedelta(days=1), place="Abaya street 15",
            place_type=PlaceType.NEUTRAL_OFFICE, lawyer_question_asked=True,
            lawyer_wanted=False, attendees=""))
