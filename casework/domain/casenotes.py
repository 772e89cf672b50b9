"""Case notes, services received and safety plans (issue 4, item 3)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

from casework.domain.decisions import Decision


class NoteKind(str, Enum):
    NOTE = "note"
    SERVICE = "service"
    SAFETY_PLAN = "safety_plan"


class ServiceType(str, Enum):
    SHELTER = "shelter"
    MEDICAL = "medical"
    PSYCHOLOGICAL = "psychological"
    LEGAL = "legal"
    DOCUMENTS = "documents"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    FAMILY_TRACING = "family_tracing"
    REPATRIATION = "repatriation"
    FINANCIAL = "financial"
    OTHER = "other"


class NoteReason(str, Enum):
    EMPTY = "note_empty"
    SERVICE_TYPE_REQUIRED = "service_type_required"
    REVIEW_DATE_REQUIRED = "safety_plan_review_date_required"
    REVIEW_DATE_PAST = "safety_plan_review_date_past"
    REVIEW_TOO_FAR = "safety_plan_review_too_far"
    FUTURE_DATE = "note_date_in_future"


# A safety plan that is not looked at again goes stale; three months is the longest gap.
MAX_REVIEW_INTERVAL = timedelta(days=92)


def check_note(*, kind: NoteKind, body: str, occurred_on: date, today: date,
               service_type: ServiceType | None, review_on: date | None) -> Decision:
    reasons: list[NoteReason] = []
    if not body.strip():
        reasons.append(NoteReason.EMPTY)
    if occurred_on > today:
        reasons.append(NoteReason.FUTURE_DATE)
    if kind is NoteKind.SERVICE and service_type is None:
        reasons.append(NoteReason.SERVICE_TYPE_REQUIRED)
    if kind is NoteKind.SAFETY_PLAN:
        if review_on is None:
            reasons.append(NoteReason.REVIEW_DATE_REQUIRED)
        elif review_on < today:
            reasons.append(NoteReason.REVIEW_DATE_PAST)
        elif review_on - today > MAX_REVIEW_INTERVAL:
            reasons.append(NoteReason.REVIEW_TOO_FAR)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def is_review_due(*, review_on: date | None, today: date) -> bool:
    return review_on is not None and review_on <= today
