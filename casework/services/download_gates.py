"""Re-taking the release decision where it takes effect (issue 9, item 1; rules 10, 12, 84).

At every download every consent, the MoU and the releaser's designation the package relied
on are checked again. A package whose consent was withdrawn (or expired) or whose MoU ended
before its first download is revoked for good: the encrypted file is deleted, the audit
chain records why, the liaison and the drafter are told. After a download it cannot be
unsent: a recall notice goes to the unit (MOU-15), as for a withdrawal.

The same consequence is applied at the moment of the event (a consent withdrawal, a legal
decision to stop, an MoU terminated), so nothing waits for somebody to try a download.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from casework.domain.duties import recall_key
from casework.domain.release_gates import (
    ConsentState,
    Consequence,
    DownloadFacts,
    consequence,
    download_gate,
)
from casework.models import (
    Consent,
    DisclosureItem,
    DisclosurePackage,
    DisclosureRequest,
    MouVersion,
    PoliceUnit,
    RecallNotice,
    Staff,
    Task,
)
from casework.services import mou_versions, notifications, roster
from casework.services.context import Ctx
from casework.services.errors import ServiceError


def _request(ctx: Ctx, package: DisclosurePackage) -> DisclosureRequest:
    request = ctx.session.get(DisclosureRequest, package.request_id)
    assert request is not None
    return request


def mou_in_force(ctx: Ctx, request: DisclosureRequest) -> bool:
    """The unit has an MoU in force now, and the version the request was drafted under was
    not terminated (rule 84: no exchange without the agreement)."""
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    if unit is None or mou_versions.active(ctx, unit) is None:
        return False
    drafted_under = ctx.session.get(MouVersion, request.mou_version_id) \
        if request.mou_version_id else None
    return drafted_under is None or drafted_under.terminated_at is None


def facts(ctx: Ctx, staff: Staff, package: DisclosurePackage) -> DownloadFacts:
    request = _request(ctx, package)
    consent_rows = ctx.session.scalars(select(Consent).where(Consent.id.in_(
        select(DisclosureItem.consent_id).where(DisclosureItem.request_id == request.id,
                                                DisclosureItem.consent_id.is_not(None)))))
    return DownloadFacts(
        consents=tuple(ConsentState(c.withdrawn_at, c.valid_until) for c in consent_rows),
        mou_in_force=mou_in_force(ctx, request),
        releaser_designated=roster.is_designated(ctx, staff),
        releaser_on_duty=roster.is_on_duty(ctx, staff),
        revoked=package.revoked_at is not None)


def lock(ctx: Ctx, package: DisclosurePackage) -> DisclosurePackage:
    """Take the package row's lock and read it fresh: a download and a revocation of the
    same package are serialised, so a package is never both handed over and revoked."""
    ctx.session.execute(update(DisclosurePackage).where(DisclosurePackage.id == package.id)
                        .values(id=DisclosurePackage.id))  # a no-op write: SQLite's lock
    fresh = ctx.session.scalar(select(DisclosurePackage).where(
        DisclosurePackage.id == package.id).with_for_update()
        .execution_options(populate_existing=True))
    assert fresh is not None
    return fresh


def check(ctx: Ctx, staff: Staff, package: DisclosurePackage, folder: Path) -> None:
    """Raise with the reasons if this download may not happen now; a package whose basis
    is gone is revoked or recalled first (the caller commits that even on refusal)."""
    package = lock(ctx, package)
    decision = download_gate(facts(ctx, staff, package), now=ctx.now)
    if decision.allowed:
        return
    if package.revoked_at is not None:
        (folder / package.storage_name).unlink(missing_ok=True)
    effect = consequence(decision, downloaded_before=package.first_downloaded_at is not None)
    reason = str(decision.reasons[0].value)
    if effect is Consequence.REVOKE:
        revoke(ctx, package, folder, reason=reason)
    elif effect is Consequence.RECALL:
        recall(ctx, package, reason=reason)
    ctx.audit("package.download", outcome="denied", object_type="package",
              object_ref=package.sha256)
    raise ServiceError(*decision.reasons)


def revoke(ctx: Ctx, package: DisclosurePackage, folder: Path | None, *,
           reason: str) -> bool:
    """Never handed over, never will be: delete the ciphertext, say why, tell people.
    ``folder`` None (a caller without the package folder): the row is revoked now and the
    file goes at the next download attempt (``check``)."""
    if package.revoked_at is not None:
        return False
    package.revoked_at, package.revoked_reason = ctx.now, reason[:40]
    package.downloads_left = 0
    if folder is not None:
        (folder / package.storage_name).unlink(missing_ok=True)
    ctx.session.flush()
    ctx.audit("package.revoked", outcome=reason[:32], object_type="package",
              object_ref=package.sha256)
    request = _request(ctx, package)
    for ref in sorted({package.released_by, request.drafted_by}):
        person = ctx.session.scalar(select(Staff).where(Staff.public_id == ref))
        if person is not None:
            notifications.notify(ctx, person, "package_revoked",
                                 object_ref=request.reference, urgent=True)
    return True


def recall(ctx: Ctx, package: DisclosurePackage, *, reason: str) -> RecallNotice | None:
    """Already handed over: one open recall notice per package (MOU-15)."""
    pending = ctx.session.scalar(select(RecallNotice).where(
        RecallNotice.package_id == package.id, RecallNotice.sent_at.is_(None)))
    if pending is not None:
        return None
    request = _request(ctx, package)
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    active = mou_versions.active(ctx, unit) if unit else None
    days = active[1].withdrawal_notice_days if active else 1
    notice = RecallNotice(package_id=package.id, reason=reason[:32], created_at=ctx.now,
                          due_at=ctx.now + timedelta(days=days))
    ctx.session.add(notice)
    for liaison in roster.on_duty(ctx) or [s for _, s in roster.designations(ctx)]:
        notifications.notify(ctx, liaison, "recall_notice_due", object_ref=request.reference,
                             urgent=True)
    ctx.session.flush()
    ctx.audit("package.recall_notice", outcome=reason[:32], object_type="package",
              object_ref=package.sha256)
    return notice


def packages_relying_on(ctx: Ctx, *, consent_id: int | None = None,
                        person_id: int | None = None,
                        unit_id: int | None = None) -> list[DisclosurePackage]:
    """Released packages (not revoked) that relied on a consent, a person or a unit."""
    query = select(DisclosurePackage).join(
        DisclosureRequest, DisclosureRequest.id == DisclosurePackage.request_id).where(
        DisclosurePackage.revoked_at.is_(None))
    if consent_id is not None:
        query = query.where(DisclosureRequest.id.in_(select(DisclosureItem.request_id).where(
            DisclosureItem.consent_id == consent_id)))
    if person_id is not None:
        query = query.where(DisclosureRequest.id.in_(select(DisclosureItem.request_id).where(
            DisclosureItem.person_id == person_id)))
    if unit_id is not None:
        query = query.where(DisclosureRequest.unit_id == unit_id)
    return list(ctx.session.scalars(query.order_by(DisclosurePackage.id)))


def basis_gone(ctx: Ctx, packages: list[DisclosurePackage], folder: Path | None, *,
               reason: str) -> list[tuple[DisclosurePackage, RecallNotice | None]]:
    """The basis of these packages went away now: revoke those never downloaded, recall
    the others. Returns each package with its new recall notice (None: revoked, or a
    notice was already pending)."""
    out: list[tuple[DisclosurePackage, RecallNotice | None]] = []
    for package in packages:
        package = lock(ctx, package)
        if package.revoked_at is not None:
            continue
        if package.first_downloaded_at is None:
            revoke(ctx, package, folder, reason=reason)
            out.append((package, None))
        else:
            out.append((package, recall(ctx, package, reason=reason)))
    return out


def after_termination(ctx: Ctx, row: MouVersion, folder: Path | None) -> list[RecallNotice]:
    """Rule 101 / the MoU's ``termination.on_termination``: everything already sent must
    be destroyed or returned, by the notice period; the liaison gets a task to obtain the
    unit's confirmation. Packages never downloaded are revoked."""
    terms = mou_versions.terms_of(row)
    reason = f"mou_terminated_{terms.on_termination}"[:32]
    due = ctx.now + timedelta(days=terms.termination_notice_days)
    notices = []
    for package, notice in basis_gone(ctx, packages_relying_on(ctx, unit_id=row.unit_id),
                                      folder, reason=reason):
        if notice is None:
            continue
        notice.due_at = due
        notices.append(notice)
        # The duty catalogue's destroy-or-return duty, keyed by the notice: the scheduler
        # escalates it and closes it once the notice is confirmed (issue 10).
        ctx.session.add(Task(person_id=None, kind="obtain_destruction_confirmation",
                             urgent=True, object_ref=_request(ctx, package).reference,
                             created_at=ctx.now, due_at=due, owner_role="liaison",
                             duty_key=recall_key(notice.public_id)))
    if notices:
        for _, liaison in roster.designations(ctx):
            notifications.notify(ctx, liaison, "termination_confirmation_due",
                                 object_ref=row.mou_code[:32], urgent=True)
    ctx.session.flush()
    ctx.audit("mou.termination_effects", outcome=f"recall:{len(notices)}",
              object_type="mou", object_ref=row.public_id)
    return notices


def after_mou_expiry(ctx: Ctx, folder: Path | None) -> int:
    """Scheduler: packages whose MoU is no longer in force are revoked (never downloaded) or
    recalled (downloaded) now, not only when somebody next tries a download."""
    gone = [p for p in packages_relying_on(ctx) if not mou_in_force(ctx, _request(ctx, p))]
    basis_gone(ctx, gone, folder, reason="gate_mou_not_in_force")
    return len(gone)
