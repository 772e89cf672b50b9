"""Case notes, services received and the safety plan of a person."""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import Select, bindparam, select

from casework.domain.casenotes import NoteKind, ServiceType, check_note
from casework.models import CaseNote, Person
from casework.models.base import new_public_id
from casework.services import clock, paging, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError


def add(ctx: Ctx, person: Person, *, kind: NoteKind, body: str, occurred_on: date,
        service_type: ServiceType | None = None, review_on: date | None = None) -> CaseNote:
    decision = check_note(kind=kind, body=body, occurred_on=occurred_on, today=clock.today(ctx),
                          service_type=service_type, review_on=review_on)
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    # The public id the body is bound to is drawn here, so the row is inserted once, sealed
    # (one statement fewer than inserting it and then writing its body, issue 12).
    note = CaseNote(public_id=new_public_id(), person_id=person.id, kind=kind.value,
                    service_type=service_type.value if service_type else None,
                    occurred_on=occurred_on, review_on=review_on, author=ctx.actor or "",
                    created_at=ctx.now)
    subjects.seal_row(ctx, person.subject_id, note, "body_ciphertext", body.strip())
    ctx.session.add(note)
    ctx.session.flush()
    ctx.audit(f"casenote.{kind.value}", object_type="person", object_ref=person.case_code)
    return note


def for_person(ctx: Ctx, person: Person) -> list[tuple[CaseNote, str]]:
    rows = ctx.session.scalars(select(CaseNote).where(CaseNote.person_id == person.id)
                               .order_by(CaseNote.occurred_on.desc(), CaseNote.id.desc()))
    return [(row, subjects.unseal_row(ctx, person.subject_id, row, "body_ciphertext") or "")
            for row in rows]


@functools.cache
def _for_person() -> Select[CaseNote]:
    """Built once, run with the person's id (every record page, issue 12)."""
    return select(CaseNote).where(CaseNote.person_id == bindparam("person_id"))


def page_for_person(ctx: Ctx, person: Person,
                    request: paging.PageRequest) -> paging.Page[tuple[CaseNote, str]]:
    """One page of the person's notes, newest first; only the page is decrypted."""
    page = paging.keyset(ctx.session, _for_person(), (CaseNote.occurred_on, CaseNote.id),
                         request, {"person_id": person.id})
    return page.map(lambda row: (row, subjects.unseal_row(
        ctx, person.subject_id, row, "body_ciphertext") or ""))


def current_safety_plan(ctx: Ctx, person: Person) -> CaseNote | None:
    return ctx.session.scalar(select(CaseNote).where(
        CaseNote.person_id == person.id, CaseNote.kind == NoteKind.SAFETY_PLAN.value)
        .order_by(CaseNote.created_at.desc(), CaseNote.id.desc()).limit(1))
