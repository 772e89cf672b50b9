"""After a restore: apply tombstones, then prove every record decrypts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from casework.domain.shredding import tombstone_applies
from casework.models import Attachment, DisclosurePackage, IntelEntry, Person, Subject
from casework.services import attachments, audit, intel, persons, shredding
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
    intel_ok: int = 0
    conflicts: tuple[str, ...] = field(default=())
    packages_ok: int = 0
    pending_shreds: int = 0


@dataclass(frozen=True)
class TombstoneResult:
    applied: int
    conflicts: tuple[str, ...]


def apply_tombstones(ctx: Ctx, tombstones: Tombstones, folder: Path, *,
                     backup_taken_at: str = "") -> TombstoneResult:
    """Shred again, in the restored copy, every subject shredded after the backup: its
    keys, indexes, source links, files and the specific intelligence learned from it
    (rule 92). A subject listed BEFORE the backup was taken but live in it is reported
    as a conflict and left alone (domain.shredding.tombstone_applies)."""
    applied, conflicts = 0, []
    for subject_id, when in sorted(tombstones.load().items()):
        subject = ctx.session.get(Subject, subject_id)
        if subject is None:
            continue
        verdict = tombstone_applies(tombstoned_at=when, backup_taken_at=backup_taken_at,
                                    shredded_in_backup=subject.shredded_at is not None)
        if verdict == "conflict":
            conflicts.append(subject_id)
            ctx.audit("restore.tombstone_conflict", outcome="alarm", object_type="subject",
                      object_ref=subject_id)
            continue
        if verdict == "already":
            # The backup may hold the shred half done: make sure the files are gone too.
            shredding.destroy_files(ctx, subject_id, folder)
            continue
        person = ctx.session.scalar(select(Person).where(Person.subject_id == subject_id))
        entries = intel.entries_for_person(ctx, person) if person is not None else []
        shredding.shred_intel_entries(ctx, [e.public_id for e in entries
                                            if e.kind == "specific"])
        shredding.destroy_casework(ctx, subject)
        shredding.destroy_files(ctx, subject_id, folder)
        applied += 1
    ctx.session.flush()
    if applied:
        shredding.purge_wal_after_commit(ctx.session, IntelEntry)
    return TombstoneResult(applied, tuple(conflicts))


def verify_everything(ctx: Ctx, folder: Path, *, tombstoned: int,
                      conflicts: tuple[str, ...] = (),
                      packages_folder: Path | None = None) -> RestoreReport:
    """Every live person and attachment decrypts, every intelligence entry not shredded
    decrypts, every released package is there byte for byte, the audit chain holds."""
    ok_people = ok_files = ok_intel = ok_packages = failures = 0
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
    for entry in ctx.session.scalars(select(IntelEntry).where(IntelEntry.wrapped_key != b"")):
        try:
            intel.read(ctx, entry)
            ok_intel += 1
        except (IntegrityAlarm, SubjectShredded):
            failures += 1
    if packages_folder is not None:
        for package in ctx.session.scalars(select(DisclosurePackage)):
            path = packages_folder / package.storage_name
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == \
                    package.sha256:
                ok_packages += 1
            else:
                failures += 1
    report = audit.verify(ctx.session, ctx.keys)
    return RestoreReport(ok_people, ok_files, failures, tombstoned, report.ok, ok_intel,
                         conflicts, ok_packages, len(shredding.pending(ctx)))
