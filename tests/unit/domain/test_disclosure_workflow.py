"""The disclosure workflow as decision tables (``casework.domain.disclosure``).

Every transition is written out: state x action x kind of actor, with step-up fresh or
not, checks passing or failing, a second approver needed or not, emergency with and
without grounds, the same approver twice, the emergency's co-signature by the director and
release by the liaison, rejection without a reason, stop and cancel from open and closed
states. Each row asserts ``allowed``, ``new_state``, ``releases`` and the exact set of
reasons. A sweep over every combination then compares the function with an oracle written
from the module's rules (rules 1-7, 76-83). Last, the mosaic rules: ``cumulative_check`` and
``quasi_identifiers``.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from casework.domain.disclosure import (
    OPEN,
    QUASI_IDENTIFIERS,
    Action,
    Actor,
    CumulativeReason,
    RequestFacts,
    State,
    Transition,
    WorkflowReason,
    cumulative_check,
    quasi_identifiers,
    transition,
)

W = WorkflowReason
S = State
A = Action

DRAFTER, LIAISON, DEPUTY, OFF, STAFF, DIRECTOR = (
    "drafter", "liaison", "deputy", "off-duty", "staff", "director")

ACTORS = {
    # The caseworker who drafted: not designated, not on the roster.
    "drafter": Actor(DRAFTER, is_designated_liaison=False, on_duty=False, is_director=False,
                     step_up_fresh=True),
    "on_duty_liaison": Actor(LIAISON, True, True, False, True),
    "on_duty_deputy": Actor(DEPUTY, True, True, False, True),
    "off_duty_liaison": Actor(OFF, True, False, False, True),
    "non_designated": Actor(STAFF, False, False, False, True),
    "director": Actor(DIRECTOR, False, False, True, True),
}


def request(state: State = S.SUBMITTED, **changes: object) -> RequestFacts:
    base = RequestFacts(state=state, drafter=DRAFTER, approvers=(), needs_second_approver=False,
                        emergency=False, checks_pass=True, emergency_grounds=False)
    return replace(base, **changes)  # type: ignore[arg-type]


def actor(kind: str, *, fresh: bool = True) -> Actor:
    return replace(ACTORS[kind], step_up_fresh=fresh)


def check(result: Transition, *, allowed: bool, state: State, releases: bool = False,
          reasons: set[WorkflowReason] | None = None) -> None:
    assert result.decision.allowed is allowed
    assert result.new_state is state
    assert result.releases is releases
    assert set(result.decision.reasons) == (reasons or set())
    assert len(result.decision.reasons) == len(set(result.decision.reasons))  # no repeats


# --- SUBMIT -------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "who", "facts", "allowed", "new_state", "reasons"), [
    (S.DRAFT, "drafter", {}, True, S.SUBMITTED, set()),
    (S.DRAFT, "drafter", {"checks_pass": False}, False, S.DRAFT, {W.CHECKS_FAILING}),
    (S.DRAFT, "on_duty_liaison", {}, False, S.DRAFT, {W.NOT_DRAFTER}),
    (S.DRAFT, "director", {}, False, S.DRAFT, {W.NOT_DRAFTER}),
    (S.DRAFT, "non_designated", {"checks_pass": False}, False, S.DRAFT,
     {W.NOT_DRAFTER, W.CHECKS_FAILING}),
    # Emergency: grounds AND the harm check (folded into emergency_grounds by the service).
    (S.DRAFT, "drafter", {"emergency": True, "emergency_grounds": True}, True, S.SUBMITTED,
     set()),
    (S.DRAFT, "drafter", {"emergency": True}, False, S.DRAFT, {W.GROUNDS_REQUIRED}),
    (S.DRAFT, "drafter", {"emergency": True, "checks_pass": False}, False, S.DRAFT,
     {W.GROUNDS_REQUIRED, W.CHECKS_FAILING}),
    (S.DRAFT, "drafter", {"emergency": False, "emergency_grounds": False}, True, S.SUBMITTED,
     set()),
    # A second approver does not matter at submission.
    (S.DRAFT, "drafter", {"needs_second_approver": True}, True, S.SUBMITTED, set()),
    # Only from draft.
    (S.SUBMITTED, "drafter", {}, False, S.SUBMITTED, {W.WRONG_STATE}),
    (S.APPROVED_FIRST, "drafter", {}, False, S.APPROVED_FIRST, {W.WRONG_STATE}),
    (S.RELEASED, "drafter", {}, False, S.RELEASED, {W.WRONG_STATE}),
    (S.REJECTED, "drafter", {}, False, S.REJECTED, {W.WRONG_STATE}),
    (S.STOPPED, "on_duty_liaison", {"checks_pass": False, "emergency": True}, False,
     S.STOPPED, {W.WRONG_STATE, W.NOT_DRAFTER, W.CHECKS_FAILING, W.GROUNDS_REQUIRED}),
])
def test_submit(state: State, who: str, facts: dict[str, object], allowed: bool,
                new_state: State, reasons: set[WorkflowReason]) -> None:
    check(transition(request(state, **facts), A.SUBMIT, actor(who)), allowed=allowed,
          state=new_state, reasons=reasons)


def test_submit_needs_no_step_up() -> None:
    check(transition(request(S.DRAFT), A.SUBMIT, actor("drafter", fresh=False)),
          allowed=True, state=S.SUBMITTED)


# --- APPROVE: who may approve a submitted request --------------------------------------------


@pytest.mark.parametrize(("who", "fresh", "checks", "allowed", "new_state", "reasons"), [
    ("on_duty_liaison", True, True, True, S.RELEASED, set()),
    ("on_duty_deputy", True, True, True, S.RELEASED, set()),
    ("on_duty_liaison", False, True, False, S.SUBMITTED, {W.STEP_UP_REQUIRED}),
    ("on_duty_liaison", True, False, False, S.SUBMITTED, {W.CHECKS_FAILING}),
    ("on_duty_liaison", False, False, False, S.SUBMITTED,
     {W.STEP_UP_REQUIRED, W.CHECKS_FAILING}),
    ("off_duty_liaison", True, True, False, S.SUBMITTED, {W.NOT_ON_DUTY}),
    ("off_duty_liaison", False, False, False, S.SUBMITTED,
     {W.NOT_ON_DUTY, W.STEP_UP_REQUIRED, W.CHECKS_FAILING}),
    ("non_designated", True, True, False, S.SUBMITTED, {W.NOT_LIAISON}),
    ("director", True, True, False, S.SUBMITTED, {W.NOT_LIAISON}),
    ("drafter", True, True, False, S.SUBMITTED, {W.DRAFTER_CANNOT_APPROVE, W.NOT_LIAISON}),
    ("drafter", False, False, False, S.SUBMITTED,
     {W.DRAFTER_CANNOT_APPROVE, W.NOT_LIAISON, W.STEP_UP_REQUIRED, W.CHECKS_FAILING}),
])
def test_approve_submitted(who: str, fresh: bool, checks: bool, allowed: bool,
                           new_state: State, reasons: set[WorkflowReason]) -> None:
    result = transition(request(checks_pass=checks), A.APPROVE, actor(who, fresh=fresh))
    check(result, allowed=allowed, state=new_state, releases=new_state is S.RELEASED,
          reasons=reasons)


def test_a_liaison_who_drafted_cannot_approve_their_own_request() -> None:
    facts = request(drafter=LIAISON)
    check(transition(facts, A.APPROVE, actor("on_duty_liaison")), allowed=False,
          state=S.SUBMITTED, reasons={W.DRAFTER_CANNOT_APPROVE})
    check(transition(facts, A.APPROVE, actor("on_duty_deputy")), allowed=True,
          state=S.RELEASED, releases=True)


# --- APPROVE: a second approver -----------------------------------------------------------


@pytest.mark.parametrize(("state", "approvers", "who", "allowed", "new_state", "releases",
                          "reasons"), [
    (S.SUBMITTED, (), "on_duty_liaison", True, S.APPROVED_FIRST, False, set()),
    (S.APPROVED_FIRST, (LIAISON,), "on_duty_deputy", True, S.RELEASED, True, set()),
    (S.APPROVED_FIRST, (LIAISON,), "on_duty_liaison", False, S.APPROVED_FIRST, False,
     {W.SAME_APPROVER}),
    (S.APPROVED_FIRST, (LIAISON,), "off_duty_liaison", False, S.APPROVED_FIRST, False,
     {W.NOT_ON_DUTY}),
    (S.APPROVED_FIRST, (LIAISON,), "director", False, S.APPROVED_FIRST, False,
     {W.NOT_LIAISON}),
    (S.APPROVED_FIRST, (LIAISON,), "drafter", False, S.APPROVED_FIRST, False,
     {W.DRAFTER_CANNOT_APPROVE, W.NOT_LIAISON}),
])
def test_approve_with_second_approver(state: State, approvers: tuple[str, ...], who: str,
                                      allowed: bool, new_state: State, releases: bool,
                                      reasons: set[WorkflowReason]) -> None:
    facts = request(state, approvers=approvers, needs_second_approver=True)
    check(transition(facts, A.APPROVE, actor(who)), allowed=allowed, state=new_state,
          releases=releases, reasons=reasons)


def test_approved_first_without_a_second_approver_requirement_releases() -> None:
    """E.g. a new MoU version dropped the second approver after the first approval."""
    facts = request(S.APPROVED_FIRST, approvers=(LIAISON,), needs_second_approver=False)
    check(transition(facts, A.APPROVE, actor("on_duty_deputy")), allowed=True,
          state=S.RELEASED, releases=True)


# --- APPROVE: emergency (the director co-signs, then the liaison releases) ----------------


@pytest.mark.parametrize(("state", "approvers", "who", "grounds", "allowed", "new_state",
                          "releases", "reasons"), [
    # First step: the director's co-signature; a liaison cannot go first (issue 9, item 3).
    (S.SUBMITTED, (), "director", True, True, S.APPROVED_FIRST, False, set()),
    (S.SUBMITTED, (), "on_duty_liaison", True, False, S.SUBMITTED, False,
     {W.DIRECTOR_REQUIRED}),
    (S.SUBMITTED, (), "on_duty_deputy", True, False, S.SUBMITTED, False,
     {W.DIRECTOR_REQUIRED}),
    (S.SUBMITTED, (), "off_duty_liaison", True, False, S.SUBMITTED, False,
     {W.DIRECTOR_REQUIRED}),
    (S.SUBMITTED, (), "drafter", True, False, S.SUBMITTED, False,
     {W.DRAFTER_CANNOT_APPROVE, W.DIRECTOR_REQUIRED}),
    # The release: the on-duty liaison's or deputy's approval, never the director's.
    (S.APPROVED_FIRST, (DIRECTOR,), "on_duty_liaison", True, True, S.RELEASED, True, set()),
    (S.APPROVED_FIRST, (DIRECTOR,), "on_duty_deputy", True, True, S.RELEASED, True, set()),
    (S.APPROVED_FIRST, (DIRECTOR,), "director", True, False, S.APPROVED_FIRST, False,
     {W.NOT_LIAISON, W.SAME_APPROVER}),
    (S.APPROVED_FIRST, (DIRECTOR,), "off_duty_liaison", True, False, S.APPROVED_FIRST,
     False, {W.NOT_ON_DUTY}),
    (S.APPROVED_FIRST, (DIRECTOR,), "non_designated", True, False, S.APPROVED_FIRST, False,
     {W.NOT_LIAISON}),
    (S.APPROVED_FIRST, (DIRECTOR,), "drafter", True, False, S.APPROVED_FIRST, False,
     {W.DRAFTER_CANNOT_APPROVE, W.NOT_LIAISON}),
    # Grounds are checked at submission; approval does not re-check them (a submitted
    # emergency request always has them: the service stores them at drafting only).
    (S.SUBMITTED, (), "director", False, True, S.APPROVED_FIRST, False, set()),
    (S.APPROVED_FIRST, (DIRECTOR,), "on_duty_liaison", False, True, S.RELEASED, True,
     set()),
])
def test_approve_emergency(state: State, approvers: tuple[str, ...], who: str, grounds: bool,
                           allowed: bool, new_state: State, releases: bool,
                           reasons: set[WorkflowReason]) -> None:
    facts = request(state, approvers=approvers, emergency=True, emergency_grounds=grounds)
    check(transition(facts, A.APPROVE, actor(who)), allowed=allowed, state=new_state,
          releases=releases, reasons=reasons)


def test_emergency_director_still_needs_fresh_step_up_and_passing_checks() -> None:
    facts = request(S.SUBMITTED, emergency=True, emergency_grounds=True, checks_pass=False)
    check(transition(facts, A.APPROVE, actor("director", fresh=False)), allowed=False,
          state=S.SUBMITTED, reasons={W.STEP_UP_REQUIRED, W.CHECKS_FAILING})


def test_emergency_release_by_liaison_needs_fresh_step_up_and_passing_checks() -> None:
    facts = request(S.APPROVED_FIRST, approvers=(DIRECTOR,), emergency=True,
                    emergency_grounds=True, checks_pass=False)
    check(transition(facts, A.APPROVE, actor("on_duty_liaison", fresh=False)),
          allowed=False, state=S.APPROVED_FIRST,
          reasons={W.STEP_UP_REQUIRED, W.CHECKS_FAILING})


def test_emergency_needs_two_even_when_the_mou_asks_for_one() -> None:
    facts = request(emergency=True, emergency_grounds=True, needs_second_approver=False)
    check(transition(facts, A.APPROVE, actor("director")), allowed=True,
          state=S.APPROVED_FIRST)


# --- APPROVE from states where nothing can be approved ------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, S.RELEASED, S.REJECTED, S.STOPPED])
def test_approve_in_wrong_state(state: State) -> None:
    check(transition(request(state), A.APPROVE, actor("on_duty_liaison")), allowed=False,
          state=state, reasons={W.WRONG_STATE})


def test_a_released_request_is_never_released_again() -> None:
    facts = request(S.RELEASED, approvers=(LIAISON,))
    for who in ACTORS:
        result = transition(facts, A.APPROVE, actor(who))
        assert not result.decision.allowed and not result.releases
        assert W.WRONG_STATE in result.decision.reasons


# --- REJECT -------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "facts", "who", "reason_given", "allowed", "new_state",
                          "reasons"), [
    (S.SUBMITTED, {}, "on_duty_liaison", True, True, S.REJECTED, set()),
    (S.SUBMITTED, {}, "on_duty_deputy", True, True, S.REJECTED, set()),
    (S.SUBMITTED, {}, "on_duty_liaison", False, False, S.SUBMITTED, {W.REASON_REQUIRED}),
    (S.SUBMITTED, {}, "off_duty_liaison", True, False, S.SUBMITTED, {W.NOT_ON_DUTY}),
    (S.SUBMITTED, {}, "non_designated", False, False, S.SUBMITTED,
     {W.NOT_LIAISON, W.REASON_REQUIRED}),
    (S.SUBMITTED, {}, "director", True, False, S.SUBMITTED, {W.NOT_LIAISON}),
    (S.SUBMITTED, {}, "drafter", True, False, S.SUBMITTED,
     {W.DRAFTER_CANNOT_APPROVE, W.NOT_LIAISON}),
    # Rejecting needs neither a fresh step-up nor passing checks: failing checks are the
    # usual reason to reject.
    (S.SUBMITTED, {"checks_pass": False}, "on_duty_liaison", True, True, S.REJECTED, set()),
    # A first approver may still reject at the second step (needs_second_approver).
    (S.APPROVED_FIRST, {"approvers": (LIAISON,), "needs_second_approver": True},
     "on_duty_liaison", True, True, S.REJECTED, set()),
    # An emergency: the director may refuse to co-sign; the liaison rejects at either step.
    (S.SUBMITTED, {"emergency": True, "emergency_grounds": True}, "director", True, True,
     S.REJECTED, set()),
    (S.SUBMITTED, {"emergency": True, "emergency_grounds": True}, "on_duty_deputy", True,
     True, S.REJECTED, set()),
    (S.APPROVED_FIRST, {"approvers": (DIRECTOR,), "emergency": True,
                        "emergency_grounds": True}, "on_duty_deputy", True, True,
     S.REJECTED, set()),
    (S.APPROVED_FIRST, {"approvers": (DIRECTOR,), "emergency": True,
                        "emergency_grounds": True}, "director", True, False,
     S.APPROVED_FIRST, {W.NOT_LIAISON}),
    (S.DRAFT, {}, "on_duty_liaison", True, False, S.DRAFT, {W.WRONG_STATE}),
    (S.RELEASED, {}, "on_duty_liaison", True, False, S.RELEASED, {W.WRONG_STATE}),
    (S.REJECTED, {}, "on_duty_liaison", False, False, S.REJECTED,
     {W.WRONG_STATE, W.REASON_REQUIRED}),
    (S.STOPPED, {}, "on_duty_liaison", True, False, S.STOPPED, {W.WRONG_STATE}),
])
def test_reject(state: State, facts: dict[str, object], who: str, reason_given: bool,
                allowed: bool, new_state: State, reasons: set[WorkflowReason]) -> None:
    result = transition(request(state, **facts), A.REJECT, actor(who, fresh=False),
                        reason_given=reason_given)
    check(result, allowed=allowed, state=new_state, reasons=reasons)


# --- STOP and CANCEL ---------------------------------------------------------------------


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("who", list(ACTORS))
def test_stop_from_open_and_closed_states(state: State, who: str) -> None:
    """A stop (consent withdrawn, MoU expired) is the system's: any open state, any actor."""
    result = transition(request(state), A.STOP, actor(who, fresh=False))
    if state in OPEN:
        check(result, allowed=True, state=S.STOPPED)
    else:
        check(result, allowed=False, state=state, reasons={W.WRONG_STATE})


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("who", list(ACTORS))
def test_cancel_from_open_and_closed_states(state: State, who: str) -> None:
    result = transition(request(state), A.CANCEL, actor(who, fresh=False))
    if state not in OPEN:
        check(result, allowed=False, state=state, reasons={W.WRONG_STATE})
    elif who == "drafter":
        check(result, allowed=True, state=S.STOPPED)
    else:
        check(result, allowed=False, state=state, reasons={W.NOT_DRAFTER})


def test_open_states() -> None:
    assert {S.DRAFT, S.SUBMITTED, S.APPROVED_FIRST} == OPEN


# --- the whole space, against an oracle written from the rules ---------------------------


def oracle(facts: RequestFacts, action: Action, who: Actor,
           reason_given: bool) -> tuple[bool, State, bool, set[WorkflowReason]]:
    """(allowed, new state, releases, reasons), written from the module docstring."""
    state, reasons = facts.state, set()
    if action is A.STOP:
        return (True, S.STOPPED, False, set()) if state in OPEN else (
            False, state, False, {W.WRONG_STATE})
    if action is A.CANCEL:
        if state not in OPEN:
            return False, state, False, {W.WRONG_STATE}
        if who.ref != facts.drafter:
            return False, state, False, {W.NOT_DRAFTER}
        return True, S.STOPPED, False, set()
    if action is A.SUBMIT:
        if state is not S.DRAFT:
            reasons.add(W.WRONG_STATE)
        if who.ref != facts.drafter:
            reasons.add(W.NOT_DRAFTER)
        if not facts.checks_pass:
            reasons.add(W.CHECKS_FAILING)
        if facts.emergency and not facts.emergency_grounds:
            reasons.add(W.GROUNDS_REQUIRED)
        return (not reasons, S.SUBMITTED if not reasons else state, False, reasons)
    # approve and reject
    if state not in (S.SUBMITTED, S.APPROVED_FIRST):
        reasons.add(W.WRONG_STATE)
    if who.ref == facts.drafter:
        reasons.add(W.DRAFTER_CANNOT_APPROVE)
    # Emergency: the director co-signs first (approve), or refuses to (reject); the
    # liaison's approval is the release.
    directors_step = facts.emergency and state is S.SUBMITTED and (
        action is A.APPROVE or who.is_director)
    if directors_step and not who.is_director:
        reasons.add(W.DIRECTOR_REQUIRED)
    if not directors_step:
        if not who.is_designated_liaison:
            reasons.add(W.NOT_LIAISON)
        elif not who.on_duty:
            reasons.add(W.NOT_ON_DUTY)
    if action is A.REJECT:
        if not reason_given:
            reasons.add(W.REASON_REQUIRED)
        return (not reasons, S.REJECTED if not reasons else state, False, reasons)
    if who.ref in facts.approvers:
        reasons.add(W.SAME_APPROVER)
    if not who.step_up_fresh:
        reasons.add(W.STEP_UP_REQUIRED)
    if not facts.checks_pass:
        reasons.add(W.CHECKS_FAILING)
    if reasons:
        return False, state, False, reasons
    two = facts.needs_second_approver or facts.emergency
    if state is S.SUBMITTED and two:
        return True, S.APPROVED_FIRST, False, set()
    return True, S.RELEASED, True, set()


def test_every_combination_matches_the_rules() -> None:
    mismatches = []
    count = 0
    for (state, action, who, fresh, checks, second, emergency, grounds, approvers,
         reason_given) in itertools.product(
            State, Action, ACTORS, (True, False), (True, False), (True, False),
            (True, False), (True, False), ((), (LIAISON,), (DIRECTOR,)), (True, False)):
        facts = RequestFacts(state=state, drafter=DRAFTER, approvers=approvers,
                             needs_second_approver=second, emergency=emergency,
                             checks_pass=checks, emergency_grounds=grounds)
        person = actor(who, fresh=fresh)
        result = transition(facts, action, person, reason_given=reason_given)
        got = (result.decision.allowed, result.new_state, result.releases,
               set(result.decision.reasons))
        count += 1
        if got != oracle(facts, action, person, reason_given):
            mismatches.append((facts, action, who, fresh, reason_given, got))
        # Invariants: a refusal always says why and never moves; only approval releases.
        assert result.decision.allowed != bool(result.decision.reasons)
        if not result.decision.allowed:
            assert result.new_state is state and not result.releases
        if result.releases:
            assert action is A.APPROVE and result.new_state is S.RELEASED
    assert count == 6 * 5 * 6 * 2 ** 6 * 3
    assert not mismatches, mismatches[:5]


# --- cumulative disclosure (mosaic) ---------------------------------------------------------


@pytest.mark.parametrize(("before", "now", "limit", "identity", "allowed"), [
    ((), (), 3, False, True),
    ((), ("exact_time", "precise_place", "documents"), 3, False, True),
    ((), ("exact_time", "precise_place", "documents", "means_of_control"), 3, False, False),
    (("exact_time", "precise_place", "documents"), ("means_of_control",), 3, False, False),
    # Repeating what the unit already has adds nothing.
    (("exact_time", "precise_place", "documents"), ("exact_time", "documents"), 3, False,
     True),
    (("exact_time", "exact_time"), ("exact_time",), 1, False, True),
    (("exact_time",), ("precise_place",), 1, False, False),
    (("exact_time",), (), 1, False, True),
    (tuple(QUASI_IDENTIFIERS), (), 6, False, True),
    (tuple(QUASI_IDENTIFIERS), (), 5, False, False),
    # The person asked for their identity to be shared: no mosaic limit.
    (tuple(QUASI_IDENTIFIERS), ("exact_time",), 1, True, True),
    ((), ("a", "b"), 0, False, False),
    ((), (), 0, False, True),
])
def test_cumulative_check(before: tuple[str, ...], now: tuple[str, ...], limit: int,
                          identity: bool, allowed: bool) -> None:
    decision = cumulative_check(released_before=before, this_time=now, limit=limit,
                                identity_consented=identity)
    assert decision.allowed is allowed
    assert decision.reasons == (() if allowed else (CumulativeReason.TOO_MUCH,))


def test_cumulative_check_accepts_any_iterables() -> None:
    decision = cumulative_check(released_before=iter(["exact_time"]),
                                this_time=(x for x in ["precise_place"]), limit=1,
                                identity_consented=False)
    assert not decision.allowed


@pytest.mark.parametrize(("time", "place", "tags", "expected"), [
    (None, None, (), set()),
    ("year", "country", (), set()),
    ("month", "region", (), set()),
    ("day", None, (), {"exact_time"}),
    ("exact", None, (), {"exact_time"}),
    (None, "city", (), {"precise_place"}),
    (None, "exact", (), {"precise_place"}),
    ("exact", "exact", (), {"exact_time", "precise_place"}),
    (None, None, ("documents:forged",), {"documents"}),
    (None, None, ("documents:none",), {"documents"}),
    (None, None, ("means-of-control:debt-bondage",), {"means_of_control"}),
    (None, None, ("recruitment-method:online-advertisement",), {"recruitment_channel"}),
    (None, None, ("phase:transit", "exploitation-type:forced-labour", "indicator:x"), set()),
    # Predicates are compared whole: near misses are not quasi-identifiers.
    (None, None, ("document:forged", "means_of_control:threats", "documents"), {"documents"}),
    ("day", "city", ("documents:forged", "means-of-control:threats",
                     "recruitment-method:abduction", "means-of-control:debt-bondage"),
     {"exact_time", "precise_place", "documents", "means_of_control", "recruitment_channel"}),
])
def test_quasi_identifiers(time: str | None, place: str | None, tags: tuple[str, ...],
                           expected: set[str]) -> None:
    found = quasi_identifiers(time_granularity=time, place_granularity=place, tags=tags)
    assert found == frozenset(expected)
    assert found <= set(QUASI_IDENTIFIERS)


def test_perpetrator_details_is_never_derived_from_an_entry() -> None:
    """Documented gap: ``perpetrator_details`` is listed but nothing produces it."""
    everything = quasi_identifiers(time_granularity="exact", place_granularity="exact",
                                   tags=[f"{p}:x" for p in ("documents", "means-of-control",
                                                            "recruitment-method")])
    assert set(QUASI_IDENTIFIERS) - everything == {"perpetrator_details"}
