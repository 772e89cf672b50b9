"""The timeline of a person's case (rules 110-112): arrests, charges, hearings, releases,
acquittals and convictions, whoever learnt of them.

Any member of staff who may open the person's record adds an event; police feedback on a
package adds one too. A release or an acquittal sets off the urgent safety task and a
safety-plan review whoever recorded it (rule 112). The note is encrypted under the person's
key like the rest of their record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from casework.domain.case_events import EventKind, EventSource, check_event, consequences
from casework.models import CaseEvent, Person, Task
from casework.services import access, clock, notifications, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError

URGENT_DUE = timedelta(hours=4)
REVIEW_DUE = timedelta(days=1)  # the safety plan, after a release
ROUTINE_DUE = timedelta(days=2)


@dataclass(frozen=True)
class EventView:
    row: CaseEvent
    note: str


def record(ctx: Ctx, person: Person, *, kind: str, occurred_on: date, note: str = "",
           source: EventSource = EventSource.STAFF,
           source_ref: str | None = None) -> CaseEvent:
    """Add an event to the person's timeline and create the tasks it asks for."""
    decision = check_event(kind=kind, occurred_on=occurred_on, note=note,
                           today=clock.today(ctx))
    if not decision.allowed:
        ctx.audit("case_event.record", outcome="denied", object_type="person",
                  object_ref=person.case_code)
        raise ServiceError(*decision.reasons)
    event = EventKind(kind)
    row = CaseEvent(person_id=person.id, kind=event.value, occurred_on=occurred_on,
                    source=source.value, source_ref=source_ref, recorded_by=ctx.actor or "",
                    recorded_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, row, "note_ciphertext", note.strip())
    for task_kind, urgent in consequences(event):
        _task(ctx, person, task_kind, urgent=urgent, ref=source_ref or row.public_id)
    ctx.session.flush()
    ctx.audit("case_event.record", outcome=event.value, object_type="person",
              object_ref=person.case_code)
    return row


def _task(ctx: Ctx, person: Person, kind: str, *, urgent: bool, ref: str) -> None:
    due = URGENT_DUE if urgent and kind != "safety_plan_review" else (
        REVIEW_DUE if kind == "safety_plan_review" else ROUTINE_DUE)
    ctx.session.add(Task(person_id=person.id, kind=kind, urgent=urgent, object_ref=ref[:32],
                         created_at=ctx.now, due_at=ctx.now + due))
    for staff in access.assignees(ctx, person):
        notifications.notify(ctx, staff, kind, object_ref=person.case_code, urgent=urgent)


def timeline(ctx: Ctx, person: Person) -> list[EventView]:
    """Newest first, each note decrypted once."""
    rows = ctx.session.scalars(select(CaseEvent).where(CaseEvent.person_id == person.id)
                               .order_by(CaseEvent.occurred_on.desc(), CaseEvent.id.desc()))
    return [EventView(r, str(subjects.unseal_row(ctx, person.subject_id, r, "note_ciphertext")
                             or "")) for r in rows]
