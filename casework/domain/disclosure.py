"""The disclosure workflow as a pure state machine, and the checks it composes.

draft -> submitted -> (approved_first ->) released; any open state -> stopped (consent
withdrawn, MoU expired, cancelled) or rejected (by the liaison, with a reason). Only the
on-duty liaison or deputy releases, never the drafter, always with a fresh step-up; an MoU
may require a second approver, and an emergency disclosure is co-signed by the director
first and then released by the on-duty liaison (rules 76-83).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from casework.domain.decisions import Decision


class State(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED_FIRST = "approved_first"
    RELEASED = "released"
    REJECTED = "rejected"
    STOPPED = "stopped"


OPEN = frozenset({State.DRAFT, State.SUBMITTED, State.APPROVED_FIRST})


class Action(str, Enum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    STOP = "stop"
    CANCEL = "cancel"


class WorkflowReason(str, Enum):
    WRONG_STATE = "disclosure_wrong_state"
    NOT_DRAFTER = "disclosure_not_drafter"
    DRAFTER_CANNOT_APPROVE = "disclosure_drafter_cannot_approve"
    NOT_LIAISON = "disclosure_not_designated_liaison"
    NOT_ON_DUTY = "disclosure_liaison_not_on_duty"
    STEP_UP_REQUIRED = "disclosure_step_up_required"
    SAME_APPROVER = "disclosure_same_approver_twice"
    DIRECTOR_REQUIRED = "disclosure_emergency_needs_director"
    GROUNDS_REQUIRED = "disclosure_emergency_grounds_required"
    CHECKS_FAILING = "disclosure_checks_failing"
    REASON_REQUIRED = "disclosure_rejection_reason_required"


@dataclass(frozen=True)
class Actor:
    ref: str
    is_designated_liaison: bool  # designated liaison or deputy (rules 1-2)
    on_duty: bool  # on the roster right now (rules 5-7)
    is_director: bool
    step_up_fresh: bool


@dataclass(frozen=True)
class RequestFacts:
    state: State
    drafter: str
    approvers: tuple[str, ...]
    needs_second_approver: bool
    emergency: bool
    checks_pass: bool
    emergency_grounds: bool = False


@dataclass(frozen=True)
class Transition:
    decision: Decision
    new_state: State
    releases: bool = False


def _no(*reasons: WorkflowReason, state: State) -> Transition:
    return Transition(Decision.deny(*reasons), state)


def transition(request: RequestFacts, action: Action, actor: Actor, *,
               reason_given: bool = True) -> Transition:
    """Decide one step of the workflow; the caller persists the new state atomically."""
    state = request.state
    if action is Action.STOP:
        return (Transition(Decision.allow(), State.STOPPED) if state in OPEN
                else _no(WorkflowReason.WRONG_STATE, state=state))
    if action is Action.CANCEL:
        if state not in OPEN:
            return _no(WorkflowReason.WRONG_STATE, state=state)
        if actor.ref != request.drafter:
            return _no(WorkflowReason.NOT_DRAFTER, state=state)
        return Transition(Decision.allow(), State.STOPPED)
    if action is Action.SUBMIT:
        reasons = []
        if state is not State.DRAFT:
            reasons.append(WorkflowReason.WRONG_STATE)
        if actor.ref != request.drafter:
            reasons.append(WorkflowReason.NOT_DRAFTER)
        if not request.checks_pass:
            reasons.append(WorkflowReason.CHECKS_FAILING)
        if request.emergency and not request.emergency_grounds:
            reasons.append(WorkflowReason.GROUNDS_REQUIRED)
        return _no(*reasons, state=state) if reasons else Transition(Decision.allow(),
                                                                     State.SUBMITTED)
    if action is Action.REJECT:
        reasons = _approver_reasons(request, actor, approving=False)
        if not reason_given:
            reasons.append(WorkflowReason.REASON_REQUIRED)
        return _no(*reasons, state=state) if reasons else Transition(Decision.allow(),
                                                                     State.REJECTED)
    return _approve(request, actor)


def _liaison_reasons(actor: Actor) -> list[WorkflowReason]:
    if not actor.is_designated_liaison:
        return [WorkflowReason.NOT_LIAISON]
    if not actor.on_duty:
        return [WorkflowReason.NOT_ON_DUTY]
    return []


def _approver_reasons(request: RequestFacts, actor: Actor, *,
                      approving: bool) -> list[WorkflowReason]:
    reasons: list[WorkflowReason] = []
    if request.state not in (State.SUBMITTED, State.APPROVED_FIRST):
        reasons.append(WorkflowReason.WRONG_STATE)
    if actor.ref == request.drafter:
        reasons.append(WorkflowReason.DRAFTER_CANNOT_APPROVE)
    # An emergency disclosure keeps the liaison (rules 76-83, issue 9): the director
    # co-signs first, and the release is the on-duty liaison's or deputy's approval, as on
    # the normal path. The liaison rejects; the director may refuse to co-sign (rules 1-7).
    directors_step = request.emergency and request.state is State.SUBMITTED
    if directors_step and (approving or actor.is_director):
        if not actor.is_director:
            reasons.append(WorkflowReason.DIRECTOR_REQUIRED)
    else:
        reasons += _liaison_reasons(actor)
    if approving:
        if actor.ref in request.approvers:
            reasons.append(WorkflowReason.SAME_APPROVER)
        if not actor.step_up_fresh:
            reasons.append(WorkflowReason.STEP_UP_REQUIRED)
        if not request.checks_pass:
            reasons.append(WorkflowReason.CHECKS_FAILING)
    return reasons


def _approve(request: RequestFacts, actor: Actor) -> Transition:
    reasons = _approver_reasons(request, actor, approving=True)
    if reasons:
        return _no(*reasons, state=request.state)
    needs_two = request.needs_second_approver or request.emergency
    if request.state is State.SUBMITTED and needs_two:
        return Transition(Decision.allow(), State.APPROVED_FIRST)
    return Transition(Decision.allow(), State.RELEASED, releases=True)


# --- cumulative disclosure (mosaic) -------------------------------------------------------

QUASI_IDENTIFIERS = ("exact_time", "precise_place", "documents", "means_of_control",
                     "perpetrator_details", "recruitment_channel")


class CumulativeReason(str, Enum):
    TOO_MUCH = "disclosure_cumulative_limit"


def cumulative_check(*, released_before: Iterable[str], this_time: Iterable[str], limit: int,
                     identity_consented: bool) -> Decision:
    """Small disclosures must not add up to an identity: across every package to a unit,
    the kinds of quasi-identifying detail about one source stay within the MoU's limit."""
    union = set(released_before) | set(this_time)
    if identity_consented or len(union) <= limit:
        return Decision.allow()
    return Decision.deny(CumulativeReason.TOO_MUCH)


def quasi_identifiers(*, time_granularity: str | None, place_granularity: str | None,
                      tags: Iterable[str]) -> frozenset[str]:
    """Which kinds of quasi-identifying detail an entry carries."""
    found: set[str] = set()
    if time_granularity in ("day", "exact"):
        found.add("exact_time")
    if place_granularity in ("city", "exact"):
        found.add("precise_place")
    for tag in tags:
        predicate = tag.partition(":")[0]
        if predicate == "documents":
            found.add("documents")
        elif predicate == "means-of-control":
            found.add("means_of_control")
        elif predicate == "recruitment-method":
            found.add("recruitment_channel")
    return frozenset(found)
