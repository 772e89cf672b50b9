"""Decision tables of the duty catalogue (issue 10): for each duty, when its task appears,
when it is reminded, when it escalates and to whom. Pure: the clock is an argument."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from casework.domain import duties as d
from casework.domain.duties import Duty, Level, Owner, Reason, Target

NOW = datetime(2026, 12, 2, 9, 0)
H, D = timedelta(hours=1), timedelta(days=1)


def cond(duty: Duty, deadline: datetime, key: str = "k") -> d.Condition:
    return d.Condition(duty, f"{duty.value}:{key}", deadline)


# duty, owner, urgent, appears before the deadline, reminded before, level 1 after the
# deadline (None: straight to the director), director after the deadline
TABLE = [
    (Duty.FEEDBACK_ACK, Owner.LIAISON, False, 1 * D, 12 * H, 1 * D, 2 * D),
    (Duty.FEEDBACK_OUTCOME, Owner.LIAISON, False, 3 * D, 1 * D, 2 * D, 4 * D),
    (Duty.MOU_REVIEW, Owner.DIRECTOR, False, 30 * D, 7 * D, None, timedelta(0)),
    (Duty.MOU_EXPIRY, Owner.DIRECTOR, False, 30 * D, 7 * D, None, timedelta(0)),
    (Duty.RISK_EXPIRING, Owner.STAFF, False, 7 * D, 2 * D, timedelta(0), 1 * D),
    (Duty.CONSENT_REVIEW, Owner.ASSIGNEES, False, 14 * D, 3 * D, timedelta(0), 2 * D),
    (Duty.SAFETY_PLAN_REVIEW, Owner.ASSIGNEES, False, 7 * D, 2 * D, 1 * D, 3 * D),
    (Duty.WITNESS_REVIEW, Owner.STAFF, False, 7 * D, 2 * D, 1 * D, 3 * D),
    (Duty.PRIVACY_REVIEW, Owner.PRIVACY_REVIEWER, False, None, 12 * H, timedelta(0), 1 * D),
    (Duty.ONCALL_GAP, Owner.DIRECTOR, True, 14 * D, 3 * D, None, timedelta(0)),
    (Duty.TURNED_18, Owner.ASSIGNEES, False, None, 2 * D, 1 * D, 4 * D),
    (Duty.BREAK_GLASS_REVIEW, Owner.DIRECTOR, False, None, timedelta(0), None, 1 * D),
    (Duty.AUDIT_CHECKPOINT, Owner.AUDITOR, False, 1 * D, timedelta(0), None, 2 * D),
]


@pytest.mark.parametrize(("duty", "owner", "urgent", "lead", "remind", "first", "top"), TABLE)
def test_due_remind_and_escalate(duty, owner, urgent, lead, remind, first, top):
    deadline = NOW + 40 * D
    spec = d.CATALOGUE[duty]
    assert (spec.owner, spec.urgent) == (owner, urgent)
    # When the task appears.
    if lead is None:
        assert isinstance(d.decide(cond(duty, deadline), NOW), d.Due)
    else:
        before = d.decide(cond(duty, deadline), deadline - lead - timedelta(minutes=1))
        assert isinstance(before, d.NotYet) and before.reason is Reason.NOT_YET
        assert before.appears_at == deadline - lead
    created = deadline - (lead or 10 * D)
    due = d.decide(cond(duty, deadline), created)
    assert isinstance(due, d.Due) and due.reason is Reason.DUE
    assert due.owner is owner and due.due_at == deadline
    assert due.remind_at == (deadline - remind if remind else None)

    def at(moment: datetime, level: int = 0):
        return d.next_escalation(spec, owner=owner, level=level, created_at=created,
                                 due_at=deadline, acknowledged_at=None, now=moment)

    if first is None:  # the owner is the top of the chain: level 2, all directors
        assert isinstance(at(deadline + top - timedelta(minutes=1)), d.Hold)
        assert at(deadline + top) == d.Escalate(Level.DIRECTOR, Target.DIRECTOR)
        return
    hold = at(deadline + first - timedelta(minutes=1))
    assert isinstance(hold, d.Hold) and hold.reason is Reason.WAIT
    assert hold.next_at == deadline + first
    second = at(deadline + first)
    assert second.level is Level.SECOND and second.to is d.chain(owner)[0]
    assert isinstance(at(deadline + top - timedelta(minutes=1), level=1), d.Hold)
    assert at(deadline + top, level=1) == d.Escalate(Level.DIRECTOR, Target.DIRECTOR)
    assert at(deadline + top + D, level=2).reason is Reason.TOP


@pytest.mark.parametrize("duty", [Duty.URGENT_SAFETY, Duty.RECALL_NOTICE,
                                  Duty.DESTROY_OR_RETURN])
def test_urgent_duties_escalate_when_not_acknowledged_in_time(duty):
    spec = d.CATALOGUE[duty]
    assert spec.urgent and spec.ack_within is not None
    deadline = NOW + 10 * D
    owner = spec.owner

    def at(moment: datetime, level: int = 0, acked: datetime | None = None):
        return d.next_escalation(spec, owner=owner, level=level, created_at=NOW,
                                 due_at=deadline, acknowledged_at=acked, now=moment)

    first = NOW + spec.ack_within
    assert isinstance(at(first - timedelta(minutes=1)), d.Hold)
    assert at(first) == d.Escalate(Level.SECOND, d.chain(owner)[0])
    assert at(first + spec.step, level=1) == d.Escalate(Level.DIRECTOR, Target.DIRECTOR)
    assert at(first + 5 * D, acked=NOW + H).reason is Reason.ACKNOWLEDGED


def test_a_suspects_release_two_hours_to_the_colleagues_four_to_the_director():
    """Rule 112: the urgent safety task (made by the case event, due in 4 hours)."""
    spec = d.spec_for("urgent_safety_after_release", urgent=True)
    due = NOW + 4 * H

    def at(hours: float, level: int = 0):
        return d.next_escalation(spec, owner=Owner.ASSIGNEES, level=level, created_at=NOW,
                                 due_at=due, acknowledged_at=None, now=NOW + hours * H)

    assert isinstance(at(1.9), d.Hold)
    assert at(2) == d.Escalate(Level.SECOND, Target.OTHER_ASSIGNEES)
    assert at(4, level=1) == d.Escalate(Level.DIRECTOR, Target.DIRECTOR)
    # A scheduler that was down does not make the director wait another step.
    assert at(5) == d.Escalate(Level.DIRECTOR, Target.DIRECTOR)


def test_user_made_tasks_of_other_kinds_get_a_default():
    urgent = d.spec_for("inform_person_arrest", urgent=True)
    routine = d.spec_for("inform_person_arrest", urgent=False)
    assert urgent.ack_within == 2 * H and routine.escalate_after == D
    assert d.spec_for("oncall_gap", urgent=False) is d.CATALOGUE[Duty.ONCALL_GAP]


def test_chains():
    assert d.chain(Owner.LIAISON) == (Target.DEPUTY, Target.DIRECTOR)
    assert d.chain(Owner.ASSIGNEES) == (Target.OTHER_ASSIGNEES, Target.DIRECTOR)
    assert d.chain(Owner.STAFF) == (Target.OTHER_ASSIGNEES, Target.DIRECTOR)
    assert d.chain(Owner.PRIVACY_REVIEWER) == (Target.REVIEWERS, Target.DIRECTOR)
    assert d.chain(Owner.DIRECTOR) == d.chain(Owner.AUDITOR) == (Target.DIRECTOR,)


def test_reminders():
    assert d.should_remind(NOW, acknowledged=False, now=NOW)
    assert not d.should_remind(NOW, acknowledged=True, now=NOW)
    assert not d.should_remind(NOW + H, acknowledged=False, now=NOW)
    assert not d.should_remind(None, acknowledged=False, now=NOW)


# --- conditions --------------------------------------------------------------------------


def package(**changes):
    facts = dict(package_ref="P1", released_at=NOW, ack_due_at=NOW + 5 * D,
                 outcome_due_at=NOW + 90 * D, feedback_kinds=(), withdrawn=False)
    facts.update(changes)
    return d.PackageFacts(**facts)


def test_feedback_conditions():
    assert [c.duty for c in d.feedback_conditions(package())] == [
        Duty.FEEDBACK_ACK, Duty.FEEDBACK_OUTCOME]
    assert [c.duty for c in d.feedback_conditions(package(feedback_kinds=("acknowledged",)))
            ] == [Duty.FEEDBACK_OUTCOME]
    assert d.feedback_conditions(package(feedback_kinds=("arrest",))) == []
    assert d.feedback_conditions(package(withdrawn=True)) == []
    assert {c.key for c in d.feedback_conditions(package())} == {"ack:P1", "outcome:P1"}


def test_mou_review_and_expiry():
    found = d.mou_conditions(d.MouFacts("U1", date(2026, 1, 31), 12, date(2027, 6, 30)))
    assert {(c.duty, c.deadline.date()) for c in found} == {
        (Duty.MOU_REVIEW, date(2027, 1, 31)), (Duty.MOU_EXPIRY, date(2027, 6, 30))}
    # A review after the expiry is no review: the expiry comes first.
    later = d.mou_conditions(d.MouFacts("U1", date(2026, 1, 31), 24, date(2027, 6, 30)))
    assert [c.duty for c in later] == [Duty.MOU_EXPIRY]
    assert d.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_risk_only_while_relied_on_and_not_renewed():
    facts = dict(assessment_ref="R1", person_id=1, assessor_id=7, expires_at=NOW)
    assert d.risk_condition(d.RiskFacts(**facts, relied_on=True, renewed=False)).owner_staff_id == 7
    assert d.risk_condition(d.RiskFacts(**facts, relied_on=False, renewed=False)) is None
    assert d.risk_condition(d.RiskFacts(**facts, relied_on=True, renewed=True)) is None


def test_consent_safety_plan_witness_notice_privacy():
    assert d.consent_condition(d.ConsentFacts("C1", 1, NOW, False, False)).key == "consent:C1"
    assert d.consent_condition(d.ConsentFacts("C1", 1, None, False, False)) is None
    assert d.consent_condition(d.ConsentFacts("C1", 1, NOW, True, False)) is None
    assert d.consent_condition(d.ConsentFacts("C1", 1, NOW, False, True)) is None
    plan = d.safety_plan_condition(d.ReviewDateFacts("N1", 1, date(2026, 12, 5)))
    assert plan.deadline == datetime(2026, 12, 5) and plan.person_id == 1
    assert d.safety_plan_condition(d.ReviewDateFacts("N1", 1, None)) is None
    assert d.witness_condition(d.ReviewDateFacts("W1", 1, date(2026, 12, 5), 9)
                               ).owner_staff_id == 9
    recall = d.notice_condition(d.NoticeFacts("N1", "D-1", "consent_withdrawn", NOW, False))
    assert recall.duty is Duty.RECALL_NOTICE and recall.key == d.recall_key("N1")
    destroy = d.notice_condition(d.NoticeFacts("N2", "D-1", "mou_terminated_destroy", NOW,
                                               False))
    assert destroy.duty is Duty.DESTROY_OR_RETURN
    assert d.notice_condition(d.NoticeFacts("N1", "D-1", "x", NOW, True)) is None
    waiting = d.privacy_condition(d.EntryFacts("E1", 3, "pending", NOW))
    assert waiting.key == "privacy:E1:3" and waiting.deadline == NOW + 2 * D
    assert d.privacy_condition(d.EntryFacts("E1", 3, "cleared", NOW)) is None


def test_roster_gaps_keep_their_key_while_time_passes():
    shifts = [(NOW - 2 * D, NOW - D), (NOW + D, NOW + 3 * D), (NOW + 3 * D, NOW + 12 * D)]
    gaps = d.roster_gaps(shifts, NOW)
    assert [(g.began, g.starts_at, g.ends_at) for g in gaps] == [
        (NOW - D, NOW, NOW + D), (NOW + 12 * D, NOW + 12 * D, NOW + 14 * D)]
    later = d.roster_gaps(shifts, NOW + 6 * H)
    assert [d.gap_condition(g, NOW + 6 * H).key for g in later] == [
        d.gap_condition(g, NOW).key for g in gaps]
    assert d.roster_gaps([(NOW - D, NOW + 20 * D)], NOW) == []
    [never] = d.roster_gaps([], NOW)
    assert d.gap_condition(never, NOW).key == "oncall:never"
    assert never.ends_at == NOW + 14 * D


def test_break_glass_and_checkpoint():
    glass = d.break_glass_condition(d.BreakGlassFacts("B1", 1, NOW))
    assert glass.deadline == NOW + D and d.CATALOGUE[glass.duty].closes_on_ack
    assert d.checkpoint_condition(None, None, NOW) is None
    first = d.checkpoint_condition(None, NOW - 10 * D, NOW)
    assert first.deadline == NOW - 9 * D
    shipped = d.checkpoint_condition(NOW - D, NOW - 10 * D, NOW)
    assert shipped.deadline == NOW + 6 * D and shipped.key != first.key


def test_decide_all_in_key_order():
    found = d.decide_all([cond(Duty.BREAK_GLASS_REVIEW, NOW, "b"),
                          cond(Duty.BREAK_GLASS_REVIEW, NOW, "a")], NOW)
    assert [x.key for x in found] == sorted(x.key for x in found)
