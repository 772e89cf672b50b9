"""Police feedback on a package, what it sets off, and recall after withdrawal (rules
110-112, MOU-15)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from casework.domain.case_events import EventSource
from casework.models import (
    Consent,
    DisclosurePackage,
    DisclosureRequest,
    PackageFeedback,
    Person,
    PoliceUnit,
    RecallNotice,
    Task,
)
from casework.services import (
    case_events,
    clock,
    disclosures,
    mou_versions,
    subjects,
)
from casework.services.context import Ctx
from casework.services.disclosures import DisclosureReason
from casework.services.errors import ServiceError
from mou.terms import FEEDBACK_EVENTS

# What each kind of feedback asks of us (rules 110-112).
INFORM = {"actioned": "inform_person_outcome", "no_further_action": "inform_person_outcome"}
# Feedback that is an event of the person's case (casework.services.case_events).
CASE_EVENTS = frozenset({"arrest", "charge", "release"})


def record(ctx: Ctx, package: DisclosurePackage, kind: str, note: str) -> PackageFeedback:
    if kind not in FEEDBACK_EVENTS:
        raise ServiceError(DisclosureReason.FEEDBACK_KIND)
    request = ctx.session.get(DisclosureRequest, package.request_id)
    assert request is not None
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    active = mou_versions.active(ctx, unit) if unit else None
    if active is not None and kind not in active[1].feedback.events:
        # MOU-14: only the events this MoU lists are recorded as the unit's feedback.
        raise ServiceError(DisclosureReason.FEEDBACK_KIND)
    row = PackageFeedback(package_id=package.id, kind=kind, recorded_by=ctx.actor or "",
                          recorded_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    subjects.seal_row(ctx, subjects.organisation_subject(ctx), row, "note_ciphertext", note.strip())
    people = [ctx.session.get(Person, pid) for pid in {i.person_id for i in
                                                       disclosures.items_of(ctx, request)
                                                       if i.person_id}]
    for person in filter(None, people):
        if kind in CASE_EVENTS:
            # Rules 111-112: on the person's timeline, with the same consequences as an
            # event any of their staff records (a release: the urgent safety task).
            case_events.record(ctx, person, kind=kind, occurred_on=clock.today(ctx),
                               source=EventSource.POLICE_FEEDBACK,
                               source_ref=request.reference)
        elif kind in INFORM:
            disclosures._task_for_person(ctx, person, INFORM[kind], urgent=False,
                                         ref=request.reference)
    ctx.audit("package.feedback", outcome=kind, object_type="disclosure",
              object_ref=request.reference)
    return row


def for_package(ctx: Ctx, package: DisclosurePackage) -> list[tuple[PackageFeedback, str]]:
    rows = ctx.session.scalars(select(PackageFeedback).where(
        PackageFeedback.package_id == package.id).order_by(PackageFeedback.recorded_at))
    org = subjects.organisation_subject(ctx)
    return [(r, subjects.unseal_row(ctx, org, r, "note_ciphertext") or "") for r in rows]


def recall_after_withdrawal(ctx: Ctx, consent: Consent,
                            packages_folder: Path | None = None) -> list[RecallNotice]:
    """Consent withdrawn after release: a package never downloaded is revoked for good
    (issue 9); one already handed over gets a recall notice, due under the MoU's terms."""
    from casework.services import download_gates

    found = download_gates.packages_relying_on(ctx, consent_id=consent.id)
    return [notice for _, notice in download_gates.basis_gone(
        ctx, found, packages_folder, reason="consent_withdrawn") if notice is not None]


def open_recalls(ctx: Ctx) -> list[RecallNotice]:
    return list(ctx.session.scalars(select(RecallNotice).where(RecallNotice.sent_at.is_(None))
                                    .order_by(RecallNotice.due_at)))


def mark_recall_sent(ctx: Ctx, notice: RecallNotice) -> None:
    notice.sent_at, notice.sent_by = ctx.now, ctx.actor
    ctx.session.flush()
    ctx.audit("package.recall_sent", object_type="recall", object_ref=notice.public_id)




def complete_task(ctx: Ctx, task: Task) -> None:
    task.done_at, task.done_by = ctx.now, ctx.actor
    ctx.session.flush()
    ctx.audit("task.done", outcome=task.kind[:32], object_type="task", object_ref=task.public_id)
