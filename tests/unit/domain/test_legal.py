"""Legal consultation, psychologist clearance and the witness review (rules 26-47)."""

from __future__ import annotations

import itertools

import pytest

from casework.domain.consent import NOTICES_29, NOTICES_32
from casework.domain.legal import (
    JUDICIAL_MEASURES,
    MEASURE_AVAILABILITY,
    MEASURE_STATUS,
    PHYSICAL_MEASURES,
    WITNESS_NOTICES,
    Concern,
    LegalOption,
    LegalReason,
    can_clear,
    can_record_consultation,
    validate_witness_review,
)
from casework.domain.roles import Role

R = LegalReason
# The notices the consultation service requires (rules 29 and 32).
REQUIRED = frozenset(NOTICES_29 + NOTICES_32)
ALL_OPTIONS = frozenset(o.value for o in LegalOption)

OPTION_CASES = {
    "all": (ALL_OPTIONS, set()),
    "all_plus_unknown": (ALL_OPTIONS | {"ask_the_embassy"}, set()),
    "all_as_enum_members": (frozenset(LegalOption), set()),
    "do_nothing_not_explained": (ALL_OPTIONS - {LegalOption.NOTHING.value},
                                 {R.OPTIONS_NOT_ALL_EXPLAINED}),
    "witness_not_explained": (ALL_OPTIONS - {LegalOption.WITNESS.value},
                              {R.OPTIONS_NOT_ALL_EXPLAINED}),
    "none": (frozenset(), {R.OPTIONS_NOT_ALL_EXPLAINED}),
}
NOTICE_CASES = {
    "all": (REQUIRED, set()),
    "all_plus_extra": (REQUIRED | {"purpose_told"}, set()),
    "rule_32_missing": (frozenset(NOTICES_29), {R.NOTICES_NOT_GIVEN}),
    "one_missing": (REQUIRED - {"waiting_makes_it_harder"}, {R.NOTICES_NOT_GIVEN}),
    "none": (frozenset(), {R.NOTICES_NOT_GIVEN}),
}


def _oracle(clearance: bool, options: str, notices: str, about_police: bool,
            unit_assessed: bool) -> set[LegalReason]:
    expected: set[LegalReason] = set() if clearance else {R.NO_CLEARANCE}
    expected |= OPTION_CASES[options][1] | NOTICE_CASES[notices][1]
    # Rule 70: a consultation about a police unit needs that unit assessed first; one not
    # about the police does not care whether any unit was assessed.
    if about_police and not unit_assessed:
        expected.add(R.UNIT_NOT_ASSESSED)
    return expected


@pytest.mark.parametrize("clearance", [True, False], ids=["cleared", "not_cleared"])
@pytest.mark.parametrize("about_police", [True, False], ids=["about_police", "no_police"])
@pytest.mark.parametrize("unit_assessed", [True, False],
                         ids=["unit_assessed", "unit_not_assessed"])
def test_clearance_before_consultation_table(clearance: bool, about_police: bool,
                                             unit_assessed: bool) -> None:
    mismatches = []
    for options, notices in itertools.product(OPTION_CASES, NOTICE_CASES):
        expected = _oracle(clearance, options, notices, about_police, unit_assessed)
        decision = can_record_consultation(
            clearance_active=clearance, options_explained=OPTION_CASES[options][0],
            notices_given=NOTICE_CASES[notices][0], required_notices=REQUIRED,
            unit_assessed=unit_assessed, about_police=about_police)
        got = set(decision.reasons)
        if (got != expected or decision.allowed is bool(expected)
                or len(got) != len(decision.reasons)):
            mismatches.append((options, notices, sorted(expected), decision))
    assert not mismatches, f"{len(mismatches)} rows differ, e.g. {mismatches[:3]}"


def test_without_clearance_nothing_else_can_make_it_allowed() -> None:
    decision = can_record_consultation(
        clearance_active=False, options_explained=ALL_OPTIONS, notices_given=REQUIRED,
        required_notices=REQUIRED, unit_assessed=True, about_police=True)
    assert not decision.allowed and decision.reasons == (R.NO_CLEARANCE,)


def test_required_notices_are_the_callers_list() -> None:
    # With nothing required, no notice is needed; with the service's list, all are.
    kwargs = dict(clearance_active=True, options_explained=ALL_OPTIONS, unit_assessed=False,
                  about_police=False)
    assert can_record_consultation(notices_given=frozenset(), required_notices=frozenset(),
                                   **kwargs).allowed
    assert can_record_consultation(notices_given=frozenset(), required_notices=REQUIRED,
                                   **kwargs).reasons == (R.NOTICES_NOT_GIVEN,)


# --------------------------------------------------------------------------------------
# can_clear
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("already_cleared", [False, True], ids=["first", "again"])
@pytest.mark.parametrize("role", [r.value for r in Role] + ["Psychologist", "", "admin"])
def test_can_clear_table(role: str, already_cleared: bool) -> None:
    decision = can_clear(role=role, already_cleared=already_cleared)
    if role != "psychologist":
        # Only a psychologist may clear; the role is reported first (and alone).
        assert decision.reasons == (R.NOT_PSYCHOLOGIST,)
    elif already_cleared:
        assert decision.reasons == (R.ALREADY_CLEARED,)
    else:
        assert decision.allowed and decision.reasons == ()
    assert decision.allowed is (role == "psychologist" and not already_cleared)


def test_can_clear_accepts_the_role_enum() -> None:
    assert can_clear(role=Role.PSYCHOLOGIST, already_cleared=False).allowed


# --------------------------------------------------------------------------------------
# validate_witness_review
# --------------------------------------------------------------------------------------

ALL_CONCERNS = {c.value: "discussed" for c in Concern}
ALL_MEASURES = {m: {"availability": "unknown", "status": "not_considered"}
                for m in PHYSICAL_MEASURES + JUDICIAL_MEASURES}


def _without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


@pytest.mark.parametrize(("concerns", "measures", "reasons"), [
    (ALL_CONCERNS, ALL_MEASURES, ()),
    # Every pairing of availability and status is a valid measure record.
    (ALL_CONCERNS, {m: {"availability": a, "status": s} for m, (a, s) in zip(
        PHYSICAL_MEASURES + JUDICIAL_MEASURES,
        itertools.cycle(itertools.product(MEASURE_AVAILABILITY, MEASURE_STATUS)),
        strict=False)}, ()),
    (ALL_CONCERNS, {}, ()),  # measures may be left out (documented: no completeness rule)
    (_without(ALL_CONCERNS, Concern.FEAR_OF_TRAFFICKER.value), ALL_MEASURES,
     (R.CONCERNS_MISSING,)),
    ({}, ALL_MEASURES, (R.CONCERNS_MISSING,)),
    # An extra, unknown concern is refused with the same reason.
    (ALL_CONCERNS | {"money": "debts"}, ALL_MEASURES, (R.CONCERNS_MISSING,)),
    (ALL_CONCERNS, ALL_MEASURES | {"bodyguard": {"availability": "available",
                                                 "status": "requested"}},
     (R.UNKNOWN_MEASURE,)),
    (ALL_CONCERNS, ALL_MEASURES | {"relocation": {"availability": "maybe",
                                                  "status": "requested"}},
     (R.UNKNOWN_MEASURE,)),
    (ALL_CONCERNS, ALL_MEASURES | {"media_ban": {"availability": "available",
                                                 "status": "pending"}},
     (R.UNKNOWN_MEASURE,)),
    (ALL_CONCERNS, ALL_MEASURES | {"remote_testimony": {"availability": "available"}},
     (R.UNKNOWN_MEASURE,)),
    (ALL_CONCERNS, ALL_MEASURES | {"one_way_screen": {}}, (R.UNKNOWN_MEASURE,)),
    # Several bad measures give the reason once.
    (ALL_CONCERNS, {"bodyguard": {}, "relocation": {"availability": "x", "status": "y"}},
     (R.UNKNOWN_MEASURE,)),
    ({}, {"bodyguard": {}}, (R.CONCERNS_MISSING, R.UNKNOWN_MEASURE)),
], ids=["complete", "every_availability_status", "no_measures", "concern_missing",
        "no_concerns", "unknown_concern", "unknown_measure", "bad_availability",
        "bad_status", "status_missing", "empty_measure", "several_bad_measures",
        "everything_wrong"])
def test_validate_witness_review_table(concerns: dict, measures: dict,
                                       reasons: tuple[LegalReason, ...]) -> None:
    decision = validate_witness_review(concerns=concerns, measures=measures,
                                       notices_told=frozenset(WITNESS_NOTICES))
    assert decision.reasons == reasons
    assert decision.allowed is (not reasons)


@pytest.mark.parametrize("told", [frozenset(c) for n in range(len(WITNESS_NOTICES) + 1)
                                  for c in itertools.combinations(WITNESS_NOTICES, n)])
def test_witness_limits_must_all_be_told(told: frozenset[str]) -> None:
    """Rules 43, 45, 46, 99: every subset of the three notices; only all three pass."""
    decision = validate_witness_review(concerns=ALL_CONCERNS, measures=ALL_MEASURES,
                                       notices_told=told)
    complete = told == frozenset(WITNESS_NOTICES)
    assert decision.allowed is complete
    assert decision.reasons == (() if complete else (R.WITNESS_NOTICES_MISSING,))
