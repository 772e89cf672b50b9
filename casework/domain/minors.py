"""Who is a child, at the moment a decision is taken (rules 21, 128-131, 138-139).

A child is a person under 18 (rule 128). Whether a person is a child is derived from facts
(date of birth, an estimated age, a recorded doubt), never only from a checkbox, and always
*at the date of the decision* (consent, disclosure, meeting): a person who was 17 when the
record was opened may be 18 now, and a 12-year-old whose box was left unticked is a child.

- The source of the date of birth is recorded (rule 130: document, the person's own
  statement, or a medical or age assessment).
- "Age unknown, possibly a child" keeps child rules until an age assessment gives a date of
  birth that says otherwise (rule 131: a wrong "adult" costs the child protection). A
  document or the person's own statement does not lift the doubt: children are often told
  to say they are adults, and given documents that say so.
- The manual flag only ever makes protection stricter: it can make a person a child, never
  an adult.
- Each decision about a child carries a best-interests note (rules 138-139).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from casework.domain.decisions import Decision

ADULT_AGE = 18  # rule 128
# A best-interests note is a reason, not a tick: at least a short sentence.
BEST_INTERESTS_MIN_CHARS = 20


class DobSource(str, Enum):
    """Where the date of birth comes from (rule 130)."""

    DOCUMENT = "document"
    SELF_DECLARED = "self_declared"
    AGE_ASSESSMENT = "age_assessment"  # medical or social-work age assessment


class RepresentativeType(str, Enum):
    """Rule 21: who represents the child."""

    PARENT = "parent"
    GUARDIAN = "guardian"
    APPOINTED = "appointed_representative"


class MinorGround(str, Enum):
    """Why a person is treated as a child (several can hold at once)."""

    DATE_OF_BIRTH = "minor_by_date_of_birth"
    ESTIMATED_AGE = "minor_by_estimated_age"
    AGE_UNKNOWN = "minor_age_unknown_possibly_child"
    MARKED = "minor_marked_by_staff"


class MinorReason(str, Enum):
    """Refusals of the child rules."""

    BEST_INTERESTS_MISSING = "child_best_interests_missing"
    REPRESENTATIVE_TYPE_MISSING = "child_representative_type_missing"
    DOB_SOURCE_MISSING = "dob_source_missing"
    DOB_IN_FUTURE = "dob_in_future"


@dataclass(frozen=True)
class AgeFacts:
    """The decrypted facts about a person's age (never stored in clear)."""

    date_of_birth: date | None
    dob_source: DobSource | None
    estimated_age: int | None = None
    possibly_child: bool = False
    marked_child: bool = False


@dataclass(frozen=True)
class MinorStatus:
    is_minor: bool
    grounds: tuple[MinorGround, ...]
    adult_on: date | None  # the 18th birthday, when the date of birth is known


def eighteenth_birthday(born: date) -> date:
    """The day a person becomes an adult (born on 29 February: 1 March in common years)."""
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:
        return date(born.year + ADULT_AGE, 3, 1)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def minor_status(facts: AgeFacts, *, on: date) -> MinorStatus:
    """Is the person a child on this date, and on which grounds?"""
    grounds: list[MinorGround] = []
    adult_on = eighteenth_birthday(facts.date_of_birth) if facts.date_of_birth else None
    if adult_on is not None and on < adult_on:
        grounds.append(MinorGround.DATE_OF_BIRTH)
    if facts.date_of_birth is None and facts.estimated_age is not None \
            and facts.estimated_age < ADULT_AGE:
        grounds.append(MinorGround.ESTIMATED_AGE)
    assessed = facts.date_of_birth is not None and facts.dob_source is DobSource.AGE_ASSESSMENT
    if facts.possibly_child and not assessed:
        grounds.append(MinorGround.AGE_UNKNOWN)
    if facts.marked_child:
        grounds.append(MinorGround.MARKED)
    return MinorStatus(bool(grounds), tuple(grounds), adult_on)


def check_age_facts(facts: AgeFacts, *, today: date) -> Decision:
    """Can these age facts be recorded? A date of birth needs its source and is not future."""
    reasons: list[MinorReason] = []
    if facts.date_of_birth is not None:
        if facts.date_of_birth > today:
            reasons.append(MinorReason.DOB_IN_FUTURE)
        if facts.dob_source is None:
            reasons.append(MinorReason.DOB_SOURCE_MISSING)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def child_decision(*, is_minor: bool, best_interests: str,
                   representative_type: RepresentativeType | None = None,
                   needs_representative: bool = False) -> Decision:
    """A decision about a child (consent, disclosure, meeting) needs its best-interests note
    (rules 138-139) and, where a representative acts for the child, their type (rule 21).
    Nothing is asked of a decision about an adult."""
    if not is_minor:
        return Decision.allow()
    reasons: list[MinorReason] = []
    if len(best_interests.strip()) < BEST_INTERESTS_MIN_CHARS:
        reasons.append(MinorReason.BEST_INTERESTS_MISSING)
    if needs_representative and representative_type is None:
        reasons.append(MinorReason.REPRESENTATIVE_TYPE_MISSING)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def consent_needs_review(*, taken_as_child: bool, minor_now: bool) -> bool:
    """A consent given as a child is not an adult's consent: at 18 it is reviewed with the
    person themself (never silently converted)."""
    return taken_as_child and not minor_now
