"""Psychologist clearance, legal consultation, decisions, compensation, witness protection
and privileged notes (issue 5, items 2-4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select

from casework.domain.chronology import TimeReason, in_order, not_in_future
from casework.domain.consent import NOTICES_29, NOTICES_32
from casework.domain.decisions import combine
from casework.domain.legal import (
    LegalOption,
    LegalReason,
    PersonDecision,
    can_clear,
    can_record_consultation,
    validate_witness_review,
)
from casework.domain.release_gates import STOPPING_DECISIONS
from casework.domain.roles import Role
from casework.models import (
    Clearance,
    CompensationEvent,
    DisclosureItem,
    DisclosureRequest,
    LegalConsultation,
    LegalDecision,
    Person,
    PoliceUnit,
    PrivilegedNote,
    Staff,
    WitnessReview,
)
from casework.models.disclosure import OPEN_STATUSES
from casework.services import clock, notifications, police_units, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError

CONSULTATION_NOTICES = frozenset(NOTICES_29 + NOTICES_32)


class PrivilegeReason(str, Enum):
    LEGAL_ADVISERS_ONLY = "privileged_legal_advisers_only"
    EMPTY = "privileged_note_empty"


def active_clearance(ctx: Ctx, person: Person) -> Clearance | None:
    return ctx.session.scalar(select(Clearance).where(
        Clearance.person_id == person.id, Clearance.withdrawn_at.is_(None))
        .order_by(Clearance.cleared_at.desc()).limit(1))


def clear(ctx: Ctx, staff: Staff, person: Person, note: str) -> Clearance:
    """A psychologist clears the person for a consultation about cooperating with police."""
    decision = can_clear(role=staff.role, already_cleared=active_clearance(ctx, person)
                         is not None)
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    row = Clearance(person_id=person.id, psychologist=staff.public_id, cleared_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "note_ciphertext", note.strip())
    ctx.audit("legal.clearance", object_type="person", object_ref=person.case_code)
    return row


def withdraw_clearance(ctx: Ctx, staff: Staff, person: Person) -> None:
    row = active_clearance(ctx, person)
    if row is None or staff.role != Role.PSYCHOLOGIST.value:
        raise ServiceError(LegalReason.NOT_CLEARED if row is None
                           else LegalReason.NOT_PSYCHOLOGIST)
    row.withdrawn_at = ctx.now
    ctx.session.flush()
    ctx.audit("legal.clearance_withdrawn", object_type="person", object_ref=person.case_code)


@dataclass(frozen=True)
class ConsultationInput:
    unit: PoliceUnit | None  # the unit discussed, whose assessment the adviser saw
    options_explained: frozenset[str]
    notices_given: frozenset[str]
    decision: PersonDecision
    notes: str


def record_consultation(ctx: Ctx, person: Person, data: ConsultationInput) -> LegalConsultation:
    assessment = police_units.current_assessment(ctx, data.unit) if data.unit else None
    clearance = active_clearance(ctx, person)
    decision = combine((can_record_consultation(
        clearance_active=clearance is not None,
        options_explained=data.options_explained, notices_given=data.notices_given,
        required_notices=CONSULTATION_NOTICES, unit_assessed=assessment is not None,
        about_police=data.unit is not None),
        # Rule 28: the clearance comes first, in time too (a clock set back cannot
        # date the consultation before it).
        in_order(clearance.cleared_at if clearance else None, ctx.now,
                 TimeReason.BEFORE_CLEARANCE)))
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    row = LegalConsultation(person_id=person.id, adviser=ctx.actor or "", held_at=ctx.now,
                            unit_assessment_id=assessment.id if assessment else None)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "content_ciphertext", {
        "unit": data.unit.public_id if data.unit else None,
        "options_explained": sorted(data.options_explained),
        "notices_given": sorted(data.notices_given), "notes": data.notes.strip()})
    record_decision(ctx, person, data.decision, note="")
    ctx.audit("legal.consultation", object_type="person", object_ref=person.case_code)
    return row


def record_decision(ctx: Ctx, person: Person, decision: PersonDecision,
                    note: str, *, packages_folder: Path | None = None) -> LegalDecision:
    """The person's decision; a new row each time they change their mind (rule 12). A
    decision to do nothing (or back to undecided) stops everything pending, as a consent
    withdrawal does (issue 9)."""
    row = LegalDecision(person_id=person.id, decision=decision.value,
                        recorded_by=ctx.actor or "", recorded_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "note_ciphertext", note.strip())
    ctx.audit("legal.decision", outcome=decision.value[:32], object_type="person",
              object_ref=person.case_code)
    if decision.value in STOPPING_DECISIONS:
        stop_for_decision(ctx, person, packages_folder)
    return row


def stop_for_decision(ctx: Ctx, person: Person,
                      packages_folder: Path | None) -> list[DisclosureRequest]:
    """Open requests with this person's entries stop; released packages never downloaded
    are revoked, downloaded ones recalled (rules 12, 14)."""
    from casework.services import download_gates

    stopped = list(ctx.session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.status.in_(OPEN_STATUSES),
        DisclosureRequest.id.in_(select(DisclosureItem.request_id).where(
            DisclosureItem.person_id == person.id))).with_for_update()))
    for request in stopped:
        request.status, request.stop_reason = "stopped", "persons_decision"
        request.updated_at, request.version = ctx.now, request.version + 1
        drafter = ctx.session.scalar(select(Staff).where(Staff.public_id == request.drafted_by))
        if drafter is not None:
            notifications.notify(ctx, drafter, "disclosure_stopped_decision",
                                 object_ref=request.reference, urgent=True)
        ctx.audit("disclosure.stopped", outcome="persons_decision",
                  object_type="disclosure", object_ref=request.reference)
    download_gates.basis_gone(ctx, download_gates.packages_relying_on(
        ctx, person_id=person.id), packages_folder, reason="persons_decision")
    ctx.session.flush()
    return stopped


def decisions(ctx: Ctx, person: Person) -> list[LegalDecision]:
    return list(ctx.session.scalars(select(LegalDecision).where(
        LegalDecision.person_id == person.id).order_by(LegalDecision.recorded_at.desc(),
                                                       LegalDecision.id.desc())))


def consultations(ctx: Ctx, person: Person) -> list[tuple[LegalConsultation, dict[str, Any]]]:
    rows = ctx.session.scalars(select(LegalConsultation).where(
        LegalConsultation.person_id == person.id).order_by(LegalConsultation.held_at.desc()))
    return [(r, subjects.unseal_row(ctx, person.subject_id, r, "content_ciphertext") or {})
            for r in rows]


COMPENSATION_STATUSES = ("considering", "filed", "hearing", "awarded", "refused", "paid",
                         "abandoned")


class CompensationReason(str, Enum):
    BAD_ROUTE = "compensation_route_unknown"
    BAD_STATUS = "compensation_status_unknown"


def add_compensation_event(ctx: Ctx, person: Person, *, route: str, status: str,
                           occurred_on: date, note: str) -> CompensationEvent:
    if route not in ("criminal", "civil"):
        raise ServiceError(CompensationReason.BAD_ROUTE)
    if status not in COMPENSATION_STATUSES:
        raise ServiceError(CompensationReason.BAD_STATUS)
    future = not_in_future(occurred_on, today=clock.today(ctx))
    if not future.allowed:
        raise ServiceError(*future.reasons)
    row = CompensationEvent(person_id=person.id, route=route, status=status,
                            occurred_on=occurred_on, recorded_by=ctx.actor or "")
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "note_ciphertext", note.strip())
    ctx.audit("legal.compensation", outcome=status, object_type="person",
              object_ref=person.case_code)
    return row


def compensation(ctx: Ctx, person: Person) -> list[tuple[CompensationEvent, str]]:
    rows = ctx.session.scalars(select(CompensationEvent).where(
        CompensationEvent.person_id == person.id).order_by(CompensationEvent.occurred_on.desc(),
                                                           CompensationEvent.id.desc()))
    return [(r, subjects.unseal_row(ctx, person.subject_id, r, "note_ciphertext") or "")
            for r in rows]


def record_witness_review(ctx: Ctx, person: Person, *, concerns: dict[str, str],
                          measures: dict[str, dict[str, str]], recommendation: str,
                          persons_view: str, next_deadline: date | None,
                          notices_told: frozenset[str]) -> WitnessReview:
    """A new version of the review (concerns, every measure, advice, the person's view,
    and the limits of protection the person was told: rules 43, 45, 46, 99)."""
    decision = validate_witness_review(concerns=concerns, measures=measures,
                                       notices_told=notices_told)
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    row = WitnessReview(person_id=person.id, adviser=ctx.actor or "", recorded_at=ctx.now,
                        next_deadline=next_deadline)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "content_ciphertext", {
        "concerns": concerns, "measures": measures,
        "recommendation": recommendation.strip(), "persons_view": persons_view.strip(),
        "notices_told": sorted(notices_told)})
    ctx.audit("legal.witness_review", object_type="person", object_ref=person.case_code)
    return row


def witness_reviews(ctx: Ctx, person: Person) -> list[tuple[WitnessReview, dict[str, Any]]]:
    rows = ctx.session.scalars(select(WitnessReview).where(
        WitnessReview.person_id == person.id).order_by(WitnessReview.recorded_at.desc(),
                                                       WitnessReview.id.desc()))
    return [(r, subjects.unseal_row(ctx, person.subject_id, r, "content_ciphertext") or {})
            for r in rows]


def _require_adviser(staff: Staff) -> None:
    if staff.role != Role.LEGAL_ADVISER.value:
        raise ServiceError(PrivilegeReason.LEGAL_ADVISERS_ONLY)


def add_privileged_note(ctx: Ctx, staff: Staff, person: Person, text: str) -> PrivilegedNote:
    """Legal professional privilege: only legal advisers write or read these, ever."""
    _require_adviser(staff)
    if not text.strip():
        raise ServiceError(PrivilegeReason.EMPTY)
    row = PrivilegedNote(person_id=person.id, author=staff.public_id, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "text_ciphertext", text.strip())
    ctx.audit("legal.privileged_note", object_type="person", object_ref=person.case_code)
    return row


def privileged_notes(ctx: Ctx, staff: Staff, person: Person) -> list[tuple[PrivilegedNote, str]]:
    _require_adviser(staff)
    rows = ctx.session.scalars(select(PrivilegedNote).where(
        PrivilegedNote.person_id == person.id).order_by(PrivilegedNote.created_at.desc()))
    return [(r, subjects.unseal_row(ctx, person.subject_id, r, "text_ciphertext") or "")
            for r in rows]


OPTION_VALUES = frozenset(o.value for o in LegalOption)


def decision_note(ctx: Ctx, person: Person, row: LegalDecision) -> str:
    """The note recorded with one decision (why the person changed their mind, if said)."""
    return str(subjects.unseal_row(ctx, person.subject_id, row, "note_ciphertext") or "")
