"""Risk assessments before disclosure (issue 5, item 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from casework.domain.risk import DEFAULT_VALIDITY, RiskCategory, RiskFacts, validate_assessment
from casework.models import Person, PoliceUnit, RiskAssessment
from casework.services import subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError


@dataclass(frozen=True)
class RiskInput:
    unit: PoliceUnit
    categories: dict[str, str]  # RiskCategory value -> what was found and how it is handled
    unit_assessment_note: str
    harm_to_others: str
    staff_safety: str
    residual: str
    mitigations: str  # which details to withhold or generalise
    valid_for: timedelta = DEFAULT_VALIDITY


def record(ctx: Ctx, person: Person, data: RiskInput) -> RiskAssessment:
    considered = frozenset(RiskCategory(c) for c, note in data.categories.items()
                           if c in {r.value for r in RiskCategory} and note.strip())
    facts = RiskFacts(person_ref=person.public_id, unit_ref=data.unit.public_id,
                      assessor=ctx.actor or "", assessed_at=ctx.now,
                      expires_at=ctx.now + data.valid_for, residual=data.residual,
                      categories_considered=considered,
                      harm_to_others_considered=bool(data.harm_to_others.strip()),
                      staff_safety_considered=bool(data.staff_safety.strip()))
    decision = validate_assessment(facts)
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    row = RiskAssessment(person_id=person.id, unit_id=data.unit.id, assessor=ctx.actor or "",
                         assessed_at=ctx.now, expires_at=facts.expires_at,
                         residual=data.residual)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "content_ciphertext", {
        "categories": data.categories, "unit_assessment": data.unit_assessment_note.strip(),
        "harm_to_others": data.harm_to_others.strip(),
        "staff_safety": data.staff_safety.strip(), "mitigations": data.mitigations.strip()})
    ctx.audit("risk.record", outcome=data.residual, object_type="person",
              object_ref=person.case_code)
    return row


def facts(ctx: Ctx, person: Person, row: RiskAssessment) -> RiskFacts:
    content = subjects.unseal_row(ctx, person.subject_id, row, "content_ciphertext") or {}
    unit = ctx.session.get(PoliceUnit, row.unit_id)
    categories = content.get("categories", {})
    return RiskFacts(
        person_ref=person.public_id, unit_ref=unit.public_id if unit else "",
        assessor=row.assessor, assessed_at=row.assessed_at, expires_at=row.expires_at,
        residual=row.residual,
        categories_considered=frozenset(RiskCategory(c) for c, n in categories.items()
                                        if str(n).strip()),
        harm_to_others_considered=bool(content.get("harm_to_others")),
        staff_safety_considered=bool(content.get("staff_safety")))


def content(ctx: Ctx, person: Person, row: RiskAssessment) -> dict[str, Any]:
    return dict(subjects.unseal_row(ctx, person.subject_id, row, "content_ciphertext") or {})


def for_person(ctx: Ctx, person: Person) -> list[RiskAssessment]:
    return list(ctx.session.scalars(select(RiskAssessment).where(
        RiskAssessment.person_id == person.id).order_by(RiskAssessment.assessed_at.desc(),
                                                        RiskAssessment.id.desc())))


def latest_valid(ctx: Ctx, person: Person, unit: PoliceUnit) -> RiskAssessment | None:
    return ctx.session.scalar(select(RiskAssessment).where(
        RiskAssessment.person_id == person.id, RiskAssessment.unit_id == unit.id,
        RiskAssessment.expires_at > ctx.now).order_by(RiskAssessment.assessed_at.desc())
        .limit(1))
