"""Meetings with police arranged through the organisation (issue 5, item 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from casework.domain.decisions import combine
from casework.domain.meetings import PlaceType, can_arrange_meeting
from casework.domain.minors import child_decision
from casework.domain.police_contact import meeting_contact
from casework.models import Person, PoliceMeeting, PoliceUnit, ProtectedAddress, Staff
from casework.services import minors, persons, police_units, risk, roster, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError
from crypto import normalise_name


def add_protected_address(ctx: Ctx, *, label: str, address: str) -> ProtectedAddress:
    row = ProtectedAddress(label=label.strip()[:80], created_at=ctx.now, active=True)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, subjects.organisation_subject(ctx), row, "address_ciphertext",
                      address.strip())
    ctx.audit("organisation.protected_address", object_type="address",
              object_ref=row.public_id)
    return row


def protected_addresses(ctx: Ctx) -> list[tuple[ProtectedAddress, str]]:
    rows = list(ctx.session.scalars(select(ProtectedAddress).where(
        ProtectedAddress.active.is_(True))))
    if not rows:
        return []
    subject = subjects.organisation_subject(ctx)
    return [(r, subjects.unseal_row(ctx, subject, r, "address_ciphertext") or "")
            for r in rows]


@dataclass(frozen=True)
class MeetingInput:
    unit: PoliceUnit
    scheduled_for: datetime
    place: str
    place_type: PlaceType
    lawyer_question_asked: bool
    lawyer_wanted: bool
    attendees: str
    best_interests: str = ""  # rules 138-139, for a child
    liaison: Staff | None = None  # the designated liaison or deputy it goes through
    person_warned: bool = False  # told of a "not recommended" assessment and its risks


def arrange(ctx: Ctx, person: Person, data: MeetingInput) -> PoliceMeeting:
    """Refused at the shelter or any protected address, or before asking about the lawyer;
    for a child (today or on the day of the meeting), without a best-interests note;
    refused without a current assessment of the unit, without recording the warning on a
    "not recommended" one, without a current risk assessment (the first contact, rule 47),
    or not through the designated liaison or deputy (issue 9; rules 2, 4, 70, 109)."""
    record = persons.read(ctx, person)
    is_child = any(minors.is_minor_at(ctx, person, when, record)
                   for when in (ctx.now, data.scheduled_for))
    assessment = police_units.current_assessment(ctx, data.unit)
    decision = combine((can_arrange_meeting(
        place=data.place, place_type=data.place_type,
        protected=[address for _, address in protected_addresses(ctx)],
        lawyer_question_asked=data.lawyer_question_asked, fold=normalise_name),
        child_decision(is_minor=is_child, best_interests=data.best_interests),
        meeting_contact(
            recommendation=assessment.recommendation if assessment else None,
            person_warned=data.person_warned,
            risk_current=risk.latest_valid(ctx, person, data.unit) is not None,
            liaison_designated=data.liaison is not None
            and roster.is_designated(ctx, data.liaison))))
    if not decision.allowed:
        ctx.audit("meeting.arrange", outcome="denied", object_type="person",
                  object_ref=person.case_code)
        raise ServiceError(*decision.reasons)
    row = PoliceMeeting(person_id=person.id, unit_id=data.unit.id,
                        scheduled_for=data.scheduled_for, place_type=data.place_type.value,
                        lawyer_wanted=data.lawyer_wanted, arranged_by=ctx.actor or "",
                        arranged_at=ctx.now,
                        liaison_ref=data.liaison.public_id if data.liaison else None,
                        unit_recommendation=assessment.recommendation if assessment else None,
                        person_warned=data.person_warned)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "details_ciphertext", {
        "place": data.place.strip(), "attendees": data.attendees.strip(), "content": "",
        "is_child": is_child, "best_interests": data.best_interests.strip()})
    ctx.audit("meeting.arrange", object_type="person", object_ref=person.case_code)
    return row


def record_content(ctx: Ctx, person: Person, meeting: PoliceMeeting, content: str) -> None:
    """What was discussed: strictly confidential (rule 87), encrypted under the person's key."""
    details = subjects.unseal_row(ctx, person.subject_id, meeting, "details_ciphertext") or {}
    details["content"] = content.strip()
    subjects.seal_row(ctx, person.subject_id, meeting, "details_ciphertext", details)
    ctx.session.flush()
    ctx.audit("meeting.content", object_type="person", object_ref=person.case_code)


def for_person(ctx: Ctx, person: Person) -> list[tuple[PoliceMeeting, dict[str, Any]]]:
    rows = ctx.session.scalars(select(PoliceMeeting).where(
        PoliceMeeting.person_id == person.id).order_by(PoliceMeeting.scheduled_for.desc()))
    return [(r, subjects.unseal_row(ctx, person.subject_id, r, "details_ciphertext") or {})
            for r in rows]
