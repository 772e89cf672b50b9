"""Risk assessment before disclosure (rules 40, 65-74): ``risk_allows`` and
``validate_assessment`` as decision tables with an oracle written from the rules."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from casework.domain.risk import (
    DEFAULT_VALIDITY,
    RiskCategory,
    RiskFacts,
    RiskLevel,
    RiskReason,
    risk_allows,
    validate_assessment,
)

R = RiskReason
NOW = datetime(2025, 3, 1, 12, 0, 0)
PERSON, OTHER_PERSON = "p" * 32, "q" * 32
UNIT, OTHER_UNIT = "u" * 32, "v" * 32
ASSESSOR, LIAISON = "a" * 32, "l" * 32


def assessment(**changes: object) -> RiskFacts:
    base = RiskFacts(
        person_ref=PERSON, unit_ref=UNIT, assessor=ASSESSOR,
        assessed_at=NOW - timedelta(days=1), expires_at=NOW - timedelta(days=1)
        + DEFAULT_VALIDITY, residual=RiskLevel.MEDIUM.value,
        categories_considered=frozenset(RiskCategory), harm_to_others_considered=True,
        staff_safety_considered=True)
    return replace(base, **changes)


def allows(risk: RiskFacts | None, *, entry_kind: str = "specific", person_ref: str = PERSON,
           unit_ref: str = UNIT, releaser: str = LIAISON, now: datetime = NOW):
    return risk_allows(risk, person_ref=person_ref, unit_ref=unit_ref, releaser=releaser,
                       entry_kind=entry_kind, now=now)


# --------------------------------------------------------------------------------------
# No assessment
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("entry_kind", "allowed", "reasons"), [
    ("thematic", True, ()),
    ("specific", False, (R.MISSING,)),
    # Anything that is not exactly "thematic" needs an assessment (fails closed).
    ("Thematic", False, (R.MISSING,)),
    ("", False, (R.MISSING,)),
])
def test_no_assessment(entry_kind: str, allowed: bool, reasons: tuple[RiskReason, ...]) -> None:
    decision = allows(None, entry_kind=entry_kind)
    assert decision.allowed is allowed
    assert decision.reasons == reasons


def test_valid_assessment_allows_specific_and_thematic() -> None:
    for kind in ("specific", "thematic"):
        decision = allows(assessment(), entry_kind=kind)
        assert decision.allowed and decision.reasons == ()


# --------------------------------------------------------------------------------------
# Single defects
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("risk_changes", "call_changes", "reasons"), [
    ({"expires_at": NOW}, {}, {R.EXPIRED}),  # now == expires_at is expired
    ({"expires_at": NOW + timedelta(microseconds=1)}, {}, set()),
    ({"expires_at": NOW - timedelta(microseconds=1)}, {}, {R.EXPIRED}),
    ({"assessed_at": NOW - timedelta(days=31), "expires_at": NOW - timedelta(days=1)}, {},
     {R.EXPIRED}),
    ({}, {"releaser": ASSESSOR}, {R.ASSESSOR_IS_RELEASER}),
    ({}, {"unit_ref": OTHER_UNIT}, {R.OTHER_UNIT}),
    ({}, {"person_ref": OTHER_PERSON}, {R.OTHER_PERSON}),
    ({"residual": "none"}, {}, {R.RESIDUAL_NONE}),
    ({"residual": ""}, {}, {R.RESIDUAL_NONE}),
    ({"residual": "LOW"}, {}, {R.RESIDUAL_NONE}),  # unknown spellings refused, too
    ({"residual": RiskLevel.LOW.value}, {}, set()),
    ({"residual": RiskLevel.HIGH.value}, {}, set()),
    ({"residual": RiskLevel.SEVERE.value}, {}, {R.SEVERE}),
    ({"categories_considered": frozenset()}, {}, {R.INCOMPLETE}),
    ({"categories_considered": frozenset(RiskCategory) - {RiskCategory.IDENTITY}}, {},
     {R.INCOMPLETE}),
    ({"harm_to_others_considered": False}, {}, {R.INCOMPLETE}),
    ({"staff_safety_considered": False}, {}, {R.INCOMPLETE}),
    # An assessment that expires when (or before) it is made is refused once, as EXPIRED.
    ({"expires_at": NOW - timedelta(days=1)}, {}, {R.EXPIRED}),
], ids=["expires_now", "one_microsecond_left", "just_expired", "old_assessment",
        "assessor_releases", "other_unit", "other_person", "residual_none",
        "residual_empty", "residual_wrong_case", "residual_low", "residual_high",
        "residual_severe", "no_categories", "identity_not_considered",
        "harm_to_others_not_considered", "staff_safety_not_considered",
        "expires_when_made"])
def test_single_defect(risk_changes: dict[str, object], call_changes: dict[str, str],
                       reasons: set[RiskReason]) -> None:
    decision = allows(assessment(**risk_changes), **call_changes)  # type: ignore[arg-type]
    assert set(decision.reasons) == reasons
    assert len(decision.reasons) == len(set(decision.reasons))
    assert decision.allowed is (not reasons)


# --------------------------------------------------------------------------------------
# Combinations: the full cross product against an oracle.
# --------------------------------------------------------------------------------------

EXPIRY = {  # name -> (assessed_at, expires_at, reasons)
    "valid": (NOW - timedelta(days=1), NOW + timedelta(days=29), set()),
    "expires_now": (NOW - timedelta(days=30), NOW, {R.EXPIRED}),
    "expired": (NOW - timedelta(days=40), NOW - timedelta(days=10), {R.EXPIRED}),
    "inverted": (NOW, NOW - timedelta(days=1), {R.EXPIRED}),
}
RESIDUAL = {"low": set(), "medium": set(), "high": set(), "severe": {R.SEVERE},
            "none": {R.RESIDUAL_NONE}}
COMPLETENESS = {  # name -> (categories, harm to others, staff safety, reasons)
    "complete": (frozenset(RiskCategory), True, True, set()),
    "category_missing": (frozenset({RiskCategory.CASE_SIGNIFICANT}), True, True,
                         {R.INCOMPLETE}),
    "harm_missing": (frozenset(RiskCategory), False, True, {R.INCOMPLETE}),
    "everything_missing": (frozenset(), False, False, {R.INCOMPLETE}),
}
WHO = {  # name -> (releaser, unit, person, reasons)
    "fine": (LIAISON, UNIT, PERSON, set()),
    "assessor_releases": (ASSESSOR, UNIT, PERSON, {R.ASSESSOR_IS_RELEASER}),
    "other_unit": (LIAISON, OTHER_UNIT, PERSON, {R.OTHER_UNIT}),
    "other_person": (LIAISON, UNIT, OTHER_PERSON, {R.OTHER_PERSON}),
    "all_wrong": (ASSESSOR, OTHER_UNIT, OTHER_PERSON,
                  {R.ASSESSOR_IS_RELEASER, R.OTHER_UNIT, R.OTHER_PERSON}),
}


@pytest.mark.parametrize("entry_kind", ["thematic", "specific"])
def test_risk_allows_cross_product(entry_kind: str) -> None:
    # An assessment that exists is judged in full, even for a thematic entry.
    mismatches = []
    for expiry, residual, complete, who in itertools.product(EXPIRY, RESIDUAL, COMPLETENESS,
                                                             WHO):
        assessed_at, expires_at, expected = EXPIRY[expiry]
        categories, harm, staff, reasons = COMPLETENESS[complete]
        releaser, unit, person, who_reasons = WHO[who]
        expected = expected | RESIDUAL[residual] | reasons | who_reasons
        decision = allows(assessment(assessed_at=assessed_at, expires_at=expires_at,
                                     residual=residual, categories_considered=categories,
                                     harm_to_others_considered=harm,
                                     staff_safety_considered=staff),
                          entry_kind=entry_kind, releaser=releaser, unit_ref=unit,
                          person_ref=person)
        got = set(decision.reasons)
        if (got != expected or decision.allowed is bool(expected)
                or len(got) != len(decision.reasons)):
            mismatches.append((expiry, residual, complete, who, sorted(expected), decision))
    assert not mismatches, f"{len(mismatches)} rows differ, e.g. {mismatches[:3]}"


# --------------------------------------------------------------------------------------
# validate_assessment
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "reasons"), [
    ({}, set()),
    ({"residual": "none"}, {R.RESIDUAL_NONE}),
    ({"residual": "None"}, {R.RESIDUAL_NONE}),
    ({"residual": "negligible"}, {R.RESIDUAL_NONE}),
    ({"residual": RiskLevel.SEVERE.value}, set()),  # may be recorded; release is refused
    ({"categories_considered": frozenset()}, {R.INCOMPLETE}),
    ({"categories_considered": frozenset(RiskCategory) - {RiskCategory.ONLY_KNOWN_TO_PERSON}},
     {R.INCOMPLETE}),
    ({"harm_to_others_considered": False}, {R.INCOMPLETE}),
    ({"staff_safety_considered": False}, {R.INCOMPLETE}),
    ({"harm_to_others_considered": False, "staff_safety_considered": False,
      "categories_considered": frozenset()}, {R.INCOMPLETE}),
    ({"expires_at": NOW - timedelta(days=1)}, {R.EXPIRED}),  # == assessed_at
    ({"expires_at": NOW - timedelta(days=2)}, {R.EXPIRED}),
    ({"expires_at": NOW - timedelta(days=1) + timedelta(microseconds=1)}, set()),
    # validate_assessment has no clock: an assessment already past its end can be recorded
    # (risk_allows refuses to rely on it).
    ({"assessed_at": NOW - timedelta(days=60), "expires_at": NOW - timedelta(days=30)},
     set()),
    ({"residual": "none", "categories_considered": frozenset(),
      "expires_at": NOW - timedelta(days=2)}, {R.RESIDUAL_NONE, R.INCOMPLETE, R.EXPIRED}),
], ids=["complete", "residual_none", "residual_None", "residual_unknown", "residual_severe",
        "no_categories", "one_category_missing", "harm_to_others", "staff_safety",
        "all_considerations_missing", "expires_when_made", "expires_before_made",
        "expires_just_after", "recorded_late", "everything_wrong"])
def test_validate_assessment_table(changes: dict[str, object], reasons: set[RiskReason]) -> None:
    decision = validate_assessment(assessment(**changes))
    assert set(decision.reasons) == reasons
    assert len(decision.reasons) == len(reasons)
    assert decision.allowed is (not reasons)


def test_every_risk_level_except_severe_may_be_relied_on() -> None:
    for level in RiskLevel:
        decision = allows(assessment(residual=level.value))
        assert decision.allowed is (level is not RiskLevel.SEVERE)


@pytest.mark.parametrize(("offset", "allowed"), [
    (timedelta(days=-1), True), (timedelta(0), True), (timedelta(seconds=1), False),
    (timedelta(hours=3), False)])
def test_assessment_must_come_before_the_release(offset: timedelta, allowed: bool) -> None:
    """Rules 65-74, in time too: an assessment dated after the release does not cover it
    (a clock set back, a row written later)."""
    decision = allows(assessment(assessed_at=NOW + offset,
                                 expires_at=NOW + offset + DEFAULT_VALIDITY))
    assert decision.allowed is allowed
    assert (R.AFTER_RELEASE in decision.reasons) is not allowed
