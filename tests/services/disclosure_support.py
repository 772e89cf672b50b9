"""Builders for disclosure tests: a unit with an active MoU, a liaison on duty, a person
with consent, risk assessment and intelligence entries."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyrage

from casework.domain.consent import NOTICES_29, NOTICES_32, NOTICES_HTCDS, Purpose, ShareLevel
from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
from casework.domain.legal import (
    UNIT_QUESTIONS,
    LegalOption,
    PersonDecision,
    UnitRecommendation,
)
from casework.domain.roles import Role
from casework.domain.taxonomy import (
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
)
from casework.services import (
    access,
    accounts,
    clock,
    consents,
    intel,
    interviews,
    legal,
    mou_versions,
    persons,
    police_units,
    risk,
    roster,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "mou" / "example.toml"
PDF = b"%PDF-1.4 the signed memorandum text"


@dataclass
class World:
    unit: object
    identity: pyrage.x25519.Identity
    liaison: object
    deputy: object
    caseworker: object
    director: object
    person: object
    consent: object
    risk: object
    thematic: object
    specific: object
    folder: Path
    adviser: object = None
    psychologist: object = None


def mou_text(recipient: str, **replace: str) -> str:
    text = EXAMPLE.read_text()
    text = text.replace("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
                        recipient)
    text = text.replace("0" * 64, hashlib.sha256(PDF).hexdigest())
    for old, new in replace.items():
        text = text.replace(old, new)
    # Dates the caller did not set are made relative to today, so the MoU is in force and
    # not overdue for review whenever the suite runs (the example's own dates are fixed).
    from datetime import date

    today = date.today()
    return (text.replace("effective_from = 2026-01-01",
                         f"effective_from = {today - timedelta(days=30)}")
            .replace("last_reviewed = 2026-01-01", f"last_reviewed = {today - timedelta(days=30)}")
            .replace("expires_on = 2027-12-31", f"expires_on = {today + timedelta(days=365)}"))


def build_world(ctx, folder: Path, **mou_changes: str) -> World:
    staff = {}
    for role in ("liaison", "liaison", "caseworker", "director"):
        key = role if role not in staff else "deputy"
        staff[key], _ = accounts.create_staff(ctx, email=f"{key}-{id(staff)}-{len(staff)}@t.kz",
                                              display_name=key, role=Role(role),
                                              password="correct horse battery 99")
    unit = police_units.create(ctx, name="Test ATU", jurisdiction="KZ")
    identity = pyrage.x25519.Identity.generate()
    # The browser tests share one database, and one MoU belongs to one unit: a second
    # world there gets its own MoU code.
    from sqlalchemy import select

    from casework.models import MouVersion

    if ctx.session.scalar(select(MouVersion.id).where(
            MouVersion.mou_code == "MOU-DEMO-POLICE-01")) is not None:
        mou_changes = {'id = "MOU-DEMO-POLICE-01"': f'id = "MOU-T-{unit.public_id[:12]}"',
                       **mou_changes}
    mou_versions.register(ctx, folder, unit, toml_text=mou_text(str(identity.to_public()),
                                                                **mou_changes),
                          pdf=PDF, filename="mou.pdf", max_bytes=1 << 20)
    roster.designate(ctx, staff["liaison"], "liaison")
    roster.designate(ctx, staff["deputy"], "deputy")
    for member in (staff["liaison"], staff["deputy"]):
        roster.add_shift(ctx, member, ctx.now - timedelta(hours=1), ctx.now + timedelta(days=1))
    cw = ctx.as_actor(staff["caseworker"].public_id)
    person = persons.register(cw, names=["Жанар Тулегенова", "Zhanar Tulegenova"],
                              date_of_birth="1994-02-02", phones=["+7 705 555 2211"],
                              profile={"gender": "female"})
    access.assign(cw, person, staff["caseworker"])
    notice = interviews.record_notice(cw, person, language="ru",
                                      response=NoticeResponse.ACKNOWLEDGED)
    interview = interviews.record(cw, person, notice.public_id, interviews.InterviewInput(
        IntervieweeRole.VICTIM, PlaceType.SHELTER, clock.today(cw), "", "Narrative."))
    consent = consents.record(cw, folder, person, consents.ConsentInput(
        purposes=frozenset({Purpose.INVESTIGATION, Purpose.PREVENTION}),
        recipient_units=frozenset({unit.public_id}), share_level=ShareLevel.SPECIFIC,
        identity_allowed=False, identity_at_persons_request=False, valid_until=None,
        notices=frozenset(NOTICES_29 + NOTICES_32 + NOTICES_HTCDS), language="ru",
        interpreter="",
        witness="colleague"), form_stream=io.BytesIO(b"%PDF-1.4 signed"),
        form_filename="consent.pdf", max_bytes=1 << 20)
    assessment = risk.record(cw, person, risk.RiskInput(
        unit=unit, categories={"case_significant_details": "dates generalised",
                               "personal_identity_data": "none",
                               "details_known_only_to_the_person": "withheld"},
        unit_assessment_note="ok", harm_to_others="none known", staff_safety="low",
        residual="medium", mitigations="withhold the bus company"))
    common = dict(subject_area=SubjectArea.ROUTES, source_type=SourceType.VICTIM_OR_CLOSE_PERSON,
                  source_evaluation=SourceEvaluation.UNTESTED,
                  intel_assessment=IntelAssessment.KNOWN_DIRECTLY,
                  handling_code=HandlingCode.CONDITIONS)
    thematic = intel.create_from_interview(cw, person, interview, intel.EntryInput(
        kind=EntryKind.THEMATIC, text="Women are moved by night bus through the south.",
        time="2026", time_granularity=Granularity.YEAR, place="Kazakhstan",
        place_granularity=Granularity.COUNTRY, **common))
    intel.review_privacy(ctx.as_actor(staff["deputy"].public_id), thematic)
    specific = intel.create_from_interview(cw, person, interview, intel.EntryInput(
        kind=EntryKind.SPECIFIC, text="The controller uses the Sapar bus company office.",
        tags=["phase:transit"], time="2026-05", time_granularity=Granularity.MONTH,
        place="Shymkent", place_granularity=Granularity.CITY, **common))
    adviser, psychologist = informed_choice(ctx, unit, person)
    ctx.session.flush()
    return World(unit, identity, staff["liaison"], staff["deputy"], staff["caseworker"],
                 staff["director"], person, consent, assessment, thematic, specific, folder,
                 adviser, psychologist)


def informed_choice(ctx, unit, person, *, recommendation=UnitRecommendation.COOPERATE):
    """Issue 9: the unit assessed (rule 70), the person cleared by a psychologist, advised
    by the legal adviser, and deciding to give intelligence through the organisation."""
    adviser, _ = accounts.create_staff(ctx, email=f"adviser-{id(person)}@t.kz",
                                       display_name="adviser", role=Role.LEGAL_ADVISER,
                                       password="correct horse battery 99")
    psychologist, _ = accounts.create_staff(ctx, email=f"psy-{id(person)}@t.kz",
                                            display_name="psychologist", role=Role.PSYCHOLOGIST,
                                            password="correct horse battery 99")
    la = ctx.as_actor(adviser.public_id)
    police_units.assess(la, unit, answers={q: {"answer": "yes", "note": ""}
                                           for q in UNIT_QUESTIONS},
                        recommendation=recommendation,
                        valid_until=ctx.now.date() + timedelta(days=180))
    legal.clear(ctx.as_actor(psychologist.public_id), psychologist, person, "ready")
    legal.record_consultation(la, person, legal.ConsultationInput(
        unit=unit, options_explained=frozenset(o.value for o in LegalOption),
        notices_given=legal.CONSULTATION_NOTICES,
        decision=PersonDecision.INTEL_THROUGH_ORGANISATION, notes=""))
    return adviser, psychologist
