"""Interviews under the pre-interview notice (rule 81), sign-off, addenda, attachments."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Select, bindparam, select, update

from casework.domain.chronology import check_interview_date
from casework.domain.interviews import (
    IntervieweeRole,
    InterviewReason,
    NoticeFacts,
    NoticeResponse,
    PlaceType,
    can_edit_interview,
    can_record_interview,
    content_hash,
)
from casework.models import Attachment, Interview, InterviewAddendum, InterviewNotice, Person
from casework.services import attachments, clock, paging, subjects
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError


@dataclass(frozen=True)
class InterviewInput:
    interviewee_role: IntervieweeRole
    place_type: PlaceType
    held_on: date
    interpreter: str
    narrative: str


def record_notice(ctx: Ctx, person: Person, *, language: str,
                  response: NoticeResponse) -> InterviewNotice:
    """Record that the notice was given, in which language, and the person's answer."""
    notice = InterviewNotice(person_id=person.id, language=language, response=response.value,
                             given_by=ctx.actor or "", given_at=ctx.now, used=False)
    ctx.session.add(notice)
    ctx.session.flush()
    ctx.audit("interview.notice", outcome=response.value, object_type="person",
              object_ref=person.case_code)
    return notice


def open_notice(ctx: Ctx, person: Person) -> InterviewNotice | None:
    """The newest acknowledged, unused notice for this person, if still fresh."""
    notice = ctx.session.scalar(_newest_notice(), {"person_id": person.id})
    if notice is None or not _notice_decision(ctx, notice, person).allowed:
        return None
    return notice


def _notice_decision(ctx: Ctx, notice: InterviewNotice | None, person: Person):  # type: ignore[no-untyped-def]
    facts = None if notice is None else NoticeFacts(
        person_id=notice.person_id, response=NoticeResponse(notice.response),
        given_at=notice.given_at, used=notice.used)
    return can_record_interview(notice=facts, person_id=person.id, now=ctx.now)


def record(ctx: Ctx, person: Person, notice_public_id: str | None,
           data: InterviewInput) -> Interview:
    """Save an interview; refused unless the notice was given and acknowledged first."""
    notice = ctx.session.scalar(select(InterviewNotice).where(
        InterviewNotice.public_id == (notice_public_id or "")))
    decision = _notice_decision(ctx, notice, person)
    if not decision.allowed or notice is None:
        ctx.audit("interview.record", outcome="denied", object_type="person",
                  object_ref=person.case_code)
        raise ServiceError(*decision.reasons)
    if not data.narrative.strip():
        raise ServiceError(InterviewReason.EMPTY_NARRATIVE)
    _check_date(ctx, notice, data.held_on)
    # Claim the notice atomically: two tabs cannot record two interviews under one notice.
    claimed = ctx.session.execute(update(InterviewNotice).where(
        InterviewNotice.id == notice.id, InterviewNotice.used.is_(False)).values(used=True))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise ServiceError(InterviewReason.NOTICE_USED)
    interview = Interview(person_id=person.id, notice_id=notice.id, interviewer=ctx.actor or "",
                          interviewee_role=data.interviewee_role.value,
                          place_type=data.place_type.value, held_on=data.held_on,
                          status="draft", created_at=ctx.now, updated_at=ctx.now)
    ctx.session.add(interview)
    ctx.session.flush()
    _write(ctx, person, interview, data)
    ctx.audit("interview.record", object_type="interview", object_ref=interview.public_id)
    return interview


def _check_date(ctx: Ctx, notice: InterviewNotice | None, held_on: date) -> None:
    """Rules 81, 83: not before the day the notice was acknowledged, not in the future."""
    decision = check_interview_date(
        held_on, notice_given_on=clock.local_day(notice.given_at) if notice else held_on,
        today=clock.today(ctx))
    if not decision.allowed:
        raise ServiceError(*decision.reasons)


def _write(ctx: Ctx, person: Person, interview: Interview, data: InterviewInput) -> None:
    subjects.seal_row(ctx, person.subject_id, interview, "narrative_ciphertext",
                      data.narrative.strip())
    subjects.seal_row(ctx, person.subject_id, interview, "interpreter_ciphertext",
                      data.interpreter.strip())
    interview.updated_at = ctx.now
    ctx.session.flush()


def edit(ctx: Ctx, person: Person, interview: Interview, data: InterviewInput) -> None:
    decision = can_edit_interview(status=interview.status, actor=ctx.actor or "",
                                  interviewer=interview.interviewer)
    if not decision.allowed:
        ctx.audit("interview.edit", outcome="denied", object_type="interview",
                  object_ref=interview.public_id)
        raise ServiceError(*decision.reasons)
    _check_date(ctx, ctx.session.get(InterviewNotice, interview.notice_id), data.held_on)
    interview.interviewee_role = data.interviewee_role.value
    interview.place_type, interview.held_on = data.place_type.value, data.held_on
    _write(ctx, person, interview, data)
    ctx.audit("interview.edit", object_type="interview", object_ref=interview.public_id)


def sign_off(ctx: Ctx, person: Person, interview: Interview) -> None:
    """Lock the interview; its content hash starts the chain of custody."""
    decision = can_edit_interview(status=interview.status, actor=ctx.actor or "",
                                  interviewer=interview.interviewer)
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    view = read(ctx, person, interview)
    interview.content_hash = content_hash(None, interview.public_id, view.narrative,
                                          view.interpreter, interview.held_on.isoformat(),
                                          *view.attachment_hashes)
    interview.status, interview.signed_off_by = "locked", ctx.actor
    interview.signed_off_at = ctx.now
    ctx.session.flush()
    ctx.audit("interview.sign_off", object_type="interview", object_ref=interview.public_id)


def add_addendum(ctx: Ctx, person: Person, interview: Interview, text: str) -> InterviewAddendum:
    """The only way to change a locked interview: a dated addendum extending the hash chain."""
    if interview.status != "locked":
        raise ServiceError(InterviewReason.LOCKED)
    if not text.strip():
        raise ServiceError(InterviewReason.EMPTY_NARRATIVE)
    addendum = InterviewAddendum(interview_id=interview.id, author=ctx.actor or "",
                                 created_at=ctx.now, content_hash="")
    ctx.session.add(addendum)
    ctx.session.flush()
    addendum.content_hash = content_hash(interview.content_hash, addendum.public_id,
                                         text.strip(), ctx.now.isoformat())
    interview.content_hash = addendum.content_hash
    subjects.seal_row(ctx, person.subject_id, addendum, "text_ciphertext", text.strip())
    ctx.session.flush()
    ctx.audit("interview.addendum", object_type="interview", object_ref=interview.public_id)
    return addendum


@dataclass(frozen=True)
class InterviewView:
    narrative: str
    interpreter: str
    addenda: list[tuple[InterviewAddendum, str]]
    attachments: list[Attachment]
    attachment_hashes: list[str]


def read(ctx: Ctx, person: Person, interview: Interview) -> InterviewView:
    addenda = list(ctx.session.scalars(select(InterviewAddendum).where(
        InterviewAddendum.interview_id == interview.id).order_by(InterviewAddendum.id)))
    files = list(ctx.session.scalars(select(Attachment).where(
        Attachment.owner_type == "interview", Attachment.owner_ref == interview.public_id)
        .order_by(Attachment.id)))
    return InterviewView(
        narrative=subjects.unseal_row(ctx, person.subject_id, interview,
                                      "narrative_ciphertext") or "",
        interpreter=subjects.unseal_row(ctx, person.subject_id, interview,
                                        "interpreter_ciphertext") or "",
        addenda=[(a, subjects.unseal_row(ctx, person.subject_id, a, "text_ciphertext") or "")
                 for a in addenda],
        attachments=files, attachment_hashes=[f.ciphertext_sha256 for f in files])


def read_many(ctx: Ctx, person: Person, rows: list[Interview]) -> list[InterviewView]:
    """:func:`read` for a page of interviews: addenda and attachments in one statement
    each, however many interviews the page holds."""
    ids = [row.id for row in rows]
    refs = [row.public_id for row in rows]
    addenda: dict[int, list[InterviewAddendum]] = {i: [] for i in ids}
    files: dict[str, list[Attachment]] = {r: [] for r in refs}
    if rows:
        for addendum in ctx.session.scalars(select(InterviewAddendum).where(
                InterviewAddendum.interview_id.in_(ids)).order_by(InterviewAddendum.id)):
            addenda[addendum.interview_id].append(addendum)
        for file in ctx.session.scalars(select(Attachment).where(
                Attachment.owner_type == "interview", Attachment.owner_ref.in_(refs))
                .order_by(Attachment.id)):
            files[file.owner_ref].append(file)
    return [InterviewView(
        narrative=subjects.unseal_row(ctx, person.subject_id, row,
                                      "narrative_ciphertext") or "",
        interpreter=subjects.unseal_row(ctx, person.subject_id, row,
                                        "interpreter_ciphertext") or "",
        addenda=[(a, subjects.unseal_row(ctx, person.subject_id, a, "text_ciphertext") or "")
                 for a in addenda[row.id]],
        attachments=files[row.public_id],
        attachment_hashes=[f.ciphertext_sha256 for f in files[row.public_id]])
        for row in rows]


def attach(ctx: Ctx, folder: Path, person: Person, interview: Interview, *, stream: BinaryIO,
           filename: str, max_bytes: int) -> Attachment:
    """Attach a file (audio, scan) to a draft interview."""
    if interview.status == "locked":
        raise ServiceError(InterviewReason.LOCKED)
    return attachments.store(ctx, folder, subject_id=person.subject_id,
                             owner_type="interview", owner_ref=interview.public_id,
                             stream=stream, filename=filename, max_bytes=max_bytes)


def for_person(ctx: Ctx, person: Person) -> list[Interview]:
    return list(ctx.session.scalars(select(Interview).where(Interview.person_id == person.id)
                                    .order_by(Interview.held_on.desc(), Interview.id.desc())))


@functools.cache
def _for_person() -> Select[Interview]:
    """Built once, run with the person's id (every record page, issue 12)."""
    return select(Interview).where(Interview.person_id == bindparam("person_id"))


@functools.cache
def _newest_notice() -> Select[InterviewNotice]:
    return (select(InterviewNotice).where(InterviewNotice.person_id == bindparam("person_id"))
            .order_by(InterviewNotice.given_at.desc(), InterviewNotice.id.desc()).limit(1))


def page_for_person(ctx: Ctx, person: Person,
                    request: paging.PageRequest) -> paging.Page[Interview]:
    """One page of the person's interviews, newest first (nothing here is decrypted)."""
    return paging.keyset(ctx.session, _for_person(), (Interview.held_on, Interview.id),
                         request, {"person_id": person.id})


def get(ctx: Ctx, person: Person, public_id: str) -> Interview:
    interview = ctx.session.scalar(select(Interview).where(
        Interview.public_id == public_id, Interview.person_id == person.id))
    if interview is None:
        raise NotFound()
    return interview
