"""Who is a child on the day of a decision: decision tables (rules 21, 128-131, 138-139)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from casework.domain.minors import (
    AgeFacts,
    DobSource,
    MinorGround,
    MinorReason,
    RepresentativeType,
    age_on,
    check_age_facts,
    child_decision,
    consent_needs_review,
    eighteenth_birthday,
    minor_status,
)

ON = date(2026, 12, 2)
DOBS = {"none": None, "child_12": date(2014, 5, 1), "adult_30": date(1996, 5, 1),
        "turns_18_today": date(2008, 12, 2), "turns_18_tomorrow": date(2008, 12, 3)}
SOURCES = (None, DobSource.DOCUMENT, DobSource.SELF_DECLARED, DobSource.AGE_ASSESSMENT)
ESTIMATES = (None, 15, 30)


def expected(dob_key: str, source: DobSource | None, estimate: int | None, possibly: bool,
             marked: bool) -> set[MinorGround]:
    """The rule, written independently of the implementation."""
    grounds = set()
    if dob_key in ("child_12", "turns_18_tomorrow"):
        grounds.add(MinorGround.DATE_OF_BIRTH)
    if dob_key == "none" and estimate is not None and estimate < 18:
        grounds.add(MinorGround.ESTIMATED_AGE)
    # Only an age assessment (with the date it gives) lifts "possibly a child".
    if possibly and not (dob_key != "none" and source is DobSource.AGE_ASSESSMENT):
        grounds.add(MinorGround.AGE_UNKNOWN)
    if marked:
        grounds.add(MinorGround.MARKED)
    return grounds


@pytest.mark.parametrize(("dob_key", "source", "estimate", "possibly", "marked"),
                         list(itertools.product(DOBS, SOURCES, ESTIMATES, (False, True),
                                                (False, True))))
def test_minor_status_whole_cross_product(dob_key, source, estimate, possibly, marked):
    facts = AgeFacts(date_of_birth=DOBS[dob_key], dob_source=source, estimated_age=estimate,
                     possibly_child=possibly, marked_child=marked)
    status = minor_status(facts, on=ON)
    want = expected(dob_key, source, estimate, possibly, marked)
    assert set(status.grounds) == want
    assert status.is_minor is bool(want)


def test_twelve_year_old_with_the_box_unticked_is_a_child():
    facts = AgeFacts(date_of_birth=date(2014, 5, 1), dob_source=DobSource.DOCUMENT)
    assert minor_status(facts, on=ON).is_minor


@pytest.mark.parametrize("source", SOURCES)
def test_the_manual_flag_only_adds_protection(source):
    adult = AgeFacts(date_of_birth=date(1990, 1, 1), dob_source=source, marked_child=False)
    child = AgeFacts(date_of_birth=date(2014, 1, 1), dob_source=source, marked_child=False)
    assert not minor_status(adult, on=ON).is_minor
    # There is no flag that makes a child an adult: the facts decide.
    assert minor_status(child, on=ON).is_minor
    assert minor_status(AgeFacts(date(1990, 1, 1), source, marked_child=True), on=ON).is_minor


def test_the_same_person_changes_status_on_the_18th_birthday():
    facts = AgeFacts(date_of_birth=date(2008, 12, 3), dob_source=DobSource.DOCUMENT)
    assert minor_status(facts, on=date(2026, 12, 2)).is_minor
    status = minor_status(facts, on=date(2026, 12, 3))
    assert not status.is_minor and status.adult_on == date(2026, 12, 3)


@pytest.mark.parametrize(("born", "adult"), [
    (date(2008, 2, 29), date(2026, 3, 1)), (date(2008, 3, 1), date(2026, 3, 1)),
    (date(2000, 2, 29), date(2018, 3, 1)), (date(2010, 12, 31), date(2028, 12, 31))])
def test_eighteenth_birthday(born, adult):
    assert eighteenth_birthday(born) == adult
    assert age_on(born, adult) == 18


DOB_CASES = [(None, None, set()), (None, DobSource.DOCUMENT, set()),
             (date(2000, 1, 1), None, {MinorReason.DOB_SOURCE_MISSING}),
             (date(2000, 1, 1), DobSource.SELF_DECLARED, set()),
             (date(2026, 12, 3), DobSource.DOCUMENT, {MinorReason.DOB_IN_FUTURE}),
             (date(2026, 12, 3), None, {MinorReason.DOB_IN_FUTURE,
                                        MinorReason.DOB_SOURCE_MISSING}),
             (ON, DobSource.AGE_ASSESSMENT, set())]


@pytest.mark.parametrize(("born", "source", "reasons"), DOB_CASES)
def test_check_age_facts(born, source, reasons):
    decision = check_age_facts(AgeFacts(born, source), today=ON)
    assert set(decision.reasons) == reasons and decision.allowed is not reasons


NOTE = "She wants to stay with her aunt; this keeps her safe."


@pytest.mark.parametrize(("minor", "note", "rep", "needs_rep"), list(itertools.product(
    (False, True), ("", "too short", NOTE), (None, RepresentativeType.GUARDIAN),
    (False, True))))
def test_child_decision_whole_cross_product(minor, note, rep, needs_rep):
    decision = child_decision(is_minor=minor, best_interests=note, representative_type=rep,
                              needs_representative=needs_rep)
    want = set()
    if minor and note != NOTE:
        want.add(MinorReason.BEST_INTERESTS_MISSING)
    if minor and needs_rep and rep is None:
        want.add(MinorReason.REPRESENTATIVE_TYPE_MISSING)
    assert set(decision.reasons) == want and decision.allowed is not want


@pytest.mark.parametrize(("as_child", "minor_now", "review"), [
    (True, True, False), (True, False, True), (False, True, False), (False, False, False)])
def test_consent_needs_review(as_child, minor_now, review):
    assert consent_needs_review(taken_as_child=as_child, minor_now=minor_now) is review
