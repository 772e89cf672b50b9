"""The checks issue 9 adds to the disclosure checklist, each with its rule or MoU id.

``disclosures.evaluate_request`` calls these for the package and for each item; they are
shown with today's checks and block submission and approval the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from casework.domain.chronology import TimeReason, in_order
from casework.domain.consent import NOTICES_32, ConsentFacts
from casework.domain.decisions import Decision
from casework.domain.release_gates import informed_choice, risk_notices_given, unit_gate
from casework.models import LegalConsultation, LegalDecision, Person, PoliceUnit
from casework.services import police_units
from casework.services.context import Ctx
from mou import MouTerms
from mou.checks import CheckResult, consent_fresh, risk_fresh

# (label, decision, rule id) - the caller turns them into checklist lines.
Line = tuple[str, Decision, str]


def unit_line(ctx: Ctx, unit: PoliceUnit, entry_kinds: Iterable[str]) -> Line:
    """Rules 70, 71, 73, 109: a current assessment of the unit, and "not recommended"
    allows thematic entries only unless a legal adviser documented an override."""
    current = police_units.current_assessment(ctx, unit)
    decision = unit_gate(current.recommendation if current else None,
                         entry_kinds=list(entry_kinds),
                         override=bool(current and current.override_at is not None))
    return "unit_assessment", decision, "R70"


def informed_choice_line(ctx: Ctx, person: Person, entry_kind: str) -> Line:
    """Rules 14, 31, 35: the person's legal consultation, and their latest decision."""
    consulted = ctx.session.scalar(select(LegalConsultation.id).where(
        LegalConsultation.person_id == person.id).limit(1)) is not None
    latest = ctx.session.scalar(select(LegalDecision.decision).where(
        LegalDecision.person_id == person.id).order_by(
        LegalDecision.recorded_at.desc(), LegalDecision.id.desc()).limit(1))
    return "informed_choice", informed_choice(
        entry_kind=entry_kind, consultation_recorded=consulted,
        latest_decision=latest), "R31"


def child_line(ctx: Ctx, person: Person, note: str) -> Decision:
    """Rules 138-139: a child (at this moment, from the facts) needs the note."""
    from casework.services import minors

    return minors.check_child_decision(ctx, person, when=ctx.now, best_interests=note)


def consultation_order(ctx: Ctx, person: Person, entry_kind: str) -> Decision:
    """Rules 26-29: a specific entry leaves after the legal consultation, never before it
    (the consultation's recorded time, not the order in which things were typed)."""
    if entry_kind != "specific":
        return Decision.allow()
    held = ctx.session.scalar(select(LegalConsultation.held_at).where(
        LegalConsultation.person_id == person.id).order_by(
        LegalConsultation.held_at.asc()).limit(1))
    if held is None:
        return Decision.allow()  # "no consultation" is the informed-choice line's refusal
    return in_order(held, ctx.now, TimeReason.BEFORE_CONSULTATION)


def consent_notices_line(facts: ConsentFacts | None) -> Line | None:
    """Rule 32: a consent letting specific intelligence go says the three points were
    explained."""
    if facts is None:
        return None
    return "consent_risk_notices", risk_notices_given(
        share_level=facts.share_level.value, notices=facts.notices,
        required=NOTICES_32), "R32"


def _mou(result: CheckResult, code: type) -> Line:
    return (result.rule, Decision.allow() if result.passed else Decision.deny(
        code(result.reason)), result.rule)


def age_lines(terms: MouTerms, *, consent_recorded_at: datetime | None,
              risk_assessed_at: datetime | None, now: datetime, code: type) -> list[Line]:
    """MOU-11, MOU-12: the MoU's maximum consent and risk-assessment ages."""
    return [_mou(consent_fresh(terms, consent_recorded_at, now), code),
            _mou(risk_fresh(terms, risk_assessed_at, now), code)]
