"""Crypto-shredding (issue 3, item 7).

Destroying a subject's wrapped data keys makes every ciphertext under them unreadable
wherever it was copied; the blind-index entries (keyed by a global index key, so they would
survive) and the attachment files go too, and the ciphertext columns are cleared as defence
in depth. What remains is a signed destruction certificate and an audit entry, neither of
which holds any content. How this reaches backups is in docs/crypto.md ("Crypto-shredding
and backups"): the subject is added to the tombstone list that every restore applies, and
the KEK that wrapped the old backups is retired after the backup retention period.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from casework.domain.roles import Role
from casework.domain.shredding import (
    ShredReason,
    ShredRefusal,
    ShredStep,
    can_shred,
    next_shred_step,
)
from casework.models import (
    Attachment,
    BlindIndexEntry,
    DestructionCertificate,
    IntelEntry,
    Person,
    ShredJob,
    SourceLink,
    Staff,
    Subject,
    SubjectKey,
)
from casework.models.base import utcnow
from casework.services import attachments, intel, subjects
from casework.services.context import Ctx
from casework.services.db import DbSession
from casework.services.errors import NotFound, ServiceError
from casework.services.tombstones import Tombstones
from crypto import sign

Commit = Callable[[], None]


def shred(ctx: Ctx, *, subject_id: str, reason: ShredReason, approved_by: str,
          folder: Path, tombstones: Tombstones, commit: Commit) -> DestructionCertificate:
    """Destroy everything of one subject; returns the signed certificate.

    A shred is a recorded intent (a ``ShredJob``) whose steps commit one by one through
    ``commit``; if a shred of this subject was interrupted, this call completes it (with
    the approval recorded then) instead of starting again."""
    job = ctx.session.scalar(select(ShredJob).where(ShredJob.subject_id == subject_id))
    if job is None or job.step == ShredStep.DONE.value:
        job = start(ctx, subject_id=subject_id, reason=reason, approved_by=approved_by)
        commit()
    return run(ctx, job, folder=folder, tombstones=tombstones, commit=commit)


def start(ctx: Ctx, *, subject_id: str, reason: ShredReason,
          approved_by: str) -> ShredJob:
    """Check the request and record the intent with its plan (flushes, no commit)."""
    subject = ctx.session.get(Subject, subject_id)
    if subject is None:
        raise NotFound()
    approver = ctx.session.scalar(select(Staff).where(Staff.public_id == approved_by)) \
        if approved_by else None
    decision = can_shred(legal_hold=subject.legal_hold,
                         already_shredded=subject.shredded_at is not None,
                         requested_by=ctx.actor, approved_by=approved_by,
                         approver_is_director=approver is not None and approver.is_active
                         and approver.role == Role.DIRECTOR.value)
    if not decision.allowed:
        ctx.audit("subject.shred", outcome="denied", object_type="subject",
                  object_ref=subject_id)
        raise ServiceError(*decision.reasons)
    specific, thematic = _learned_from(ctx, subject_id)
    job = ShredJob(subject_id=subject_id, reason=reason.value, requested_by=ctx.actor,
                   approved_by=approved_by, step=ShredStep.PLANNED.value,
                   plan=json.dumps({"intel_specific": specific, "intel_thematic_kept": thematic},
                                   sort_keys=True),
                   counts="{}", started_at=ctx.now, updated_at=ctx.now)
    ctx.session.add(job)
    ctx.session.flush()
    ctx.audit("subject.shred_start", object_type="subject", object_ref=subject_id)
    return job


def run(ctx: Ctx, job: ShredJob, *, folder: Path, tombstones: Tombstones,
        commit: Commit) -> DestructionCertificate:
    """Run the steps not yet done, committing after each; safe to call again after any
    interruption (every step is idempotent)."""
    reached = ShredStep(job.step)
    while (step := next_shred_step(reached)) is not None:
        if step in (ShredStep.INTEL, ShredStep.KEYS) and _on_hold(ctx, job.subject_id):
            # A legal hold set after the intent was recorded still wins before the keys go.
            raise ServiceError(ShredRefusal.LEGAL_HOLD)
        done = _STEPS[step](ctx, job, folder, tombstones)
        counts = json.loads(job.counts)
        counts.update(done)
        job.counts = json.dumps(counts, sort_keys=True)
        job.step, job.updated_at = step.value, ctx.now
        ctx.session.flush()
        commit()
        reached = step
    certificate = ctx.session.scalar(select(DestructionCertificate).where(
        DestructionCertificate.subject_id == job.subject_id)
        .order_by(DestructionCertificate.id.desc()).limit(1))
    if certificate is None:  # pragma: no cover - the DONE step always writes one
        raise NotFound()
    return certificate


def pending(ctx: Ctx) -> list[ShredJob]:
    """Shreds that were started and not finished (oldest first)."""
    return list(ctx.session.scalars(select(ShredJob).where(
        ShredJob.step != ShredStep.DONE.value).order_by(ShredJob.id)))


def resume_all(ctx: Ctx, *, folder: Path, tombstones: Tombstones,
               commit: Commit) -> list[DestructionCertificate]:
    return [run(ctx, job, folder=folder, tombstones=tombstones, commit=commit)
            for job in pending(ctx)]


def live_on_tombstone_list(ctx: Ctx, tombstones: Tombstones) -> list[str]:
    """Subjects on the tombstone list that this database still has live: an inconsistency
    (an interrupted shred of an older release, a tampered list) to report, never to
    erase silently."""
    listed = list(tombstones.load())
    if not listed:
        return []
    return sorted(ctx.session.scalars(select(Subject.subject_id).where(
        Subject.subject_id.in_(listed), Subject.shredded_at.is_(None))))


def _on_hold(ctx: Ctx, subject_id: str) -> bool:
    subject = ctx.session.get(Subject, subject_id)
    return bool(subject is not None and subject.legal_hold)


def _learned_from(ctx: Ctx, subject_id: str) -> tuple[list[str], int]:
    """The specific intelligence entries whose source is the subject (opaque ids) and how
    many thematic ones survive them (rule 92). Needs the subject's key (source links)."""
    person = ctx.session.scalar(select(Person).where(Person.subject_id == subject_id))
    if person is None:
        return [], 0
    entries = intel.entries_for_person(ctx, person)
    specific = sorted(e.public_id for e in entries if e.kind == "specific")
    return specific, sum(1 for e in entries if e.kind != "specific")


def shred_intel_entries(ctx: Ctx, public_ids: list[str]) -> int:
    """Crypto-shred intelligence entries: their wrapped keys and ciphertext go, the row
    (opaque reference, grading) stays so disclosures that cite it still resolve."""
    count = 0
    if not public_ids:
        return 0
    for entry in ctx.session.scalars(select(IntelEntry).where(
            IntelEntry.public_id.in_(public_ids))):
        if entry.wrapped_key or entry.details_ciphertext is not None:
            entry.wrapped_key, entry.details_ciphertext = b"", None
        count += 1
    ctx.session.flush()
    return count


def destroy_casework(ctx: Ctx, subject: Subject) -> dict[str, int]:
    """Keys, indexes, source links, ciphertext of one subject, in the casework database
    (one transaction: the caller commits)."""
    subject_id = subject.subject_id
    subjects.forget_keys(ctx, subject_id)  # nothing decrypts under them after this
    person = ctx.session.scalar(select(Person).where(Person.subject_id == subject_id))
    counts = {
        "data_keys": _delete(ctx, SubjectKey, subject_id),
        "index_entries": _delete(ctx, BlindIndexEntry, subject_id),
        "source_links": 0,
    }
    if person is not None:
        result = ctx.session.execute(delete(SourceLink).where(
            SourceLink.person_id == person.id))
        counts["source_links"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        for column in Person.encrypted_columns:
            setattr(person, column, None)
        # Its index entries are gone with the rest: nothing to pair, nothing to find, and
        # an erased person must not keep every name search on the slow path.
        person.name_pairs = True
    files = list(ctx.session.scalars(select(Attachment).where(
        Attachment.subject_id == subject_id)))
    for row in files:
        row.filename_ciphertext, row.wrapped_file_key = b"", b""
    counts["attachments"] = len(files)
    if subject.shredded_at is None:
        subject.shredded_at = ctx.now
    ctx.session.flush()
    purge_wal_after_commit(ctx.session)
    return counts


def destroy_files(ctx: Ctx, subject_id: str, folder: Path) -> int:
    """Overwrite and unlink the subject's attachment files (missing ones are fine)."""
    rows = list(ctx.session.scalars(select(Attachment).where(
        Attachment.subject_id == subject_id)))
    for row in rows:
        attachments.destroy_file(folder, row)
    return len(rows)


def _plan(job: ShredJob) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads(job.plan)
    return plan


def _step_intel(ctx: Ctx, job: ShredJob, _folder: Path, _t: Tombstones) -> dict[str, int]:
    done = shred_intel_entries(ctx, list(_plan(job)["intel_specific"]))
    purge_wal_after_commit(ctx.session, IntelEntry)
    return {"intel_specific_entries": done}


def _step_keys(ctx: Ctx, job: ShredJob, _folder: Path, _t: Tombstones) -> dict[str, int]:
    subject = ctx.session.get(Subject, job.subject_id)
    if subject is None:
        raise NotFound()
    if subject.shredded_at is None:
        # An entry recorded from the person after the plan was made: last chance to find
        # it, in the transaction that destroys the links (the next step shreds it).
        specific, thematic = _learned_from(ctx, job.subject_id)
        plan = _plan(job)
        plan["intel_specific"] = sorted(set(plan["intel_specific"]) | set(specific))
        plan["intel_thematic_kept"] = max(plan["intel_thematic_kept"], thematic)
        job.plan = json.dumps(plan, sort_keys=True)
    return destroy_casework(ctx, subject)


def _step_files(ctx: Ctx, job: ShredJob, folder: Path, _t: Tombstones) -> dict[str, int]:
    destroy_files(ctx, job.subject_id, folder)
    # Again, idempotently: covers entries added to the plan by the keys step.
    done = shred_intel_entries(ctx, list(_plan(job)["intel_specific"]))
    purge_wal_after_commit(ctx.session, IntelEntry)
    return {"intel_specific_entries": done}


def _step_tombstone(ctx: Ctx, job: ShredJob, _folder: Path,
                    tombstones: Tombstones) -> dict[str, int]:
    # The wall clock, not the command's start: a backup that began after this instant
    # was taken after the keys were gone (see domain.shredding.tombstone_applies).
    if job.subject_id not in tombstones.load():
        tombstones.add(job.subject_id, utcnow())
    return {}


def _step_certificate(ctx: Ctx, job: ShredJob, _folder: Path,
                      _t: Tombstones) -> dict[str, int]:
    person = ctx.session.scalar(select(Person).where(Person.subject_id == job.subject_id))
    plan, counts = _plan(job), json.loads(job.counts)
    destroyed = {name: counts.get(name, 0) for name in (
        "data_keys", "index_entries", "attachments", "source_links", "intel_specific_entries")}
    statement = json.dumps({
        "subject": job.subject_id, "case_code": person.case_code if person else None,
        "reason": job.reason, "requested_by": job.requested_by,
        "approved_by": job.approved_by, "started_at": job.started_at.isoformat() + "Z",
        "performed_at": ctx.now.isoformat() + "Z", "destroyed": destroyed,
        "intel_entries_shredded": plan["intel_specific"],
        "intel_thematic_kept": plan["intel_thematic_kept"],
        "casework_kek_versions": list(ctx.keys.keyset("casework").versions),
    }, sort_keys=True, separators=(",", ":"))
    signing = ctx.keys.current("signing")
    ctx.session.add(DestructionCertificate(
        subject_id=job.subject_id, case_code=person.case_code if person else None,
        reason=job.reason, requested_by=job.requested_by, approved_by=job.approved_by,
        performed_at=ctx.now, statement=statement,
        signature=sign(signing.material, statement.encode("utf-8")),
        signing_key_version=signing.version))
    job.completed_at = ctx.now
    ctx.audit("subject.shred", object_type="subject", object_ref=job.subject_id)
    return {}


_STEPS: dict[ShredStep, Callable[[Ctx, ShredJob, Path, Tombstones], dict[str, int]]] = {
    ShredStep.INTEL: _step_intel,
    ShredStep.KEYS: _step_keys,
    ShredStep.FILES: _step_files,
    ShredStep.TOMBSTONED: _step_tombstone,
    ShredStep.DONE: _step_certificate,
}


def purge_wal_after_commit(session: DbSession, model: type | None = None) -> None:
    """On SQLite the pre-shred pages (wrapped keys, ciphertext) stay in the -wal file, and
    in the database file until a checkpoint copies the secure_delete'd pages over them.
    Once the caller commits, whoever it is (CLI, web, restore), fold the WAL into the
    database file and truncate it."""
    real = session() if isinstance(session, scoped_session) else session
    engine = real.get_bind(mapper=model) if model is not None else real.get_bind()
    if isinstance(engine, Connection):
        engine = engine.engine
    if engine.dialect.name != "sqlite":
        return

    def _checkpoint(_committed: Session) -> None:
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    event.listen(real, "after_commit", _checkpoint, once=True)


def _delete(ctx: Ctx, model: type, subject_id: str) -> int:
    result = ctx.session.execute(delete(model).where(
        model.subject_id == subject_id))  # type: ignore[attr-defined]
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def set_legal_hold(ctx: Ctx, subject_id: str, *, hold: bool) -> None:
    subject = ctx.session.get(Subject, subject_id)
    if subject is None:
        raise NotFound()
    subject.legal_hold = hold
    ctx.session.flush()
    ctx.audit("subject.legal_hold", outcome="set" if hold else "cleared",
              object_type="subject", object_ref=subject_id)
