"""The consent ledger (issue 5, item 1): append-only, signed form attached, withdrawable in
one step, and a withdrawal stops everything that depends on it.

Concurrency: recording an item of a disclosure and withdrawing the consent it relies on
both lock the consent row first (``SELECT ... FOR UPDATE`` on PostgreSQL; the database
write lock on SQLite). Whichever comes second sees the other's result, so a withdrawal can
never be lost behind a disclosure being prepared: either the preparation sees the consent
withdrawn and refuses, or the withdrawal finds the new item and stops the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select, update

from casework.domain.consent import (
    ChildConsent,
    ConsentFacts,
    ConsentReason,
    Purpose,
    ShareLevel,
    is_active,
    validate_record,
)
from casework.domain.decisions import combine
from casework.domain.minors import RepresentativeType
from casework.models import Consent, DisclosureItem, DisclosureRequest, Person, Staff
from casework.models.disclosure import OPEN_STATUSES
from casework.services import attachments, minors, notifications, persons, subjects
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError


@dataclass(frozen=True)
class ConsentInput:
    purposes: frozenset[Purpose]
    recipient_units: frozenset[str]  # police unit public ids
    share_level: ShareLevel
    identity_allowed: bool
    identity_at_persons_request: bool
    valid_until: datetime | None
    notices: frozenset[str]
    language: str
    interpreter: str
    witness: str
    child_consent: ChildConsent | None = None
    representative: str = ""
    representative_consented: bool = False
    child_view: str = ""
    child_age_and_maturity: str = ""
    child_unobtainable_reason: str = ""
    representative_type: RepresentativeType | None = None
    best_interests: str = ""  # rules 138-139: why this decision serves the child
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _facts(person: Person, scope: dict[str, Any], *, withdrawn_at: datetime | None,
           valid_until: datetime | None, signed_form: bool,
           minor_now: bool | None = None) -> ConsentFacts:
    child = scope.get("child_consent")
    return ConsentFacts(
        person_ref=person.public_id, purposes=frozenset(Purpose(p) for p in scope["purposes"]),
        recipient_units=frozenset(scope["recipient_units"]),
        share_level=ShareLevel(scope["share_level"]),
        identity_allowed=bool(scope["identity_allowed"]),
        identity_at_persons_request=bool(scope["identity_at_persons_request"]),
        valid_until=valid_until, withdrawn_at=withdrawn_at, signed_form=signed_form,
        notices=frozenset(scope["notices"]), is_child=bool(scope.get("is_child")),
        representative_consented=bool(scope.get("representative_consented")),
        child_consent=ChildConsent(child) if child else None,
        child_view_recorded=bool(str(scope.get("child_view", "")).strip()),
        child_unobtainable_reason=str(scope.get("child_unobtainable_reason", "")),
        minor_now=minor_now)


def _scope(data: ConsentInput, *, is_child: bool) -> dict[str, Any]:
    return {"purposes": sorted(p.value for p in data.purposes),
            "recipient_units": sorted(data.recipient_units),
            "share_level": data.share_level.value, "identity_allowed": data.identity_allowed,
            "identity_at_persons_request": data.identity_at_persons_request,
            "notices": sorted(data.notices), "language": data.language,
            "interpreter": data.interpreter.strip(), "witness": data.witness.strip(),
            "is_child": is_child,
            "child_consent": data.child_consent.value if data.child_consent else None,
            "representative": data.representative.strip(),
            "representative_consented": data.representative_consented,
            "child_view": data.child_view.strip(),
            "child_age_and_maturity": data.child_age_and_maturity.strip(),
            "child_unobtainable_reason": data.child_unobtainable_reason.strip(),
            "representative_type": data.representative_type.value
            if data.representative_type else None,
            "best_interests": data.best_interests.strip(),
            "notes": data.notes.strip()}


def record(ctx: Ctx, folder: Path, person: Person, data: ConsentInput, *,
           form_stream: BinaryIO | None, form_filename: str, max_bytes: int) -> Consent:
    """Record a written consent with its signed form (an encrypted attachment).

    Child rules apply when the person is a child today, from the facts of the record
    (rule 128), whatever the "child" box says; a child's consent needs the type of the
    representative (rule 21) and a best-interests note (rules 138-139).
    """
    record_ = persons.read(ctx, person)
    is_child = minors.is_minor_at(ctx, person, ctx.now, record_)
    scope = _scope(data, is_child=is_child)
    decision = combine((
        validate_record(_facts(person, scope, withdrawn_at=None,
                               valid_until=data.valid_until,
                               signed_form=form_stream is not None)),
        minors.check_child_decision(ctx, person, when=ctx.now,
                                    best_interests=data.best_interests,
                                    needs_representative=True,
                                    representative=data.representative_type,
                                    record=record_)))
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    consent = Consent(person_id=person.id, recorded_by=ctx.actor or "", recorded_at=ctx.now,
                      valid_until=data.valid_until)
    ctx.session.add(consent)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, consent, "scope_ciphertext", scope)
    assert form_stream is not None
    form = attachments.store(ctx, folder, subject_id=person.subject_id, owner_type="consent",
                             owner_ref=consent.public_id, stream=form_stream,
                             filename=form_filename, max_bytes=max_bytes)
    consent.form_attachment = form.public_id
    ctx.session.flush()
    ctx.audit("consent.record", object_type="person", object_ref=person.case_code)
    return consent


def facts(ctx: Ctx, person: Person, consent: Consent) -> ConsentFacts:
    """The consent as the rules see it now, with the person's age *now* (rule 128)."""
    scope = subjects.unseal_row(ctx, person.subject_id, consent, "scope_ciphertext") or {}
    return _facts(person, scope, withdrawn_at=consent.withdrawn_at,
                  valid_until=consent.valid_until,
                  signed_form=consent.form_attachment is not None,
                  minor_now=minors.is_minor_at(ctx, person, ctx.now))


def scope(ctx: Ctx, person: Person, consent: Consent) -> dict[str, Any]:
    return dict(subjects.unseal_row(ctx, person.subject_id, consent, "scope_ciphertext") or {})


def ledger(ctx: Ctx, person: Person) -> list[Consent]:
    return list(ctx.session.scalars(select(Consent).where(Consent.person_id == person.id)
                                    .order_by(Consent.recorded_at.desc(), Consent.id.desc())))


def get(ctx: Ctx, person: Person, public_id: str) -> Consent:
    consent = ctx.session.scalar(select(Consent).where(Consent.public_id == public_id,
                                                       Consent.person_id == person.id))
    if consent is None:
        raise NotFound()
    return consent


def lock(ctx: Ctx, consent_id: int) -> Consent:
    """Take the consent row's lock (see the module docstring) and return it fresh."""
    ctx.session.execute(update(Consent).where(Consent.id == consent_id)
                        .values(id=Consent.id))  # a no-op write: the SQLite write lock
    consent = ctx.session.scalar(select(Consent).where(Consent.id == consent_id)
                                 .with_for_update().execution_options(populate_existing=True))
    if consent is None:
        raise NotFound()
    return consent


def withdraw(ctx: Ctx, person: Person, consent: Consent, *,
             packages_folder: Path | None = None) -> list[DisclosureRequest]:
    """Withdraw in one step: history kept, every open disclosure relying on it stopped."""
    consent = lock(ctx, consent.id)
    if consent.withdrawn_at is not None:
        raise ServiceError(ConsentReason.WITHDRAWN)
    consent.withdrawn_at, consent.withdrawn_by = ctx.now, ctx.actor
    ctx.session.flush()
    stopped = list(ctx.session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.status.in_(OPEN_STATUSES),
        DisclosureRequest.id.in_(select(DisclosureItem.request_id).where(
            DisclosureItem.consent_id == consent.id))).with_for_update()))
    for request in stopped:
        request.status, request.stop_reason = "stopped", "consent_withdrawn"
        request.updated_at, request.version = ctx.now, request.version + 1
        drafter = ctx.session.scalar(select(Staff).where(Staff.public_id == request.drafted_by))
        if drafter is not None:
            notifications.notify(ctx, drafter, "disclosure_stopped",
                                 object_ref=request.reference, urgent=True)
        ctx.audit("disclosure.stopped", outcome="consent_withdrawn",
                  object_type="disclosure", object_ref=request.reference)
    ctx.session.flush()
    # What was already released cannot be unsent: the unit gets a recall notice (MOU-15).
    from casework.services import feedback

    feedback.recall_after_withdrawal(ctx, consent, packages_folder)
    ctx.audit("consent.withdraw", object_type="person", object_ref=person.case_code)
    return stopped


def active_for(ctx: Ctx, person: Person) -> list[Consent]:
    return [c for c in ledger(ctx, person)
            if is_active(facts(ctx, person, c), now=ctx.now)]
