"""Screening: the recorded facts must support the outcome (Palermo act/means/purpose)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from casework.domain.screening import (
    INDICATORS,
    Act,
    CouldLeave,
    Means,
    Outcome,
    Purpose,
    ScreeningInput,
    ScreeningReason,
    evaluate_screening,
)

R = ScreeningReason

# A complete adult trafficking screening: every element present.
FULL = ScreeningInput(
    outcome=Outcome.TRAFFICKING,
    is_child=False,
    legal_context="Criminal Code art. 128; recruitment in Kazakhstan, exploitation abroad.",
    perpetrators="Recruiter known to the family; employer kept passports.",
    person_perspective="She felt she owed the debt and could not go home.",
    acts=frozenset({Act.RECRUITMENT, Act.TRANSPORTATION}),
    means=frozenset({Means.DECEPTION}),
    purposes=frozenset({Purpose.FORCED_LABOUR}),
    could_leave=CouldLeave.NO,
    indicators=frozenset({"deceptive_recruitment", "documents_withheld"}),
    rationale="Deceived about the job, documents taken, debt used to keep her working.",
)
EMPTY_ELEMENTS = {"acts": frozenset(), "means": frozenset(), "purposes": frozenset()}


def evaluate(**changes):
    return evaluate_screening(replace(FULL, **changes))


@pytest.mark.parametrize(("changes", "reasons"), [
    pytest.param({}, (), id="complete-adult-trafficking"),
    pytest.param({"acts": frozenset()}, (R.ACT_REQUIRED,), id="adult-no-act"),
    pytest.param({"means": frozenset()}, (R.MEANS_REQUIRED,), id="adult-no-means"),
    pytest.param({"purposes": frozenset()}, (R.PURPOSE_REQUIRED,), id="adult-no-purpose"),
    pytest.param(EMPTY_ELEMENTS, (R.ACT_REQUIRED, R.MEANS_REQUIRED, R.PURPOSE_REQUIRED),
                 id="adult-no-elements"),
    pytest.param({"is_child": True, "means": frozenset()}, (),
                 id="child-means-not-required"),
    pytest.param({"is_child": True, "acts": frozenset()}, (R.ACT_REQUIRED,),
                 id="child-still-needs-act"),
    pytest.param({"is_child": True, "purposes": frozenset()}, (R.PURPOSE_REQUIRED,),
                 id="child-still-needs-purpose"),
    pytest.param({"is_child": True, **EMPTY_ELEMENTS}, (R.ACT_REQUIRED, R.PURPOSE_REQUIRED),
                 id="child-no-elements"),
    pytest.param({"could_leave": CouldLeave.UNKNOWN}, (R.COERCION_UNANSWERED,),
                 id="adult-coercion-unanswered"),
    pytest.param({"could_leave": CouldLeave.YES}, (), id="adult-could-leave-yes"),
    pytest.param({"is_child": True, "could_leave": CouldLeave.UNKNOWN}, (),
                 id="child-coercion-question-not-required"),
    pytest.param({"could_leave": CouldLeave.UNKNOWN, **EMPTY_ELEMENTS},
                 (R.ACT_REQUIRED, R.MEANS_REQUIRED, R.PURPOSE_REQUIRED, R.COERCION_UNANSWERED),
                 id="adult-nothing-answered"),
])
def test_trafficking_needs_the_palermo_elements(changes, reasons):
    decision = evaluate(**changes)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("outcome", "could_leave", "reasons"), [
    pytest.param(Outcome.SMUGGLING, CouldLeave.YES, (), id="smuggling-could-leave"),
    pytest.param(Outcome.SMUGGLING, CouldLeave.UNKNOWN, (), id="smuggling-unknown"),
    pytest.param(Outcome.SMUGGLING, CouldLeave.NO, (R.COERCION_CONTRADICTS,),
                 id="smuggling-but-could-not-leave"),
    pytest.param(Outcome.UNDETERMINED, CouldLeave.NO, (), id="undetermined-could-not-leave"),
    pytest.param(Outcome.OTHER_ABUSE, CouldLeave.NO, (), id="other-abuse-could-not-leave"),
    pytest.param(Outcome.UNDETERMINED, CouldLeave.UNKNOWN, (), id="undetermined-unknown"),
])
def test_non_trafficking_outcomes_need_no_elements(outcome, could_leave, reasons):
    # Given no act, means or purpose recorded at all
    decision = evaluate(outcome=outcome, could_leave=could_leave, **EMPTY_ELEMENTS)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize("outcome", list(Outcome), ids=lambda o: o.value)
@pytest.mark.parametrize(("changes", "reasons"), [
    pytest.param({"rationale": ""}, (R.RATIONALE_REQUIRED,), id="rationale-empty"),
    pytest.param({"rationale": "too short"}, (R.RATIONALE_REQUIRED,), id="rationale-9-chars"),
    pytest.param({"rationale": "   too short   "}, (R.RATIONALE_REQUIRED,),
                 id="rationale-padding-ignored"),
    pytest.param({"rationale": "ten chars!"}, (), id="rationale-10-chars"),
    pytest.param({"legal_context": ""}, (R.PERSPECTIVES_REQUIRED,), id="no-legal-context"),
    pytest.param({"perpetrators": " \n\t"}, (R.PERSPECTIVES_REQUIRED,),
                 id="blank-perpetrators"),
    pytest.param({"person_perspective": ""}, (R.PERSPECTIVES_REQUIRED,),
                 id="no-person-perspective"),
    pytest.param({"legal_context": "", "perpetrators": "", "person_perspective": ""},
                 (R.PERSPECTIVES_REQUIRED,), id="all-perspectives-missing-one-reason"),
    pytest.param({"indicators": frozenset()}, (), id="no-indicators"),
    pytest.param({"indicators": frozenset(INDICATORS)}, (), id="every-known-indicator"),
    pytest.param({"indicators": frozenset({"debt_bondage", "looked_sad"})},
                 (R.UNKNOWN_INDICATOR,), id="one-unknown-indicator"),
    pytest.param({"indicators": frozenset({"debt-bondage"})}, (R.UNKNOWN_INDICATOR,),
                 id="tag-spelling-is-not-an-indicator"),
    pytest.param({"rationale": "", "person_perspective": "",
                  "indicators": frozenset({"x"})},
                 (R.RATIONALE_REQUIRED, R.PERSPECTIVES_REQUIRED, R.UNKNOWN_INDICATOR),
                 id="all-general-reasons-in-order"),
])
def test_general_requirements_apply_to_every_outcome(outcome, changes, reasons):
    # Given elements consistent with any outcome (the person could leave)
    decision = evaluate(outcome=outcome, could_leave=CouldLeave.YES, **changes)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


def test_general_and_outcome_reasons_are_all_reported_in_order():
    decision = evaluate(rationale="", indicators=frozenset({"x"}), means=frozenset(),
                        could_leave=CouldLeave.UNKNOWN)
    assert decision.reasons == (R.RATIONALE_REQUIRED, R.UNKNOWN_INDICATOR, R.MEANS_REQUIRED,
                                R.COERCION_UNANSWERED)


def test_there_are_twelve_indicators_without_duplicates():
    assert len(INDICATORS) == len(set(INDICATORS)) == 12
