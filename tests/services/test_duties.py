"""Each duty of the catalogue, end to end through the scheduled job (issue 10): the
condition arises, the job runs, exactly one task exists; run again, still one; nobody
acknowledges it past its escalation time (frozen clock), the next owner is notified; the
condition is resolved, the task closes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from casework import jobs
from casework.domain.casenotes import NoteKind
from casework.domain.taxonomy import EntryKind
from casework.models import (
    DisclosurePackage,
    MouVersion,
    Notification,
    OnCallShift,
    PackageFeedback,
    RecallNotice,
    RiskAssessment,
    Task,
    WitnessReview,
)
from casework.services import (
    access,
    accounts,
    case_events,
    casenotes,
    clock,
    duties,
    feedback,
    intel,
    mou_versions,
)
from tests.services.test_disclosure_rules import draft, entry, make_world, release
from tests.support import make_staff

MIN = timedelta(minutes=1)
H, D = timedelta(hours=1), timedelta(days=1)


@dataclass
class Scenario:
    kind: str
    run_at: datetime  # the task exists from here
    ignore_until: datetime  # nobody acknowledged it: escalated by then
    level: int
    told: list[str]  # public ids of those the escalation goes to
    resolve: Callable[[Any], None]
    done_by: str = "system"
    makes_task: bool = True  # False: a user action made it, the job only escalates it


def run(app: Any, at: datetime) -> dict[str, int]:
    with freeze_time(at):
        return jobs.evaluate_duties(app)


def tasks_of(ctx: Any, kind: str) -> list[Task]:
    ctx.session.expire_all()
    return list(ctx.session.scalars(select(Task).where(Task.kind == kind)))


def escalations(ctx: Any, public_id: str, task: Task) -> int:
    staff = accounts.by_public_id(ctx, public_id)
    return ctx.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.staff_id == staff.id, Notification.kind == duties.ESCALATED,
        Notification.object_ref == task.public_id)) or 0


def at(ctx: Any, when: datetime) -> Any:
    return dataclasses.replace(ctx, now=when)


def world(app: Any, ctx: Any, **changes: Any) -> Any:
    """A unit with an MoU, liaison and deputy (on call for a day), a person with a
    caseworker, a psychologist and a legal adviser assigned."""
    w = make_world(app, ctx, **changes)
    for staff in (w.psychologist, w.adviser):
        if not access.is_assigned(ctx, w.person, staff):
            access.assign(ctx, w.person, staff)
    return w


def liaison_on_call(ctx: Any, w: Any, days: int = 200) -> None:
    """The designated liaison on call for long (the deputy only for the first day), so
    the deputy is the level-1 target."""
    ctx.session.add(OnCallShift(staff_id=w.liaison.id, starts_at=ctx.now - H,
                                ends_at=ctx.now + days * D, created_by="t" * 32))


def package_of(ctx: Any, request: Any) -> DisclosurePackage:
    return ctx.session.scalar(select(DisclosurePackage).where(
        DisclosurePackage.request_id == request.id))


# --- one scenario per duty ---------------------------------------------------------------


def s_feedback_ack(app, ctx, w, tmp_path):
    liaison_on_call(ctx, w)
    _, package = release(ctx, w, tmp_path)
    due = package.ack_due_at
    pid = package.id

    def resolve(c):
        c.session.add(PackageFeedback(package_id=pid, kind="acknowledged",
                                      recorded_by="t" * 32, recorded_at=due))
    return Scenario("mou_feedback_ack_overdue", due - H, due + D + MIN, 1,
                    [w.deputy.public_id], resolve)


def s_feedback_outcome(app, ctx, w, tmp_path):
    liaison_on_call(ctx, w)
    _, package = release(ctx, w, tmp_path)
    due, pid = package.outcome_due_at, package.id

    def resolve(c):
        c.session.add(PackageFeedback(package_id=pid, kind="actioned",
                                      recorded_by="t" * 32, recorded_at=due))
    return Scenario("mou_feedback_outcome_overdue", due - H, due + 2 * D + MIN, 1,
                    [w.deputy.public_id], resolve)


def _terminate(c):
    row = c.session.scalar(select(MouVersion))
    mou_versions.terminate(c, row)


def s_mou_review(app, ctx, w, tmp_path):
    # Reviewed 345 days ago, every 12 months: due in about 20 days.
    due = ctx.now + 20 * D
    return Scenario("mou_review_due", ctx.now, due + 2 * D, 2, [w.director.public_id],
                    _terminate)


def s_mou_expiry(app, ctx, w, tmp_path):
    due = ctx.now + 20 * D
    return Scenario("mou_expiry_due", ctx.now, due + H, 2, [w.director.public_id],
                    lambda c: _terminate(at(c, due - D)))


def s_risk(app, ctx, w, tmp_path):
    draft(ctx, w)  # an open disclosure relies on the risk assessment
    expires, person, unit = w.risk.expires_at, w.person.id, w.unit.id

    def resolve(c):
        c.session.add(RiskAssessment(person_id=person, unit_id=unit, assessor="t" * 32,
                                     assessed_at=expires, expires_at=expires + 30 * D,
                                     residual="low"))
    return Scenario("risk_assessment_expiring", expires - 6 * D, expires + MIN, 1,
                    [w.psychologist.public_id, w.adviser.public_id], resolve)


def s_consent(app, ctx, w, tmp_path):
    due = ctx.now + 10 * D
    w.consent.valid_until = due
    consent_id = w.consent.id

    def resolve(c):
        from casework.models import Consent
        c.session.get(Consent, consent_id).withdrawn_at = due
    return Scenario("consent_review_due", ctx.now, due + MIN, 1,
                    [w.psychologist.public_id, w.adviser.public_id], resolve)


def s_safety_plan(app, ctx, w, tmp_path):
    cw = ctx.as_actor(w.caseworker.public_id)
    today = clock.today(cw)
    casenotes.add(cw, w.person, kind=NoteKind.SAFETY_PLAN, body="Stays at the shelter.",
                  occurred_on=today, review_on=today + timedelta(days=3))
    person = w.person

    def resolve(c):
        later = at(c, ctx.now + 5 * D).as_actor(w.caseworker.public_id)
        day = clock.today(later)
        casenotes.add(later, person, kind=NoteKind.SAFETY_PLAN, body="Reviewed.",
                      occurred_on=day, review_on=day + timedelta(days=60))
    return Scenario("safety_plan_review", ctx.now, ctx.now + 5 * D, 1,
                    [w.psychologist.public_id, w.adviser.public_id], resolve)


def s_witness(app, ctx, w, tmp_path):
    today = clock.today(ctx)
    ctx.session.add(WitnessReview(person_id=w.person.id, adviser=w.adviser.public_id,
                                  recorded_at=ctx.now, next_deadline=today + timedelta(3)))
    person = w.person.id

    def resolve(c):
        c.session.add(WitnessReview(person_id=person, adviser=w.adviser.public_id,
                                    recorded_at=ctx.now + 5 * D, next_deadline=None))
    return Scenario("witness_review_due", ctx.now, ctx.now + 5 * D, 1,
                    [w.caseworker.public_id, w.psychologist.public_id], resolve)


def s_recall(app, ctx, w, tmp_path):
    liaison_on_call(ctx, w)
    _, package = release(ctx, w, tmp_path)
    notice = RecallNotice(package_id=package.id, reason="consent_withdrawn",
                          created_at=ctx.now, due_at=ctx.now + 5 * D)
    ctx.session.add(notice)
    ctx.session.flush()
    notice_id = notice.id

    def resolve(c):
        feedback.mark_recall_sent(c.as_actor(w.liaison.public_id),
                                  c.session.get(RecallNotice, notice_id))
    return Scenario("send_recall_notice", ctx.now, ctx.now + D + MIN, 1,
                    [w.deputy.public_id], resolve)


def s_destroy_or_return(app, ctx, w, tmp_path):
    liaison_on_call(ctx, w)
    _, package = release(ctx, w, tmp_path)
    package.first_downloaded_at = ctx.now  # handed over: recalled, not revoked
    mou_versions.terminate(ctx.as_actor(w.director.public_id),
                           ctx.session.scalar(select(MouVersion)), packages_folder=tmp_path)

    def resolve(c):
        for notice in c.session.scalars(select(RecallNotice)):
            feedback.mark_recall_sent(c.as_actor(w.liaison.public_id), notice)
    # Made by the termination itself (keyed like the duty): the job adds no second one.
    return Scenario("obtain_destruction_confirmation", ctx.now, ctx.now + D + MIN, 1,
                    [w.deputy.public_id], resolve, makes_task=False)


def s_urgent_safety(app, ctx, w, tmp_path):
    """Made by the user action (a release on the timeline); the job escalates it."""
    cw = ctx.as_actor(w.caseworker.public_id)
    case_events.record(cw, w.person, kind="release", occurred_on=clock.today(cw))

    def resolve(c):
        task = c.session.scalar(select(Task).where(
            Task.kind == "urgent_safety_after_release"))
        feedback.complete_task(c.as_actor(w.caseworker.public_id), task)
    return Scenario("urgent_safety_after_release", ctx.now, ctx.now + 2 * H + MIN, 1,
                    [w.psychologist.public_id, w.adviser.public_id], resolve,
                    done_by=w.caseworker.public_id, makes_task=False)


def s_privacy(app, ctx, w, tmp_path):
    liaison_on_call(ctx, w)
    pending = entry(ctx, w, kind=EntryKind.THEMATIC,
                    text="Recruiters approach girls at bus stations in the south.")
    assert pending.privacy_status == "pending"
    reference = pending.reference

    def resolve(c):
        intel.review_privacy(c.as_actor(w.deputy.public_id), intel.get(c, reference))
    # The on-duty liaison has it; the deputy (who may review too) is brought in after.
    return Scenario("privacy_review_waiting", ctx.now, ctx.now + 2 * D + MIN, 1,
                    [w.deputy.public_id], resolve)


def s_oncall_gap(app, ctx, w, tmp_path):
    # The world's liaison and deputy are on call for one day only.
    start = ctx.now + D - H

    def resolve(c):
        for begin in (start, start + 13 * D):
            c.session.add(OnCallShift(staff_id=w.deputy.id, starts_at=begin,
                                      ends_at=begin + 13 * D, created_by="t" * 32))
    return Scenario("oncall_gap", ctx.now, ctx.now + D + MIN, 2, [w.director.public_id],
                    resolve)


def s_break_glass(app, ctx, w, tmp_path):
    ctx.session.commit()
    other = accounts.by_public_id(ctx, make_staff(app, "caseworker").public_id)
    access.break_glass(ctx.as_actor(other.public_id), other, w.person.case_code,
                       "She called the hotline at night; her caseworker is away.")
    director = w.director

    def resolve(c):
        task = c.session.scalar(select(Task).where(Task.kind == "break_glass_review"))
        duties.acknowledge(c.as_actor(director.public_id), director, task)
    return Scenario("break_glass_review", ctx.now, ctx.now + 2 * D + MIN, 2,
                    [w.director.public_id], resolve, done_by=w.director.public_id)


def s_checkpoint(app, ctx, w, tmp_path):
    ctx.session.commit()
    auditor = make_staff(app, "auditor")
    first = ctx.now

    def resolve(c):
        at(c, first + 3 * D).audit("audit.checkpoint", actor=auditor.public_id)
    # The first checkpoint is due a day after the trail began; two days later, the director.
    return Scenario("audit_checkpoint_due", first + H, first + 3 * D + MIN, 2,
                    [w.director.public_id], resolve)


SCENARIOS = {
    "feedback_ack": (s_feedback_ack, {}),
    "feedback_outcome": (s_feedback_outcome, {}),
    "mou_review": (s_mou_review, {"reviewed": -345}),
    "mou_expiry": (s_mou_expiry, {"expires": 20}),
    "risk": (s_risk, {}),
    "consent": (s_consent, {}),
    "safety_plan": (s_safety_plan, {}),
    "witness": (s_witness, {}),
    "recall": (s_recall, {}),
    "destroy_or_return": (s_destroy_or_return, {}),
    "urgent_safety": (s_urgent_safety, {}),
    "privacy": (s_privacy, {}),
    "oncall_gap": (s_oncall_gap, {}),
    "break_glass": (s_break_glass, {}),
    "checkpoint": (s_checkpoint, {}),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_duty_end_to_end(app, ctx, tmp_path, name):
    build, changes = SCENARIOS[name]
    w = world(app, ctx, **changes)
    s = build(app, ctx, w, tmp_path)
    ctx.session.commit()

    # The condition arises and the job runs: exactly one task; again: still one.
    counts = run(app, s.run_at)
    assert set(counts) == {"created", "reminded", "escalated", "closed"}
    [task] = tasks_of(ctx, s.kind)
    run(app, s.run_at + MIN)
    assert [t.id for t in tasks_of(ctx, s.kind)] == [task.id]
    assert task.done_at is None and task.escalation_level == 0
    if s.makes_task:
        assert task.duty_key
        # Its owner was told, content-free: the task's opaque id only.
        assert ctx.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == duties.NEW, Notification.object_ref == task.public_id))
    assert not any(escalations(ctx, p, task) for p in s.told)

    # Nobody acknowledges it: past the escalation time, the next owner is told, once.
    run(app, s.ignore_until)
    [task] = tasks_of(ctx, s.kind)
    assert task.escalation_level == s.level and task.escalated_at is not None
    for public_id in s.told:
        assert escalations(ctx, public_id, task) == 1, public_id
    run(app, s.ignore_until + MIN)
    for public_id in s.told:
        assert escalations(ctx, public_id, task) == 1, public_id
    urgent = ctx.session.scalars(select(Notification.urgent).where(
        Notification.kind == duties.ESCALATED, Notification.object_ref == task.public_id))
    assert set(urgent) == {task.urgent}

    # The condition is resolved: the task closes.
    s.resolve(at(ctx, s.ignore_until + MIN))
    ctx.session.commit()
    run(app, s.ignore_until + 2 * MIN)
    [task] = tasks_of(ctx, s.kind)
    assert task.done_at is not None and task.done_by == s.done_by
    run(app, s.ignore_until + 3 * MIN)
    assert len(tasks_of(ctx, s.kind)) == 1  # nothing made again


def test_an_acknowledged_task_does_not_escalate(app, ctx, tmp_path):
    w = world(app, ctx)
    cw = ctx.as_actor(w.caseworker.public_id)
    case_events.record(cw, w.person, kind="release", occurred_on=clock.today(cw))
    ctx.session.commit()
    [task] = tasks_of(ctx, "urgent_safety_after_release")
    worker = accounts.by_public_id(ctx, w.caseworker.public_id)
    assert duties.find_visible(ctx, worker, task.public_id) is not None
    duties.acknowledge(cw, worker, task)
    ctx.session.commit()
    run(app, ctx.now + 10 * H)
    [task] = tasks_of(ctx, "urgent_safety_after_release")
    assert task.escalation_level == 0 and task.acknowledged_by == worker.public_id
    assert task.done_at is None  # acknowledging is not doing it


def test_escalated_tasks_reach_the_director_and_nobody_else_sees_others(app, ctx, tmp_path):
    w = world(app, ctx)
    cw = ctx.as_actor(w.caseworker.public_id)
    case_events.record(cw, w.person, kind="release", occurred_on=clock.today(cw))
    ctx.session.commit()
    director = accounts.by_public_id(ctx, w.director.public_id)
    stranger = accounts.by_public_id(ctx, make_staff(app, "caseworker").public_id)
    [task] = tasks_of(ctx, "urgent_safety_after_release")
    assert duties.find_visible(ctx, director, task.public_id) is None
    run(app, ctx.now + 4 * H + MIN)
    ctx.session.expire_all()
    assert duties.find_visible(ctx, director, task.public_id) is not None
    assert duties.find_visible(ctx, stranger, task.public_id) is None


def test_a_reminder_goes_out_once(app, ctx, tmp_path):
    w = world(app, ctx)
    cw = ctx.as_actor(w.caseworker.public_id)
    today = clock.today(cw)
    casenotes.add(cw, w.person, kind=NoteKind.SAFETY_PLAN, body="Plan.", occurred_on=today,
                  review_on=today + timedelta(days=6))
    ctx.session.commit()
    run(app, ctx.now)
    [task] = tasks_of(ctx, "safety_plan_review")
    assert task.remind_at is not None
    reminded = task.remind_at
    assert run(app, reminded + MIN)["reminded"] == 1
    assert run(app, reminded + 2 * MIN)["reminded"] == 0
    [task] = tasks_of(ctx, "safety_plan_review")
    assert task.remind_at is None


def test_coming_of_age_review_escalates_and_closes(app):
    """Rule 128: the nightly job (casework.services.minors) makes the task; the duties
    escalate it and close it once the consent it is about is withdrawn."""
    from casework.extensions import db
    from casework.models import Consent
    from casework.services import police_units
    from tests.services.test_children import CHILD_FIELDS, record_consent
    from tests.support import service_ctx

    worker, colleague = make_staff(app, "caseworker"), make_staff(app, "psychologist")
    with freeze_time("2026-06-01 09:00:00"), app.app_context():
        c = service_ctx(app, worker.public_id)
        from casework.services import persons

        person = persons.register(c, names=["J"], date_of_birth="2008-07-01", phones=[],
                                  profile={"dob_source": "document"})
        for login in (worker, colleague):
            access.assign(c, person, accounts.by_public_id(c, login.public_id))
        unit = police_units.create(c, name="Unit", jurisdiction="KZ")
        consent = record_consent(app, c, person, unit, **CHILD_FIELDS)
        db.session.commit()
        consent_id = consent.id
    with freeze_time("2026-07-01 09:00:00"):
        assert jobs.review_coming_of_age(app) == 1
    run(app, datetime(2026, 7, 1, 9, 5))
    run(app, datetime(2026, 7, 9, 9, 1))  # due in 7 days, escalated a day after
    with app.app_context():
        c = service_ctx(app)
        [task] = tasks_of(c, "review_consent_turned_18")
        assert task.escalation_level == 1
        assert escalations(c, colleague.public_id, task) == 1
        assert escalations(c, worker.public_id, task) == 0
        c.session.get(Consent, consent_id).withdrawn_at = datetime(2026, 7, 9, 10)
        db.session.commit()
    run(app, datetime(2026, 7, 9, 10, 1))
    with app.app_context():
        [task] = tasks_of(service_ctx(app), "review_consent_turned_18")
        assert task.done_by == "system"


def test_the_unique_key_refuses_a_copy_inside_a_savepoint(app, ctx):
    """What a second scheduler meets if it inserts a key a moment after the first."""
    from casework.domain import duties as catalogue

    make_staff(app, "director")
    condition = catalogue.Condition(catalogue.Duty.ONCALL_GAP, "oncall:test", ctx.now)
    due = catalogue.decide(condition, ctx.now)
    assert isinstance(due, catalogue.Due)
    assert duties.create(ctx, due, condition) is not None
    assert duties.create(ctx, due, condition) is None  # refused, the session goes on
    ctx.session.commit()
    assert len(tasks_of(ctx, "oncall_gap")) == 1
