"""Is this person a child at the moment of a decision? (rules 21, 128-131, 138-139)

The date of birth is encrypted under the person's key; the age at the decision's date is
derived here, after decryption, and never stored (no "minor until" column either: the 18th
birthday would give the date of birth away to within a day).

``is_minor_at`` is what every decision path asks (consent, disclosure, meeting); the
coming-of-age review turns "a child's consent, and the child is now 18" into a task, so a
child's consent is never silently read as an adult's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from casework.domain.decisions import Decision
from casework.domain.minors import (
    AgeFacts,
    DobSource,
    MinorStatus,
    RepresentativeType,
    child_decision,
    consent_needs_review,
    minor_status,
)
from casework.models import Consent, Person, Task
from casework.services import access, clock, notifications, persons, subjects
from casework.services.context import Ctx

REVIEW_TASK = "review_consent_turned_18"
REVIEW_DUE = timedelta(days=7)


def _day(when: date | datetime) -> date:
    return clock.local_day(when) if isinstance(when, datetime) else when


def _enum(kind: type[DobSource] | type[RepresentativeType], value: object):  # type: ignore[no-untyped-def]
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def age_facts(record: persons.PersonRecord) -> AgeFacts:
    profile = record.profile
    born = date.fromisoformat(record.date_of_birth) if record.date_of_birth else None
    estimate = profile.get("estimated_age")
    return AgeFacts(date_of_birth=born, dob_source=_enum(DobSource, profile.get("dob_source")),
                    estimated_age=int(estimate) if isinstance(estimate, int) else None,
                    possibly_child=bool(profile.get("possibly_child")),
                    marked_child=bool(profile.get("is_minor")))


def representative_type(record: persons.PersonRecord) -> RepresentativeType | None:
    value: RepresentativeType | None = _enum(RepresentativeType,
                                             record.profile.get("representative_type"))
    return value


def status_at(ctx: Ctx, person: Person, when: date | datetime,
              record: persons.PersonRecord | None = None) -> MinorStatus:
    """The person's status on the (local) day of ``when``; pass ``record`` if already read."""
    return minor_status(age_facts(record or persons.read(ctx, person)), on=_day(when))


def is_minor_at(ctx: Ctx, person: Person, when: date | datetime,
                record: persons.PersonRecord | None = None) -> bool:
    """Is the person a child at this moment? For every decision: consent, disclosure,
    meeting. Decrypts the record unless ``record`` is given."""
    return status_at(ctx, person, when, record).is_minor


def check_child_decision(ctx: Ctx, person: Person, *, when: date | datetime,
                         best_interests: str, needs_representative: bool = False,
                         representative: RepresentativeType | None = None,
                         record: persons.PersonRecord | None = None) -> Decision:
    """A decision about a child needs its best-interests note (rules 138-139); with
    ``needs_representative`` the representative's type too (rule 21)."""
    record = record or persons.read(ctx, person)
    return child_decision(is_minor=is_minor_at(ctx, person, when, record),
                          best_interests=best_interests,
                          representative_type=representative or representative_type(record),
                          needs_representative=needs_representative)


def review_coming_of_age(ctx: Ctx, person: Person,
                         record: persons.PersonRecord | None = None,
                         ledger: list[Consent] | None = None) -> list[Task]:
    """Consents given as a child, the person now an adult: one review task per consent.

    Idempotent: a consent that already has a review task (open or done) gets no other.
    ``ledger``: the person's consents, if the caller has read them already (the record page).
    """
    rows = ([c for c in ledger if c.withdrawn_at is None] if ledger is not None
            else list(ctx.session.scalars(select(Consent).where(
                Consent.person_id == person.id, Consent.withdrawn_at.is_(None)))))
    if not rows or is_minor_at(ctx, person, ctx.now, record):
        return []
    created: list[Task] = []
    for consent in rows:
        scope = subjects.unseal_row(ctx, person.subject_id, consent, "scope_ciphertext") or {}
        if not consent_needs_review(taken_as_child=bool(scope.get("is_child")),
                                    minor_now=False):
            continue
        exists = ctx.session.scalar(select(Task.id).where(
            Task.person_id == person.id, Task.kind == REVIEW_TASK,
            Task.object_ref == consent.public_id).limit(1))
        if exists is not None:
            continue
        task = Task(person_id=person.id, kind=REVIEW_TASK, urgent=False,
                    object_ref=consent.public_id, created_at=ctx.now,
                    due_at=ctx.now + REVIEW_DUE)
        ctx.session.add(task)
        for staff in access.assignees(ctx, person):
            notifications.notify(ctx, staff, REVIEW_TASK, object_ref=person.case_code)
        ctx.audit("consent.review_turned_18", object_type="consent",
                  object_ref=consent.public_id)
        created.append(task)
    ctx.session.flush()
    return created


def review_all(ctx: Ctx) -> int:
    """The nightly pass: every person with a consent still in force."""
    ids = set(ctx.session.scalars(select(Consent.person_id).where(
        Consent.withdrawn_at.is_(None))))
    count = 0
    for person in ctx.session.scalars(select(Person).where(Person.id.in_(ids))):
        if person.names_ciphertext is None:  # shredded
            continue
        count += len(review_coming_of_age(ctx, person))
    return count
