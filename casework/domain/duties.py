"""The duty catalogue (issue 10): deadlines as data, decided by pure functions of ``now``.

A *duty* is a standing obligation that a condition in the records turns into a task with a
deadline: the police unit's feedback on a released package is due (MOU-14), an MoU must be
reviewed or renewed, a risk assessment a disclosure relies on is about to expire, a
consent, safety plan or witness-protection review date comes near, a recall or
destroy-or-return notice is unconfirmed (MOU-15, rule 101), an urgent safety task after a
release is not acknowledged (rule 112), a thematic entry waits for its privacy review, the
24/7 roster has a gap (rules 5-7), a person turned 18 (rule 128), a break-glass access
waits for the director's review, a signed audit checkpoint must be shipped.

For each duty the catalogue says who owns the task (the person's assigned staff, one
member of staff, or a role), when it appears (``lead`` before the deadline), when to remind
(``remind_before`` the deadline), and when and to whom to escalate while nobody has
acknowledged it: owner -> deputy or another assignee -> director (rule 205: safety from the
first moment, the on-call official reachable day and night).

Nothing here reads a database: every function takes the facts and ``now`` and returns a
decision with a reason code. The service (``casework.services.duties``) gathers the facts
(ids, dates and statuses only, no content) and applies the decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum, IntEnum

# Open-ended lead: the task appears as soon as the condition holds.
AT_ONCE = timedelta(days=36500)
# Rules 5-7: the roster is checked this far ahead.
ROSTER_HORIZON = timedelta(days=14)
# Signed audit checkpoints are shipped off the server at least this often; the first one
# a day after the trail began.
CHECKPOINT_EVERY = timedelta(days=7)
FIRST_CHECKPOINT = timedelta(days=1)
# A break-glass access is reviewed by the director within a day.
BREAK_GLASS_REVIEW = timedelta(days=1)
# A thematic entry's privacy review should not wait more than two days.
PRIVACY_REVIEW_WITHIN = timedelta(days=2)


class Owner(str, Enum):
    """Who must act on a task at level 0."""

    ASSIGNEES = "assignees"  # the person's caseworker(s), then their other assigned staff
    STAFF = "staff"  # one named member of staff (the assessor, the adviser)
    LIAISON = "liaison"  # whoever is on duty (rules 5-7), then every designated liaison
    DIRECTOR = "director"
    AUDITOR = "auditor"
    PRIVACY_REVIEWER = "privacy_reviewer"  # whoever may review privacy (intel.write) today


class Level(IntEnum):
    """Escalation levels, as stored in ``Task.escalation_level``."""

    OWNER = 0
    SECOND = 1  # the deputy, or another assignee
    DIRECTOR = 2


class Target(str, Enum):
    """Whom an escalation goes to."""

    DEPUTY = "deputy"  # every designated liaison and deputy
    OTHER_ASSIGNEES = "other_assignees"  # the person's other assigned staff
    REVIEWERS = "reviewers"  # everyone who may do the work (same permission)
    DIRECTOR = "director"


class Duty(str, Enum):
    """Each duty is also the kind of the task it creates (``Task.kind``)."""

    FEEDBACK_ACK = "mou_feedback_ack_overdue"
    FEEDBACK_OUTCOME = "mou_feedback_outcome_overdue"
    MOU_REVIEW = "mou_review_due"
    MOU_EXPIRY = "mou_expiry_due"
    RISK_EXPIRING = "risk_assessment_expiring"
    CONSENT_REVIEW = "consent_review_due"
    SAFETY_PLAN_REVIEW = "safety_plan_review"
    WITNESS_REVIEW = "witness_review_due"
    RECALL_NOTICE = "send_recall_notice"
    DESTROY_OR_RETURN = "obtain_destruction_confirmation"
    URGENT_SAFETY = "urgent_safety_after_release"
    PRIVACY_REVIEW = "privacy_review_waiting"
    ONCALL_GAP = "oncall_gap"
    TURNED_18 = "review_consent_turned_18"
    BREAK_GLASS_REVIEW = "break_glass_review"
    AUDIT_CHECKPOINT = "audit_checkpoint_due"


class Reason(str, Enum):
    """Reason codes of the decisions below."""

    DUE = "duty_due"  # the task should exist now
    NOT_YET = "duty_not_yet"  # the condition holds, the task appears later
    RESOLVED = "duty_resolved"  # the condition went away: close the task
    ACKNOWLEDGED = "duty_acknowledged"  # someone took it: no escalation
    ESCALATE = "duty_escalate"
    WAIT = "duty_escalation_not_yet"
    TOP = "duty_escalation_at_top"  # already with the director
    REMIND = "duty_remind"


@dataclass(frozen=True)
class Spec:
    """One row of the catalogue.

    - ``lead``: the task appears this long before the deadline (``AT_ONCE``: at once).
    - ``remind_before``: one reminder to the owner this long before the deadline.
    - ``ack_within``: escalate when not acknowledged this long after the task appeared
      (urgent duties), else ``escalate_after`` the deadline.
    - ``step``: from level 1 to the director.
    - ``closes_on_ack``: acknowledging is doing (a review that is only a look).
    """

    duty: Duty
    owner: Owner
    urgent: bool
    lead: timedelta
    remind_before: timedelta
    escalate_after: timedelta
    step: timedelta
    ack_within: timedelta | None = None
    closes_on_ack: bool = False
    closes_when_gone: bool = True


H, D = timedelta(hours=1), timedelta(days=1)

CATALOGUE: dict[Duty, Spec] = {s.duty: s for s in (
    # MOU-14: the unit acknowledges and reports the outcome within the MoU's days; the
    # liaison chases it.
    Spec(Duty.FEEDBACK_ACK, Owner.LIAISON, False, lead=1 * D, remind_before=12 * H,
         escalate_after=1 * D, step=1 * D),
    Spec(Duty.FEEDBACK_OUTCOME, Owner.LIAISON, False, lead=3 * D, remind_before=1 * D,
         escalate_after=2 * D, step=2 * D),
    # The MoU's review date and expiry: 30 days ahead, reminded 7 days before.
    Spec(Duty.MOU_REVIEW, Owner.DIRECTOR, False, lead=30 * D, remind_before=7 * D,
         escalate_after=timedelta(0), step=timedelta(0)),
    Spec(Duty.MOU_EXPIRY, Owner.DIRECTOR, False, lead=30 * D, remind_before=7 * D,
         escalate_after=timedelta(0), step=timedelta(0)),
    # A risk assessment lasts 30 days; one an open disclosure relies on is renewed first.
    Spec(Duty.RISK_EXPIRING, Owner.STAFF, False, lead=7 * D, remind_before=2 * D,
         escalate_after=timedelta(0), step=1 * D),
    Spec(Duty.CONSENT_REVIEW, Owner.ASSIGNEES, False, lead=14 * D, remind_before=3 * D,
         escalate_after=timedelta(0), step=2 * D),
    Spec(Duty.SAFETY_PLAN_REVIEW, Owner.ASSIGNEES, False, lead=7 * D, remind_before=2 * D,
         escalate_after=1 * D, step=2 * D),
    Spec(Duty.WITNESS_REVIEW, Owner.STAFF, False, lead=7 * D, remind_before=2 * D,
         escalate_after=1 * D, step=2 * D),
    # MOU-15 and rule 101: the notice leaves by its due date.
    Spec(Duty.RECALL_NOTICE, Owner.LIAISON, True, lead=AT_ONCE, remind_before=1 * D,
         escalate_after=timedelta(0), step=1 * D, ack_within=1 * D),
    Spec(Duty.DESTROY_OR_RETURN, Owner.LIAISON, True, lead=AT_ONCE, remind_before=2 * D,
         escalate_after=timedelta(0), step=1 * D, ack_within=1 * D),
    # Rule 112: a release is a danger now. Two hours to acknowledge, then the other
    # assignees, two hours later the director.
    Spec(Duty.URGENT_SAFETY, Owner.ASSIGNEES, True, lead=AT_ONCE, remind_before=1 * H,
         escalate_after=timedelta(0), step=2 * H, ack_within=2 * H, closes_when_gone=False),
    Spec(Duty.PRIVACY_REVIEW, Owner.PRIVACY_REVIEWER, False, lead=AT_ONCE,
         remind_before=12 * H, escalate_after=timedelta(0), step=1 * D),
    # Rules 5-7: nobody on call is a gap the director fills.
    Spec(Duty.ONCALL_GAP, Owner.DIRECTOR, True, lead=ROSTER_HORIZON, remind_before=3 * D,
         escalate_after=timedelta(0), step=timedelta(0)),
    # Rule 128: created by the coming-of-age job (casework.services.minors), escalated here.
    Spec(Duty.TURNED_18, Owner.ASSIGNEES, False, lead=AT_ONCE, remind_before=2 * D,
         escalate_after=1 * D, step=3 * D),
    Spec(Duty.BREAK_GLASS_REVIEW, Owner.DIRECTOR, False, lead=AT_ONCE,
         remind_before=timedelta(0), escalate_after=1 * D, step=timedelta(0),
         closes_on_ack=True, closes_when_gone=False),
    Spec(Duty.AUDIT_CHECKPOINT, Owner.AUDITOR, False, lead=1 * D, remind_before=timedelta(0),
         escalate_after=2 * D, step=timedelta(0)),
)}
# Tasks made by a user action (police feedback, case events) that no duty creates: they
# escalate like this when nobody acknowledges them.
URGENT_DEFAULT = Spec(Duty.URGENT_SAFETY, Owner.ASSIGNEES, True, lead=AT_ONCE,
                      remind_before=1 * H, escalate_after=timedelta(0), step=2 * H,
                      ack_within=2 * H, closes_when_gone=False)
ROUTINE_DEFAULT = Spec(Duty.SAFETY_PLAN_REVIEW, Owner.ASSIGNEES, False, lead=AT_ONCE,
                       remind_before=timedelta(0), escalate_after=1 * D, step=2 * D,
                       closes_when_gone=False)


def spec_for(kind: str, *, urgent: bool) -> Spec:
    """The catalogue row of a task kind; user-made tasks of other kinds get a default."""
    try:
        return CATALOGUE[Duty(kind)]
    except ValueError:
        return URGENT_DEFAULT if urgent else ROUTINE_DEFAULT


# --- decisions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A condition found in the records: this duty, this key, this deadline."""

    duty: Duty
    key: str  # unique per condition, opaque ids and dates only (Task.duty_key)
    deadline: datetime
    person_id: int | None = None
    owner_staff_id: int | None = None
    object_ref: str | None = None


@dataclass(frozen=True)
class Due:
    """Create the task now."""

    duty: Duty
    key: str
    owner: Owner
    due_at: datetime
    remind_at: datetime | None
    escalate_at: datetime
    urgent: bool
    reason: Reason = Reason.DUE


@dataclass(frozen=True)
class NotYet:
    duty: Duty
    key: str
    appears_at: datetime
    reason: Reason = Reason.NOT_YET


@dataclass(frozen=True)
class Escalate:
    level: Level
    to: Target
    reason: Reason = Reason.ESCALATE


@dataclass(frozen=True)
class Hold:
    """No escalation now (acknowledged, not yet time, or already at the top)."""

    reason: Reason
    next_at: datetime | None = None


def escalate_at(spec: Spec, *, created_at: datetime, due_at: datetime) -> datetime:
    """When a task that nobody acknowledged goes to level 1."""
    if spec.ack_within is not None:
        return min(created_at + spec.ack_within, due_at + spec.escalate_after)
    return due_at + spec.escalate_after


def decide(condition: Condition, now: datetime) -> Due | NotYet:
    """Does the condition's task exist from ``now``?"""
    spec = CATALOGUE[condition.duty]
    appears = condition.deadline - spec.lead if spec.lead < AT_ONCE else datetime.min
    if now < appears:
        return NotYet(condition.duty, condition.key, appears)
    remind = condition.deadline - spec.remind_before
    return Due(condition.duty, condition.key, spec.owner, condition.deadline,
               remind if spec.remind_before and remind > now else None,
               escalate_at(spec, created_at=now, due_at=condition.deadline), spec.urgent)


def chain(owner: Owner) -> tuple[Target, ...]:
    """Owner -> deputy or another assignee -> director, by kind of owner."""
    if owner is Owner.LIAISON:
        return (Target.DEPUTY, Target.DIRECTOR)
    if owner in (Owner.ASSIGNEES, Owner.STAFF):
        return (Target.OTHER_ASSIGNEES, Target.DIRECTOR)
    if owner is Owner.PRIVACY_REVIEWER:
        return (Target.REVIEWERS, Target.DIRECTOR)
    return (Target.DIRECTOR,)  # the director and the auditor answer to the director


def next_escalation(spec: Spec, *, owner: Owner, level: int, created_at: datetime,
                    due_at: datetime, acknowledged_at: datetime | None,
                    now: datetime) -> Escalate | Hold:
    """Should a task, not acknowledged, move up its chain now?

    Level 1 comes at ``escalate_at``; the director ``step`` later. A chain without a
    level-1 target (director, auditor) goes straight to level 2 (all directors, urgently).
    """
    if acknowledged_at is not None:
        return Hold(Reason.ACKNOWLEDGED)
    if level >= Level.DIRECTOR:
        return Hold(Reason.TOP)
    first = escalate_at(spec, created_at=created_at, due_at=due_at)
    targets = chain(owner)
    if len(targets) == 1 or level == Level.SECOND:
        when = first if len(targets) == 1 else first + spec.step
        if now < when:
            return Hold(Reason.WAIT, when)
        return Escalate(Level.DIRECTOR, Target.DIRECTOR)
    if now < first:
        return Hold(Reason.WAIT, first)
    # Ignored for longer than both steps: straight to the director (a scheduler that was
    # down does not make the director wait another step).
    if now >= first + spec.step and spec.step > timedelta(0):
        return Escalate(Level.DIRECTOR, Target.DIRECTOR)
    return Escalate(Level.SECOND, targets[0])


def should_remind(remind_at: datetime | None, *, acknowledged: bool, now: datetime) -> bool:
    return remind_at is not None and not acknowledged and now >= remind_at


# --- the conditions, one function per duty -----------------------------------------------


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min)


@dataclass(frozen=True)
class PackageFacts:
    package_ref: str  # public id
    released_at: datetime
    ack_due_at: datetime | None
    outcome_due_at: datetime | None
    feedback_kinds: tuple[str, ...]  # every feedback event recorded so far
    withdrawn: bool  # recalled or revoked: nothing more is expected


def feedback_conditions(p: PackageFacts) -> list[Condition]:
    """MOU-14: any feedback acknowledges; anything but "acknowledged" is an outcome."""
    if p.withdrawn:
        return []
    out = []
    if p.ack_due_at is not None and not p.feedback_kinds:
        out.append(Condition(Duty.FEEDBACK_ACK, f"ack:{p.package_ref}", p.ack_due_at,
                             object_ref=p.package_ref))
    if p.outcome_due_at is not None and not [k for k in p.feedback_kinds
                                             if k != "acknowledged"]:
        out.append(Condition(Duty.FEEDBACK_OUTCOME, f"outcome:{p.package_ref}",
                             p.outcome_due_at, object_ref=p.package_ref))
    return out


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@dataclass(frozen=True)
class MouFacts:
    unit_ref: str  # the police unit's public id
    last_reviewed: date
    review_every_months: int
    expires_on: date


def mou_conditions(m: MouFacts) -> list[Condition]:
    """The MoU in force: its next review and its expiry (tasks 30 days before)."""
    review = add_months(m.last_reviewed, m.review_every_months)
    out = [Condition(Duty.MOU_EXPIRY, f"mou_expiry:{m.unit_ref}:{m.expires_on.isoformat()}",
                     _start_of(m.expires_on), object_ref=m.unit_ref)]
    if review < m.expires_on:
        out.append(Condition(Duty.MOU_REVIEW, f"mou_review:{m.unit_ref}:{review.isoformat()}",
                             _start_of(review), object_ref=m.unit_ref))
    return out


@dataclass(frozen=True)
class RiskFacts:
    assessment_ref: str
    person_id: int
    assessor_id: int | None
    expires_at: datetime
    relied_on: bool  # by a disclosure still open
    renewed: bool  # a newer assessment for the same person and unit


def risk_condition(r: RiskFacts) -> Condition | None:
    if not r.relied_on or r.renewed:
        return None
    return Condition(Duty.RISK_EXPIRING, f"risk:{r.assessment_ref}", r.expires_at,
                     person_id=r.person_id, owner_staff_id=r.assessor_id,
                     object_ref=r.assessment_ref)


@dataclass(frozen=True)
class ConsentFacts:
    consent_ref: str
    person_id: int
    valid_until: datetime | None
    withdrawn: bool
    superseded: bool  # a newer consent for the same person


def consent_condition(c: ConsentFacts) -> Condition | None:
    if c.valid_until is None or c.withdrawn or c.superseded:
        return None
    return Condition(Duty.CONSENT_REVIEW, f"consent:{c.consent_ref}", c.valid_until,
                     person_id=c.person_id, object_ref=c.consent_ref)


@dataclass(frozen=True)
class ReviewDateFacts:
    """The latest safety plan or witness-protection review of a person, and its date."""

    row_ref: str
    person_id: int
    review_on: date | None
    owner_staff_id: int | None = None


def safety_plan_condition(r: ReviewDateFacts) -> Condition | None:
    if r.review_on is None:
        return None
    return Condition(Duty.SAFETY_PLAN_REVIEW, f"safety_plan:{r.row_ref}",
                     _start_of(r.review_on), person_id=r.person_id, object_ref=r.row_ref)


def witness_condition(r: ReviewDateFacts) -> Condition | None:
    if r.review_on is None:
        return None
    return Condition(Duty.WITNESS_REVIEW, f"witness:{r.row_ref}", _start_of(r.review_on),
                     person_id=r.person_id, owner_staff_id=r.owner_staff_id,
                     object_ref=r.row_ref)


@dataclass(frozen=True)
class NoticeFacts:
    notice_ref: str
    request_ref: str  # the disclosure's reference (shown on the task)
    reason: str
    due_at: datetime
    sent: bool


def recall_key(notice_ref: str) -> str:
    """Shared with the termination path, which makes the destroy-or-return task itself."""
    return f"recall:{notice_ref}"


def notice_condition(n: NoticeFacts) -> Condition | None:
    if n.sent:
        return None
    duty = Duty.DESTROY_OR_RETURN if n.reason.startswith("mou_terminated") \
        else Duty.RECALL_NOTICE
    return Condition(duty, recall_key(n.notice_ref), n.due_at, object_ref=n.request_ref)


@dataclass(frozen=True)
class EntryFacts:
    entry_ref: str  # intelligence entry public id
    version: int
    privacy_status: str
    waiting_since: datetime


def privacy_condition(e: EntryFacts) -> Condition | None:
    if e.privacy_status != "pending":
        return None
    return Condition(Duty.PRIVACY_REVIEW, f"privacy:{e.entry_ref}:{e.version}",
                     e.waiting_since + PRIVACY_REVIEW_WITHIN, object_ref=e.entry_ref)


@dataclass(frozen=True)
class Gap:
    """A time nobody designated is on call. ``began``: when it really began (the end of
    the last shift before it, or None if there never was one): stable across runs."""

    began: datetime | None
    starts_at: datetime
    ends_at: datetime


def roster_gaps(shifts: Iterable[tuple[datetime, datetime]], now: datetime, *,
                horizon: timedelta = ROSTER_HORIZON) -> list[Gap]:
    """Gaps in the designated liaisons' shifts between now and the horizon (rules 5-7)."""
    end = now + horizon
    ordered = sorted(shifts)
    # The current gap (if any) began when the last shift before now ended.
    past = [finish for _start, finish in ordered if finish <= now]
    began: datetime | None = max(past) if past else None
    gaps: list[Gap] = []
    cursor = now
    for start, finish in ordered:
        if finish <= cursor:
            continue
        if start > cursor and cursor < end:
            gaps.append(Gap(began if cursor == now else cursor, cursor, min(start, end)))
        cursor = max(cursor, finish)
    if cursor < end:
        gaps.append(Gap(began if cursor == now else cursor, cursor, end))
    return gaps


def gap_condition(g: Gap, now: datetime) -> Condition:
    anchor = g.began.isoformat(timespec="minutes") if g.began else "never"
    return Condition(Duty.ONCALL_GAP, f"oncall:{anchor}", max(g.starts_at, now))


@dataclass(frozen=True)
class BreakGlassFacts:
    grant_ref: str
    person_id: int
    granted_at: datetime


def break_glass_condition(b: BreakGlassFacts) -> Condition:
    return Condition(Duty.BREAK_GLASS_REVIEW, f"break_glass:{b.grant_ref}",
                     b.granted_at + BREAK_GLASS_REVIEW, object_ref=b.grant_ref)


def checkpoint_condition(last_checkpoint: datetime | None, first_event: datetime | None,
                         now: datetime) -> Condition | None:
    """A signed checkpoint leaves the server every week; none yet: a day after the trail's
    first entry."""
    if last_checkpoint is not None:
        due = last_checkpoint + CHECKPOINT_EVERY
    elif first_event is not None:
        due = first_event + FIRST_CHECKPOINT
    else:
        return None
    return Condition(Duty.AUDIT_CHECKPOINT, f"checkpoint:{due.isoformat(timespec='minutes')}",
                     due)


def decide_all(conditions: Sequence[Condition], now: datetime) -> list[Due | NotYet]:
    """Every condition's decision, in key order (two schedulers insert in the same order)."""
    return [decide(c, now) for c in sorted(conditions, key=lambda c: c.key)]
