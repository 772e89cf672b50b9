"""Police units and the organisation's dated assessment of each (rule 27, rule 70)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import select

from casework.domain.legal import UNIT_ANSWERS, UNIT_QUESTIONS, UnitRecommendation
from casework.domain.roles import Role
from casework.models import PoliceUnit, Staff, UnitAssessment
from casework.services import clock, subjects
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError


class UnitReason(str, Enum):
    INCOMPLETE = "unit_assessment_incomplete"
    NAME_REQUIRED = "unit_name_required"
    VALIDITY_PAST = "unit_assessment_validity_past"
    OVERRIDE_ADVISERS_ONLY = "unit_override_legal_advisers_only"
    OVERRIDE_NOT_NEEDED = "unit_override_not_needed"
    OVERRIDE_REASON_REQUIRED = "unit_override_reason_required"


def create(ctx: Ctx, *, name: str, jurisdiction: str) -> PoliceUnit:
    if not name.strip():
        raise ServiceError(UnitReason.NAME_REQUIRED)
    subject = subjects.new_subject(ctx, "police_unit")
    unit = PoliceUnit(name=name.strip()[:160], jurisdiction=jurisdiction.strip()[:80],
                      subject_id=subject.subject_id, created_at=ctx.now)
    ctx.session.add(unit)
    ctx.session.flush()
    ctx.audit("unit.create", object_type="police_unit", object_ref=unit.public_id)
    return unit


def all_units(ctx: Ctx) -> list[PoliceUnit]:
    return list(ctx.session.scalars(select(PoliceUnit).order_by(PoliceUnit.name)))


def get(ctx: Ctx, public_id: str) -> PoliceUnit:
    unit = ctx.session.scalar(select(PoliceUnit).where(PoliceUnit.public_id == public_id))
    if unit is None:
        raise NotFound()
    return unit


def assess(ctx: Ctx, unit: PoliceUnit, *, answers: dict[str, dict[str, str]],
           recommendation: UnitRecommendation, valid_until: date) -> UnitAssessment:
    """Record the ten answers (each yes/partly/no/unknown with a note)."""
    if set(answers) != set(UNIT_QUESTIONS) or any(
            a.get("answer") not in UNIT_ANSWERS for a in answers.values()):
        raise ServiceError(UnitReason.INCOMPLETE)
    if valid_until <= clock.today(ctx):  # a typed date: the organisation's day
        raise ServiceError(UnitReason.VALIDITY_PAST)
    row = UnitAssessment(unit_id=unit.id, recommendation=recommendation.value,
                         assessed_by=ctx.actor or "", assessed_at=ctx.now,
                         valid_until=valid_until)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, unit.subject_id, row, "answers_ciphertext", answers)
    ctx.session.flush()
    ctx.audit("unit.assess", object_type="police_unit", object_ref=unit.public_id)
    return row


def current_assessment(ctx: Ctx, unit: PoliceUnit) -> UnitAssessment | None:
    """The newest assessment still valid today, if any."""
    return ctx.session.scalar(select(UnitAssessment).where(
        UnitAssessment.unit_id == unit.id, UnitAssessment.valid_until >= clock.today(ctx))
        .order_by(UnitAssessment.assessed_at.desc(), UnitAssessment.id.desc()).limit(1))


def read_answers(ctx: Ctx, unit: PoliceUnit, row: UnitAssessment) -> dict[str, Any]:
    return dict(subjects.unseal_row(ctx, unit.subject_id, row, "answers_ciphertext") or {})


def history(ctx: Ctx, unit: PoliceUnit) -> list[UnitAssessment]:
    return list(ctx.session.scalars(select(UnitAssessment).where(
        UnitAssessment.unit_id == unit.id).order_by(UnitAssessment.assessed_at.desc())))


def record_override(ctx: Ctx, staff: Staff, unit: PoliceUnit, reason: str) -> UnitAssessment:
    """A legal adviser documents why specific intelligence may go to a unit assessed "not
    recommended" (rules 73, 109). Bound to the current assessment: a new one needs its own."""
    if staff.role != Role.LEGAL_ADVISER.value:
        raise ServiceError(UnitReason.OVERRIDE_ADVISERS_ONLY)
    current = current_assessment(ctx, unit)
    if current is None or current.recommendation != UnitRecommendation.NOT_RECOMMENDED.value \
            or current.override_at is not None:
        raise ServiceError(UnitReason.OVERRIDE_NOT_NEEDED)
    if len(reason.strip()) < 20:
        raise ServiceError(UnitReason.OVERRIDE_REASON_REQUIRED)
    current.override_by, current.override_at = staff.public_id, ctx.now
    subjects.seal_row(ctx, unit.subject_id, current, "override_ciphertext", reason.strip())
    ctx.session.flush()
    ctx.audit("unit.override", object_type="police_unit", object_ref=unit.public_id)
    return current


def override_reason(ctx: Ctx, unit: PoliceUnit, row: UnitAssessment) -> str:
    return str(subjects.unseal_row(ctx, unit.subject_id, row, "override_ciphertext") or "")
