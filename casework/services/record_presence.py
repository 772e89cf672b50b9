"""Which parts of a person's record hold anything, in one statement (issue 12).

The record page has a dozen sections (consents, clearance, risk, police meetings, the case
timeline, four legal lists, urgent tasks, interview notices, intelligence links, the
safety plan), and for most people most of them are empty: a new case has a screening,
interviews and notes, not a witness review. Asking each table in turn costs a statement
per empty section; this asks them all at once (an ``EXISTS`` per table, each on the
table's ``person_id`` index) and the page then reads only the sections that hold rows. A
full record costs one statement more than before; a typical one about ten fewer.

A section read moments after the probe may find a row the probe did not see (or none where
it saw one); the page then shows the record as it was a moment earlier, as any page does.
Nothing that decides or changes anything relies on this: it only spares reads for drawing.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, select

from casework.domain.casenotes import NoteKind
from casework.models import (
    CaseEvent,
    CaseNote,
    Clearance,
    CompensationEvent,
    Consent,
    InterviewNotice,
    LegalConsultation,
    LegalDecision,
    Person,
    PoliceMeeting,
    RiskAssessment,
    SourceLink,
    Task,
    WitnessReview,
)
from casework.services.context import Ctx
from casework.services.db import read_columns

# Part name -> (the table's person column, extra conditions). The conditions mirror what
# the section reads: a withdrawn clearance or a finished task is not shown, so not counted.
_PARTS: dict[str, tuple[Any, tuple[ColumnElement[bool], ...]]] = {
    "consents": (Consent.person_id, ()),
    "clearance": (Clearance.person_id, (Clearance.withdrawn_at.is_(None),)),
    "risk": (RiskAssessment.person_id, ()),
    "meetings": (PoliceMeeting.person_id, ()),
    "case_events": (CaseEvent.person_id, ()),
    "legal_decisions": (LegalDecision.person_id, ()),
    "legal_consultations": (LegalConsultation.person_id, ()),
    "witness_reviews": (WitnessReview.person_id, ()),
    "compensation": (CompensationEvent.person_id, ()),
    "urgent_tasks": (Task.person_id, (Task.urgent.is_(True), Task.done_at.is_(None))),
    "interview_notices": (InterviewNotice.person_id, ()),
    "source_links": (SourceLink.person_id, ()),
    "safety_plan": (CaseNote.person_id, (CaseNote.kind == NoteKind.SAFETY_PLAN.value,)),
}
PARTS = frozenset(_PARTS)


@functools.cache
def _probe() -> Select[Any]:
    person_id: Any = bindparam("person_id")
    columns: list[Any] = [exists().where(column == person_id, *extra).label(name)
                          for name, (column, extra) in _PARTS.items()]
    return select(*columns)


def parts_with_rows(ctx: Ctx, person: Person) -> frozenset[str]:
    """The names (see ``PARTS``) of the parts of the record that hold at least one row."""
    row = read_columns(ctx.session, _probe(), {"person_id": person.id}, on=Person).one()
    return frozenset(name for name, present in zip(_PARTS, row, strict=True) if present)
