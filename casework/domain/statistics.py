"""What the statistics page counts, and how (issue 15, item 1; rules 200, 204). Pure.

The service turns each person into ``PersonFacts`` (de-identified facts, in memory only,
never stored), and this module counts them into tables of category x month, which
``casework.domain.suppression`` then protects for every period a reader may ask for at
once, so that no two requests can be subtracted from each other.

People are counted only when they agreed that their de-identified data may be used for
statistics (opt-in, as Primero's managed reports do); the others are counted only as a
number of excluded people, by reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from casework.domain.suppression import (
    Aggregate,
    Period,
    Result,
    month_periods,
    period_table,
    protect,
    rectangles,
)


class StatisticsConsent(str, Enum):
    YES = "yes"
    NO = "no"
    NOT_ASKED = "not_asked"


@dataclass(frozen=True)
class PersonFacts:
    """One person, de-identified: no name, code, date or place finer than a region."""

    registered: date
    statistics_consent: StatisticsConsent
    gender: str = "not_stated"
    age_band: str = "unknown"  # CTDC ageBroad at registration
    minor: bool = False
    nationality_region: str = "unknown"
    outcome: str = "not_screened"
    exploitation: tuple[str, ...] = ()
    means: tuple[str, ...] = ()
    acts: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    days_to_first_service: int | None = None
    interviews: int = 0
    # Open while a member of staff is assigned to the person; closed when every assignment
    # has ended (Senim has no separate "close the case" step: ending the work is that).
    open_case: bool = True
    consents_given: tuple[date, ...] = ()
    consents_withdrawn: tuple[date, ...] = ()


def _one(value: str) -> Callable[[PersonFacts], Iterable[str]]:
    def pick(facts: PersonFacts) -> Iterable[str]:
        return (str(getattr(facts, value)),)
    return pick


def _many(value: str) -> Callable[[PersonFacts], Iterable[str]]:
    def pick(facts: PersonFacts) -> Iterable[str]:
        return tuple(getattr(facts, value)) or ("none_recorded",)
    return pick


def _waiting(facts: PersonFacts) -> Iterable[str]:
    days = facts.days_to_first_service
    if days is None:
        return ("no_service_yet",)
    if days <= 1:
        return ("same_or_next_day",)
    if days <= 7:
        return ("within_a_week",)
    if days <= 30:
        return ("within_a_month",)
    return ("longer",)


@dataclass(frozen=True)
class Measure:
    """A count of people by category, dated by their registration month."""

    key: str
    categories: Callable[[PersonFacts], Iterable[str]]


@dataclass(frozen=True)
class EventMeasure:
    """A count of events (consents, disclosures, feedback), dated by when they happened."""

    key: str
    events: Callable[[PersonFacts], Iterable[tuple[date, str]]]


MEASURES: tuple[Measure, ...] = (
    Measure("registered", lambda f: ("registered",)),
    Measure("outcome", _one("outcome")),
    Measure("exploitation", _many("exploitation")),
    Measure("means", _many("means")),
    Measure("acts", _many("acts")),
    Measure("gender", _one("gender")),
    Measure("age_band", _one("age_band")),
    Measure("minor", lambda f: ("minor" if f.minor else "adult",)),
    Measure("nationality_region", _one("nationality_region")),
    Measure("services", _many("services")),
    Measure("interviewed", lambda f: ("interviewed" if f.interviews else "not_interviewed",)),
    Measure("case_status", lambda f: ("open" if f.open_case else "closed",)),
    Measure("days_to_first_service", _waiting),
)

EVENT_MEASURES: tuple[EventMeasure, ...] = (
    EventMeasure("consents", lambda f: [(d, "given") for d in f.consents_given]
                 + [(d, "withdrawn") for d in f.consents_withdrawn]),
)
# Organisation-level events, counted as events (not people): disclosures released (by
# purpose, or "emergency") and police feedback (by kind).
ORGANISATION_EVENTS = ("disclosures", "feedback")

# Category tables are published for years and the whole history; the number of people
# registered (one series) also by month and quarter. With a shelter's caseload, a category
# broken down by month would be "fewer than k" almost everywhere.
SERIES_GRANULARITIES = ("month", "quarter", "year", "all")
TABLE_GRANULARITIES = ("year", "all")


@dataclass(frozen=True)
class Exclusions:
    refused: int = 0
    not_asked: int = 0

    @property
    def total(self) -> int:
        return self.refused + self.not_asked


@dataclass(frozen=True)
class Table:
    """One protected table: for each category and period, what may be shown."""

    key: str
    categories: tuple[str, ...]
    months: tuple[tuple[int, int], ...]
    result: Result
    periods: dict[Period, frozenset[int]] = field(default_factory=dict)

    def cell(self, category: str, period: Period):  # type: ignore[no-untyped-def]
        return self.result[(category, period)]

    def total(self, period: Period):  # type: ignore[no-untyped-def]
        return self.result[("*", period)]


def counted(people: Iterable[PersonFacts]) -> tuple[list[PersonFacts], Exclusions]:
    """Only people who agreed are counted; the rest are counted by reason."""
    included, refused, not_asked = [], 0, 0
    for person in people:
        if person.statistics_consent is StatisticsConsent.YES:
            included.append(person)
        elif person.statistics_consent is StatisticsConsent.NO:
            refused += 1
        else:
            not_asked += 1
    return included, Exclusions(refused=refused, not_asked=not_asked)


def month_span(first: date, last: date) -> tuple[tuple[int, int], ...]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def build_table(key: str, dated: Sequence[tuple[date, str]], months: Sequence[tuple[int, int]],
                *, k: int, granularities: Sequence[str], categories: Sequence[str] = ()
                ) -> Table:
    """Count (date, category) pairs into a protected table over ``months``."""
    index = {m: i for i, m in enumerate(months)}
    names = tuple(sorted(set(categories) | {c for _, c in dated}))
    cells, aggregates = period_table(names or ("none",), months, granularities)
    base = [0] * len(cells)
    for when, category in dated:
        position = index.get((when.year, when.month))
        if position is not None:
            base[cells[(category, position)]] += 1
    periods = month_periods(months, granularities)
    result = protect(base, aggregates, k=k,
                     partners=rectangles(names or ("none",), periods))
    return Table(key=key, categories=names or ("none",), months=tuple(months), result=result,
                 periods=periods)


def tables(people: Sequence[PersonFacts], *, k: int, today: date,
           extra: Mapping[str, Sequence[tuple[date, str]]] | None = None) -> dict[str, Table]:
    """Every published table, protected."""
    extra = extra or {}
    first = min([p.registered for p in people]
                + [when for events in extra.values() for when, _ in events], default=today)
    months = month_span(first, today)
    out: dict[str, Table] = {}
    for measure in MEASURES:
        dated = [(p.registered, c) for p in people for c in measure.categories(p)]
        granularities = SERIES_GRANULARITIES if measure.key == "registered" else \
            TABLE_GRANULARITIES
        out[measure.key] = build_table(measure.key, dated, months, k=k,
                                       granularities=granularities)
    for event_measure in EVENT_MEASURES:
        dated = [event for p in people for event in event_measure.events(p)]
        out[event_measure.key] = build_table(event_measure.key, dated, months, k=k,
                                             granularities=TABLE_GRANULARITIES)
    for key in ORGANISATION_EVENTS:
        out[key] = build_table(key, list(extra.get(key, ())), months, k=k,
                               granularities=TABLE_GRANULARITIES)
    return out


def aggregates_of(table: Table) -> list[Aggregate]:
    """The aggregates a table publishes (for audits and tests)."""
    _, aggregates = period_table(table.categories, table.months,
                                 tuple(g for g in ("month", "quarter", "year", "all")
                                       if any(p[0] == g for p in table.periods)))
    return aggregates
