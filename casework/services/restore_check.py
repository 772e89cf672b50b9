"""After a restore: apply tombstones, then prove every record decrypts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from casework.models import Attachment, BlindIndexEntry, Person, Subject, SubjectKey
from casework.services import attachments, audit, persons, shredding
from casework.services.context import Ctx
from casework.services.subjects import IntegrityAlarm, SubjectShredded
from casework.services.tombstones import Tombstones


@dataclass(frozen=True)
class RestoreReport:
    persons_ok: int
    attachments_ok: int
    failures: int
    tombstoned: int
    audit_ok: bool


def apply_tombstones(ctx: Ctx, tombstones: Tombstones, folder: Path) -> int:
    """Shred again, in the restored copy, every subject shredded after the backup."""
    count = 0
    for subject_id in tombstones.load():
        subject = ctx.session.get(Subject, subject_id)
        if subject is None or subject.shredded_at is not None:
            continue
        for row in ctx.session.scalars(select(Attachment).where(
                Attachment.subject_id == subject_id)):
            attachments.destroy_file(folder, row)
            row.wrapped_file_key, row.filename_ciphertext = b"", b""
        ctx.session.execute(delete(SubjectKey).where(SubjectKey.subject_id == subject_id))
        ctx.session.execute(delete(BlindIndexEntry).where(
            BlindIndexEntry.subject_id == subject_id))
        person = ctx.session.scalar(select(Person).where(Person.subject_id == subject_id))
        if person is not None:
            for column in Person.encrypted_columns:
                setattr(person, column, None)
        subject.shredded_at = ctx.now
        count += 1
    ctx.session.flush()
    if count:
        shredding.purge_wal_after_commit(ctx.session)
    return count


def verify_everything(ctx: Ctx, folder: Path, *, tombstoned: int) -> RestoreReport:
    ok_people = ok_files = failures = 0
    live = select(Subject.subject_id).where(Subject.shredded_at.is_(None))
    for person in ctx.session.scalars(select(Person).where(Person.subject_id.in_(live))):
        try:
            persons.read(ctx, person)
            ok_people += 1
        except (IntegrityAlarm, SubjectShredded):
            failures += 1
    for row in ctx.session.scalars(select(Attachment).where(Attachment.subject_id.in_(live))):
        try:
            attachments.read(ctx, folder, row)
            ok_files += 1
        except (IntegrityAlarm, SubjectShredded):
            failures += 1
    report = audit.verify(ctx.session, ctx.keys)
    return RestoreReport(ok_people, ok_files, failures, tombstoned, report.ok)
