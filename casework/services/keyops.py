"""Key rotation (issue 3, item 6).

KEK rotation adds a version to the key file, then rewraps subject data keys in small
batches, each its own transaction, so the application keeps serving and an interrupted run
simply continues where it stopped (rows still wrapped by an old version are the work left).
A retired KEK version is removed from the key file only when nothing uses it any more.

Data-key rotation gives one subject a new data key: every encrypted field is decrypted and
re-encrypted, every attachment's file key rewrapped (the files stay as they are), then the
old data-key version is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, select

from casework.models import (
    Attachment,
    AuditEvent,
    BreakGlass,
    CaseEvent,
    CaseNote,
    Clearance,
    CompensationEvent,
    Consent,
    DestructionCertificate,
    DisclosureItem,
    IntelEntry,
    Interview,
    InterviewAddendum,
    LegalConsultation,
    LegalDecision,
    Person,
    PoliceMeeting,
    PoliceUnit,
    PrivilegedNote,
    ProtectedAddress,
    RiskAssessment,
    Screening,
    SourceLink,
    Staff,
    Subject,
    SubjectKey,
    UnitAssessment,
    WitnessReview,
)
from casework.services import attachments, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError
from crypto import field_key_version, generate_key, unwrap_key, wrap_key, wrapped_key_version

ROTATABLE = ("casework", "intel", "index_root", "audit", "staff", "signing", "secret")
# Every blind-index value is derived from the CURRENT index root, so a new version would
# silently break all search until a full re-index (docs/crypto.md section 8), which does
# not exist yet: refused rather than half-done.
NEEDS_REINDEX = ("index_root",)
# Models holding ciphertext under a person's data key, found through ``person_id``.
PERSON_OWNED: tuple[type, ...] = (
    BreakGlass, Screening, Interview, CaseNote, SourceLink, Consent, Clearance,
    LegalConsultation, LegalDecision, CompensationEvent, WitnessReview, PrivilegedNote,
    RiskAssessment, PoliceMeeting, DisclosureItem, CaseEvent)


def encrypted_rows(ctx: Ctx, subject_id: str) -> Iterator[Any]:
    """Every row with a column encrypted under this subject's data key (not attachments)."""
    unit = ctx.session.scalar(select(PoliceUnit).where(PoliceUnit.subject_id == subject_id))
    if unit is not None:
        yield from ctx.session.scalars(select(UnitAssessment).where(
            UnitAssessment.unit_id == unit.id))
    subject = ctx.session.get(Subject, subject_id)
    if subject is not None and subject.kind == subjects.ORGANISATION:
        yield from ctx.session.scalars(select(ProtectedAddress))
    person = ctx.session.scalar(select(Person).where(Person.subject_id == subject_id))
    if person is None:
        return
    yield person
    for model in PERSON_OWNED:
        yield from ctx.session.scalars(select(model).where(
            model.person_id == person.id))  # type: ignore[attr-defined]
    yield from ctx.session.scalars(select(InterviewAddendum).join(
        Interview, Interview.id == InterviewAddendum.interview_id).where(
        Interview.person_id == person.id))


class KeyReason(str, Enum):
    IN_USE = "key_version_in_use"
    CURRENT = "key_version_current"
    UNKNOWN = "key_version_unknown"
    NOT_ROTATABLE = "key_set_not_rotatable"


@dataclass(frozen=True)
class RewrapProgress:
    rewrapped: int
    remaining: int


def rotate_kek(ctx: Ctx, name: str) -> int:
    """Add a new current version of a key set to the key file; returns the version."""
    if name not in ROTATABLE or name in NEEDS_REINDEX:
        raise ServiceError(KeyReason.NOT_ROTATABLE)
    material = ctx.keys.material.with_rotated(name)
    ctx.keys.save(material)
    version = int(getattr(material, name).current_key.version)
    ctx.audit("keys.rotate", object_type="keyset", object_ref=f"{name}:v{version}")
    return version


def rewrap_batch(ctx: Ctx, *, batch: int = 500) -> RewrapProgress:
    """Rewrap up to ``batch`` subject keys not yet under the current casework KEK."""
    current = ctx.keys.current("casework")
    rows = list(ctx.session.scalars(
        select(SubjectKey).where(SubjectKey.kek_version != current.version)
        .order_by(SubjectKey.id).limit(batch).with_for_update(skip_locked=True)))
    keks = ctx.keys.keyset("casework")
    for row in rows:
        material = unwrap_key(keks, row.wrapped_key, subject=row.subject_id,
                              purpose=subjects.WRAP_PURPOSE)
        row.wrapped_key = wrap_key(current, material, subject=row.subject_id,
                                   purpose=subjects.WRAP_PURPOSE)
        row.kek_version = current.version
    ctx.session.flush()
    remaining = ctx.session.scalar(select(func.count()).select_from(SubjectKey).where(
        SubjectKey.kek_version != current.version)) or 0
    if rows:
        ctx.audit("keys.rewrap", object_type="keyset", object_ref=f"casework:{len(rows)}")
    return RewrapProgress(len(rows), int(remaining))


def rewrap_all(ctx: Ctx, *, batch: int = 500,
               commit: Callable[[], None] | None = None) -> int:
    """Run batches until none is left; ``commit`` ends each batch's transaction."""
    total = 0
    while True:
        progress = rewrap_batch(ctx, batch=batch)
        if commit is not None:
            commit()
        total += progress.rewrapped
        if progress.rewrapped == 0 or progress.remaining == 0:
            return total


def retire(ctx: Ctx, name: str, version: int) -> None:
    """Destroy an old key version; refused while anything still depends on it."""
    keyset = ctx.keys.keyset(name)
    if version not in keyset.versions:
        raise ServiceError(KeyReason.UNKNOWN)
    if version == keyset.current_key.version:
        raise ServiceError(KeyReason.CURRENT)
    if _in_use(ctx, name, version):
        raise ServiceError(KeyReason.IN_USE)
    ctx.keys.save(ctx.keys.material.with_retired(name, version))
    ctx.audit("keys.retire", object_type="keyset", object_ref=f"{name}:v{version}")


def _in_use(ctx: Ctx, name: str, version: int) -> bool:
    """Does anything stored still need this key version? Retiring it would then destroy
    data (casework, intel), lock staff out (staff), break audit verification (audit) or
    leave destruction certificates unverifiable (signing)."""
    if name == "casework":
        return bool(subjects.key_versions_in_use(ctx).get(version))
    if name == "audit":
        return ctx.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.key_version == version)) != 0
    if name == "staff":
        tokens = ctx.session.execute(select(Staff.totp_secret_ciphertext,
                                            Staff.totp_pending_ciphertext))
        return any(field_key_version(t) == version for row in tokens for t in row if t)
    if name == "intel":
        return any(wrapped_key_version(w) == version
                   for w in ctx.session.scalars(select(IntelEntry.wrapped_key)))
    if name == "signing":
        return ctx.session.scalar(select(func.count()).select_from(DestructionCertificate)
                                  .where(DestructionCertificate.signing_key_version ==
                                         version)) != 0
    return False


def rotate_data_key(ctx: Ctx, subject_id: str) -> int:
    """Give a subject a new data key and re-encrypt everything under it."""
    old = subjects.data_key(ctx, subject_id)
    new_version = old.version + 1
    subjects._store_key(ctx, subject_id, version=new_version, material=generate_key())
    new = subjects.data_key(ctx, subject_id, new_version)
    for row in list(encrypted_rows(ctx, subject_id)):
        for column in row.encrypted_columns:
            if getattr(row, column) is not None:
                value = subjects.unseal_row(ctx, subject_id, row, column)
                subjects.seal_row(ctx, subject_id, row, column, value)
    for attachment in ctx.session.scalars(select(Attachment).where(
            Attachment.subject_id == subject_id)):
        name = subjects.unseal(ctx, subject_id, attachment.filename_ciphertext,
                               table="attachments", column="filename_ciphertext",
                               row=attachment.public_id)
        attachments.rewrap(ctx, attachment, old, new)
        attachment.filename_ciphertext = subjects.seal(
            ctx, subject_id, name, table="attachments", column="filename_ciphertext",
            row=attachment.public_id)
    ctx.session.execute(delete(SubjectKey).where(
        SubjectKey.subject_id == subject_id, SubjectKey.version < new_version))
    ctx.session.flush()
    ctx.audit("keys.rotate_data_key", object_type="subject", object_ref=subject_id)
    return new_version
