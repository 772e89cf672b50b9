"""De-identified statistics (issue 15): read what is needed, count, protect, forget.

Each person's record is decrypted in memory, reduced to ``PersonFacts`` (no name, code,
date or place finer than a region) and dropped; only protected tables leave this module.
Clear columns (dates, outcomes, service types, statuses) are read in a few grouped queries,
never one per person. Shredded people are not counted (their keys are gone).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from casework.domain.kanonymity import age_band
from casework.domain.regions import region_of
from casework.domain.statistics import (
    Exclusions,
    PersonFacts,
    StatisticsConsent,
    Table,
    counted,
    tables,
)
from casework.models import Assignment, CaseNote, Consent, Interview, Person, Screening
from casework.models.disclosure import DisclosurePackage, DisclosureRequest, PackageFeedback
from casework.services import clock, subjects
from casework.services import persons as person_records
from casework.services.context import Ctx
from casework.services.subjects import IntegrityAlarm, SubjectShredded


@dataclass(frozen=True)
class Report:
    k: int
    tables: dict[str, Table]
    exclusions: Exclusions
    counted_people: int
    generated_at: datetime


def _age_at(date_of_birth: str | None, estimated_age: Any, when: date) -> int | None:
    if date_of_birth:
        try:
            # Stored as ISO (persons.normalise_date); the dotted form is read too.
            born = (date.fromisoformat(date_of_birth) if "-" in date_of_birth else
                    date(*reversed([int(part) for part in date_of_birth.split(".")])))
        except (ValueError, TypeError):
            born = None
        if born is not None:
            return when.year - born.year - ((when.month, when.day) < (born.month, born.day))
    if isinstance(estimated_age, int):
        return estimated_age
    return None


def collect(ctx: Ctx) -> list[PersonFacts]:
    """Every registered person (not shredded) as de-identified facts."""
    people = list(ctx.session.scalars(select(Person).where(Person.names_ciphertext.is_not(None))
                                      .order_by(Person.id)))
    ids = [p.id for p in people]
    screenings: dict[int, list[Screening]] = defaultdict(list)
    for row in ctx.session.scalars(select(Screening).where(Screening.person_id.in_(ids))
                                   .order_by(Screening.decided_at.desc(), Screening.id.desc())):
        screenings[row.person_id].append(row)
    services: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for person_id, occurred, service in ctx.session.execute(
            select(CaseNote.person_id, CaseNote.occurred_on, CaseNote.service_type)
            .where(CaseNote.person_id.in_(ids), CaseNote.service_type.is_not(None))):
        services[person_id].append((occurred, str(service)))
    open_cases = set(ctx.session.scalars(select(Assignment.person_id).where(
        Assignment.person_id.in_(ids), Assignment.ended_at.is_(None)).distinct()))
    interviews = dict(ctx.session.execute(
        select(Interview.person_id, func.count()).where(Interview.person_id.in_(ids))
        .group_by(Interview.person_id)).all())
    consents: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for person_id, recorded, withdrawn in ctx.session.execute(
            select(Consent.person_id, Consent.recorded_at, Consent.withdrawn_at)
            .where(Consent.person_id.in_(ids))):
        consents[person_id].append((recorded, withdrawn))

    facts: list[PersonFacts] = []
    for person in people:
        try:
            record = person_records.read(ctx, person)
        except (SubjectShredded, IntegrityAlarm):
            continue
        profile = record.profile
        registered = clock.local_day(person.created_at)
        age = _age_at(record.date_of_birth, profile.get("estimated_age"), registered)
        latest = screenings[person.id][0] if screenings[person.id] else None
        content: dict[str, Any] = {}
        if latest is not None:
            content = subjects.unseal_row(ctx, person.subject_id, latest,
                                          "content_ciphertext") or {}
        given = sorted(services[person.id])
        consent_choice = str(profile.get("statistics_consent") or "not_asked")
        facts.append(PersonFacts(
            registered=registered,
            statistics_consent=StatisticsConsent(consent_choice)
            if consent_choice in StatisticsConsent._value2member_map_
            else StatisticsConsent.NOT_ASKED,
            gender=str(profile.get("gender") or "not_stated"),
            age_band=age_band(age),
            minor=bool(profile.get("is_minor")) or (age is not None and age < 18),
            nationality_region=region_of(str(profile.get("nationality") or "")),
            outcome=latest.outcome if latest is not None else "not_screened",
            exploitation=tuple(content.get("purposes") or ()),
            means=tuple(content.get("means") or ()),
            acts=tuple(content.get("acts") or ()),
            services=tuple(sorted({service for _, service in given})),
            days_to_first_service=(given[0][0] - registered).days if given else None,
            interviews=int(interviews.get(person.id, 0)),
            open_case=person.id in open_cases,
            consents_given=tuple(clock.local_day(recorded) for recorded, _ in consents[person.id]),
            consents_withdrawn=tuple(clock.local_day(w) for _, w in consents[person.id] if w),
        ))
    return facts


def organisation_events(ctx: Ctx) -> dict[str, list[tuple[date, str]]]:
    """Disclosures released (by kind and purpose) and police feedback (by kind)."""
    released = ctx.session.execute(
        select(DisclosurePackage.released_at, DisclosureRequest.emergency,
               DisclosureRequest.purpose)
        .join(DisclosureRequest, DisclosurePackage.request_id == DisclosureRequest.id))
    disclosures = [(clock.local_day(at), "emergency" if emergency else purpose)
                   for at, emergency, purpose in released]
    feedback = [(clock.local_day(at), kind) for at, kind in ctx.session.execute(
        select(PackageFeedback.recorded_at, PackageFeedback.kind))]
    return {"disclosures": disclosures, "feedback": feedback}


def report(ctx: Ctx, *, k: int) -> Report:
    """The protected tables of the whole history, with who was left out and why."""
    included, exclusions = counted(collect(ctx))
    today = clock.today(ctx)
    built = tables(included, k=k, today=today,
                   extra=organisation_events(ctx))
    return Report(k=k, tables=built, exclusions=exclusions, counted_people=len(included),
                  generated_at=ctx.now)


# Only protected aggregates are cached (no record, no key), per process, briefly: a page
# and its chart images are drawn from one computation.
_CACHE: dict[int, Report] = {}
CACHE_SECONDS = 120


def cached_report(ctx: Ctx, *, k: int) -> Report:
    cached = _CACHE.get(k)
    if cached is not None and 0 <= (ctx.now - cached.generated_at).total_seconds() < CACHE_SECONDS:
        return cached
    fresh = report(ctx, k=k)
    _CACHE[k] = fresh
    return fresh


def forget_cached() -> None:
    _CACHE.clear()
