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
from typing import Any

from sqlalchemy import delete, func, select, update

from casework.domain.keyversions import KeyReason, retire_decision
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
    NotificationChannel,
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
from casework.services import attachments, keystate, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError
from crypto import (
    CryptoError,
    field_key_version,
    generate_key,
    unwrap_key,
    wrap_key,
    wrapped_key_version,
)

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


@dataclass(frozen=True)
class RewrapProgress:
    rewrapped: int
    remaining: int


def rotate_kek(ctx: Ctx, name: str) -> int:
    """Add a new current version of a key set; returns the version.

    The caller holds the key-operation lock (``oplock``). The key file is re-read first and
    written only if unchanged since (compare-and-swap), then the casework database names
    the new version, so every process takes it up at its next unit of work. If an earlier
    rotation wrote the key file but crashed before the database named the new version,
    that version is adopted instead of making another one.
    """
    if name not in ROTATABLE or name in NEEDS_REINDEX:
        raise ServiceError(KeyReason.NOT_ROTATABLE)
    ctx.keys.reload()
    on_disk = ctx.keys.file_material()
    state = keystate.ensure_state(ctx.session, on_disk, ctx.now)
    in_file = getattr(on_disk, name).current_key
    if in_file.version > state[name].version:
        key = in_file  # finish the interrupted rotation
    else:
        material = on_disk.with_rotated(name)
        ctx.keys.save(material)
        key = getattr(material, name).current_key
    keystate.set_current(ctx.session, name, key, ctx.now)
    ctx.keys.pin({**{n: c.version for n, c in state.items()}, name: key.version})
    ctx.audit("keys.rotate", object_type="keyset", object_ref=f"{name}:v{key.version}")
    return int(key.version)


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
    """Destroy an old key version; refused while anything still depends on it: stored rows,
    work begun before it stopped being current, or a running process that still uses it
    (``casework.domain.keyversions``). The caller holds the key-operation lock."""
    ctx.keys.reload()
    on_disk = ctx.keys.file_material()
    state = keystate.ensure_state(ctx.session, on_disk, ctx.now)
    known = getattr(on_disk, name).versions if name in ROTATABLE else ()
    current = state[name].version if name in state else 0
    rows = version in known and version != current and _in_use(ctx, name, version)
    decision = retire_decision(
        name=name, version=version, known=known, current=current, rows_in_use=rows,
        current_until=state[name].since if name in state else ctx.now,
        processes=[p for p in keystate.live_processes(ctx.session, ctx.now)
                   if p.process_id != ctx.keys.process_id], now=ctx.now)
    if not decision:
        raise ServiceError(*decision.reasons)
    try:
        material = on_disk.with_retired(name, version)
    except CryptoError:  # the key file's own current (an unfinished rotation's new key)
        raise ServiceError(KeyReason.CURRENT) from None
    ctx.keys.save(material, retired=(name, version))
    keystate.forget_stale(ctx.session, ctx.now)
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
        if any(field_key_version(t) == version for row in tokens for t in row if t):
            return True
        # Issue 10: staff members' own notification addresses, sealed under "staff" too.
        return any(field_key_version(t) == version for t in ctx.session.scalars(
            select(NotificationChannel.address_ciphertext)) if t)
    if name == "intel":
        return any(wrapped_key_version(w) == version
                   for w in ctx.session.scalars(select(IntelEntry.wrapped_key)))
    if name == "signing":
        return ctx.session.scalar(select(func.count()).select_from(DestructionCertificate)
                                  .where(DestructionCertificate.signing_key_version ==
                                         version)) != 0
    return False


def rotate_data_key(ctx: Ctx, subject_id: str) -> int:
    """Give a subject a new data key and re-encrypt everything under it.

    The subject's row is locked first (FOR UPDATE on PostgreSQL, the write lock on SQLite)
    and every write that seals under the subject's newest key takes a share lock on the
    same row (``subjects.hold_for_write``): a write begun before waits for nothing and is
    re-encrypted here once it has committed; one begun after waits, then seals under the
    new key. No note written meanwhile is lost or left under the deleted key.
    """
    lock_subject(ctx, subject_id)
    ctx.session.expire_all()  # rows read before the lock may have changed since
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
    subjects.forget_keys(ctx, subject_id, below=new_version)
    ctx.session.flush()
    ctx.audit("keys.rotate_data_key", object_type="subject", object_ref=subject_id)
    return new_version


def lock_subject(ctx: Ctx, subject_id: str) -> None:
    """Take the subject's row lock for the rest of the transaction (exclusive)."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(select(Subject.subject_id).where(
            Subject.subject_id == subject_id).with_for_update())
    else:  # SQLite: any write takes the database write lock until commit
        ctx.session.execute(update(Subject).where(Subject.subject_id == subject_id)
                            .values(kind=Subject.kind))
