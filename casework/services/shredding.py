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
from pathlib import Path

from sqlalchemy import delete, event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from casework.domain.roles import Role
from casework.domain.shredding import ShredReason, can_shred
from casework.models import (
    Attachment,
    BlindIndexEntry,
    DestructionCertificate,
    Person,
    Staff,
    Subject,
    SubjectKey,
)
from casework.services import attachments
from casework.services.context import Ctx
from casework.services.db import DbSession
from casework.services.errors import NotFound, ServiceError
from casework.services.tombstones import Tombstones
from crypto import sign


def shred(ctx: Ctx, *, subject_id: str, reason: ShredReason, approved_by: str,
          folder: Path, tombstones: Tombstones) -> DestructionCertificate:
    """Destroy everything of one subject; returns the signed certificate."""
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
    person = ctx.session.scalar(select(Person).where(Person.subject_id == subject_id))
    files = list(ctx.session.scalars(select(Attachment).where(
        Attachment.subject_id == subject_id)))
    counts = {
        "data_keys": _delete(ctx, SubjectKey, subject_id),
        "index_entries": _delete(ctx, BlindIndexEntry, subject_id),
        "attachments": len(files),
    }
    if person is not None:
        for column in Person.encrypted_columns:
            setattr(person, column, None)
    for row in files:
        row.filename_ciphertext, row.wrapped_file_key = b"", b""
    subject.shredded_at = ctx.now
    tombstones.add(subject_id, ctx.now)
    statement = json.dumps({
        "subject": subject_id, "case_code": person.case_code if person else None,
        "reason": reason.value, "requested_by": ctx.actor, "approved_by": approved_by,
        "performed_at": ctx.now.isoformat() + "Z", "destroyed": counts,
        "casework_kek_versions": list(ctx.keys.keyset("casework").versions),
    }, sort_keys=True, separators=(",", ":"))
    signing = ctx.keys.current("signing")
    certificate = DestructionCertificate(
        subject_id=subject_id, case_code=person.case_code if person else None,
        reason=reason.value, requested_by=ctx.actor, approved_by=approved_by,
        performed_at=ctx.now, statement=statement,
        signature=sign(signing.material, statement.encode("utf-8")),
        signing_key_version=signing.version)
    ctx.session.add(certificate)
    ctx.session.flush()
    # Files last: if anything above failed, the transaction rolls back and the files live.
    for row in files:
        attachments.destroy_file(folder, row)
    ctx.audit("subject.shred", object_type="subject", object_ref=subject_id)
    purge_wal_after_commit(ctx.session)
    return certificate


def purge_wal_after_commit(session: DbSession) -> None:
    """On SQLite the pre-shred pages (wrapped keys, ciphertext) stay in the -wal file, and
    in the database file until a checkpoint copies the secure_delete'd pages over them.
    Once the caller commits, whoever it is (CLI, web, restore), fold the WAL into the
    database file and truncate it."""
    real = session() if isinstance(session, scoped_session) else session
    engine = real.get_bind()
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
