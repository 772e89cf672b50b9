"""What must I do now? The home page of every role, and the counters in the menu (issue 10).

Queries only: ids, case codes, dates and states, never a decrypted field. A case code is
shown only for a person the viewer may read right now (assigned, or break-glass in force:
casework.domain.access); a task about anyone else shows its kind and due time and nothing
that points to the person. The number of statements is fixed per role: it does not grow
with the number of tasks, people or disclosures (tests/web/test_dashboard_pages.py).

Who owns a task (casework.models.Task): ``owner_staff_id`` is one member of staff;
``owner_role`` is a role ("liaison" meaning whoever is on call now, rules 5-7, and every
designated liaison once escalated; "privacy_reviewer" whoever may review intelligence; for
a care role, those of that role who may read the person, or all of them when no person is
named); neither means the person's assigned staff. Once escalated (level 1, "another
assignee") a task about a person is every assigned carer's; at level 2 the director's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import find_tables

from casework.domain.access import CARE_ROLES
from casework.domain.roles import Permission, Role, can
from casework.models import (
    Assignment,
    BreakGlass,
    CaseNote,
    Clearance,
    Consent,
    DisclosureApproval,
    DisclosureRequest,
    IntelEntry,
    IntelEntryVersion,
    Interview,
    LegalConsultation,
    LiaisonDesignation,
    MouVersion,
    Notification,
    OnCallShift,
    Person,
    PoliceUnit,
    PrivilegeGrant,
    RecallNotice,
    RiskAssessment,
    Staff,
    Task,
    WitnessReview,
)
from casework.services import access, clock, mou_versions, roster
from casework.services.context import Ctx
from casework.services.counter_cache import CounterCache
from casework.services.db import read_columns
from mou.checks import _add_months

HORIZON = timedelta(days=7)  # deadlines shown: due within the next seven days
COVERAGE_DAYS = 14  # the director's view of the on-call roster
TASK_LIMIT = 50  # tasks listed on the page (the counter counts them all)
LIST_LIMIT = 25  # rows of every other block
# The owner role of duties anyone who may review intelligence for privacy can take.
PRIVACY_REVIEWER = "privacy_reviewer"


@dataclass(frozen=True)
class TaskItem:
    id: str
    kind: str
    urgent: bool
    overdue: bool
    due_at: datetime
    escalation_level: int
    acknowledged: bool
    case_code: str | None  # only for a person the viewer may read
    ref: str | None  # the task's own reference (e.g. a disclosure), under the same rule


@dataclass(frozen=True)
class WaitingItem:
    # disclosure_approval | disclosure_cosign | privacy_review | clearance |
    # legal_consultation | recall_notice | grant
    kind: str
    ref: str  # a disclosure or entry reference, a case code (readable people only), an id
    since: datetime | None
    due_at: datetime | None = None
    urgent: bool = False


@dataclass(frozen=True)
class DraftItem:
    kind: str  # disclosure | interview
    ref: str  # disclosure reference or interview id
    case_code: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Deadline:
    # safety_plan_review | witness_review | consent_expiry | risk_expiry | mou_review |
    # mou_expiry
    kind: str
    ref: str  # case code (readable people only) or the police unit's id
    label: str | None  # the unit's name for MoU deadlines
    due: date
    overdue: bool


@dataclass(frozen=True)
class Shift:
    starts_at: datetime
    ends_at: datetime
    staff_name: str


@dataclass(frozen=True)
class Coverage:
    shifts: list[Shift]
    gaps: list[roster.Gap]


@dataclass
class Dashboard:
    role: str
    on_duty: bool | None  # the liaison's roster state; None for other roles
    tasks: list[TaskItem] = field(default_factory=list)
    waiting: list[WaitingItem] = field(default_factory=list)
    drafts: list[DraftItem] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    coverage: Coverage | None = None

    @property
    def urgent_tasks(self) -> list[TaskItem]:
        return [t for t in self.tasks if t.urgent or t.overdue]

    @property
    def other_tasks(self) -> list[TaskItem]:
        return [t for t in self.tasks if not (t.urgent or t.overdue)]


@dataclass(frozen=True)
class Counters:
    tasks: int
    waiting: int
    unread: int


# --- shared predicates (the page and the counters use the same ones) ----------------------


def _readable(staff: Staff, now: datetime) -> Select[Any] | None:
    """Ids of the people this member of staff may read now (assignment or break-glass)."""
    if Role(staff.role) not in CARE_ROLES:
        return None
    assigned = select(Assignment.person_id).where(Assignment.staff_id == staff.id,
                                                  Assignment.ended_at.is_(None))
    glass = select(BreakGlass.person_id).where(BreakGlass.staff_id == staff.id,
                                               BreakGlass.expires_at > now)
    return union(assigned, glass)  # type: ignore[return-value]


def _assigned(staff: Staff) -> Select[Any]:
    return select(Assignment.person_id).where(Assignment.staff_id == staff.id,
                                              Assignment.ended_at.is_(None))


def _in(column: Any, ids: Select[Any] | None) -> ColumnElement[bool]:
    return column.in_(ids) if ids is not None else false()


def _designated_clause(staff: Staff) -> ColumnElement[bool]:
    return exists().where(LiaisonDesignation.staff_id == staff.id,
                          LiaisonDesignation.ended_at.is_(None))


def _on_duty_clause(staff: Staff, now: datetime) -> ColumnElement[bool]:
    """Designated liaison or deputy with a shift covering now (as roster.on_duty)."""
    return and_(exists().where(OnCallShift.staff_id == staff.id, OnCallShift.starts_at <= now,
                               OnCallShift.ends_at > now), _designated_clause(staff))


def _task_clause(staff: Staff, now: datetime, readable: Select[Any] | None) -> ColumnElement[bool]:
    role = Role(staff.role)
    # Row by row, not IN (every assigned person): the menu counts on every page.
    mine = access.may_read_at(staff, now, Task.person_id) if readable is not None else false()
    roles = [staff.role]
    if can(role, Permission.INTEL_WRITE):
        roles.append(PRIVACY_REVIEWER)
    # One bound value per role, not an expanding IN: the list is fixed for a role, and an
    # expanding one is re-rendered on every execution (the menu counts on every page).
    by_role: ColumnElement[bool] = Task.owner_role.in_([literal(r) for r in roles])
    if role is Role.LIAISON:
        # Whoever is on call now (rules 5-7); once escalated, every designated liaison.
        by_role = and_(by_role, or_(_on_duty_clause(staff, now),
                                    and_(Task.escalation_level >= 1,
                                         _designated_clause(staff))))
    elif role in CARE_ROLES:
        by_role = and_(by_role, or_(Task.person_id.is_(None), mine))
    # About a person I may read: the assigned staff's unless owned otherwise, and everyone's
    # who cares for the person once escalated (to "another assignee").
    about_mine = and_(mine,
                      or_(and_(Task.owner_staff_id.is_(None), Task.owner_role.is_(None)),
                          Task.escalation_level >= 1))
    clauses = [Task.owner_staff_id == staff.id, by_role, about_mine]
    if role is Role.DIRECTOR:
        clauses.append(Task.escalation_level >= 2)
    return and_(Task.done_at.is_(None), or_(*clauses))


def _liaison_queue(staff: Staff) -> ColumnElement[bool]:
    """Requests the on-duty liaison may approve: submitted (an emergency only once the
    director has co-signed), never their own, never twice (rules 76-83)."""
    return and_(or_(DisclosureRequest.status == "approved_first",
                    and_(DisclosureRequest.status == "submitted",
                         DisclosureRequest.emergency.is_(False))),
                DisclosureRequest.drafted_by != staff.public_id,
                ~_approved_by(staff))


def _cosign_queue(staff: Staff) -> ColumnElement[bool]:
    """Emergency requests waiting for the director's co-signature."""
    return and_(DisclosureRequest.status == "submitted", DisclosureRequest.emergency.is_(True),
                DisclosureRequest.drafted_by != staff.public_id, ~_approved_by(staff))


def _approved_by(staff: Staff) -> ColumnElement[bool]:
    return exists().where(DisclosureApproval.request_id == DisclosureRequest.id,
                          DisclosureApproval.approver == staff.public_id)


def _privacy_clause(staff: Staff) -> ColumnElement[bool]:
    """Thematic entries waiting for a second person who wrote none of them (issue 11)."""
    wrote = exists().where(IntelEntryVersion.entry_id == IntelEntry.id,
                           IntelEntryVersion.created_by == staff.public_id)
    return and_(IntelEntry.privacy_status == "pending",
                IntelEntry.created_by != staff.public_id, ~wrote)


def _clearance_clause(staff: Staff) -> ColumnElement[bool]:
    """The psychologist's people with a legal adviser but no clearance yet (rule 28)."""
    adviser = aliased(Assignment)
    return and_(
        Person.id.in_(_assigned(staff)),
        ~exists().where(Clearance.person_id == Person.id, Clearance.withdrawn_at.is_(None)),
        ~exists().where(LegalConsultation.person_id == Person.id),
        exists().where(adviser.person_id == Person.id, adviser.ended_at.is_(None),
                       adviser.staff_id == Staff.id, Staff.role == Role.LEGAL_ADVISER.value,
                       Staff.is_active.is_(True)))


def _consultation_clause(staff: Staff) -> ColumnElement[bool]:
    """The legal adviser's people cleared by the psychologist and not yet advised."""
    return and_(Clearance.withdrawn_at.is_(None), Clearance.person_id.in_(_assigned(staff)),
                ~exists().where(LegalConsultation.person_id == Clearance.person_id,
                                LegalConsultation.held_at >= Clearance.cleared_at))


def _grant_clause(staff: Staff) -> ColumnElement[bool]:
    pending = PrivilegeGrant.status == "pending"
    if Role(staff.role) is Role.DIRECTOR:
        return and_(pending, PrivilegeGrant.requested_by != staff.public_id)
    return pending


# --- the counters in the menu -----------------------------------------------------------


def counters(ctx: Ctx, staff: Staff) -> Counters:
    """Open tasks, waiting items and unread notifications: one statement on the casework
    database and, for those who review intelligence, one COUNT on the intelligence one."""
    role = Role(staff.role)
    params = {"staff_id": staff.id, "staff_ref": staff.public_id, "now": ctx.now}
    casework, intelligence = _counter_statements(role)
    row: Any = read_columns(ctx.session, casework, params, on=Task).one()
    total_waiting = sum(int(v or 0) for v in row[2:])
    if intelligence is not None:
        total_waiting += read_columns(ctx.session, intelligence, params,
                                      on=IntelEntry).scalar() or 0
    return Counters(tasks=int(row[0] or 0), waiting=total_waiting, unread=int(row[1] or 0))


_MENU = CounterCache[Counters]()


def menu_counters(ctx: Ctx, staff: Staff) -> Counters:
    """:func:`counters`, remembered per process for a few seconds and forgotten at once when
    this process writes to a table they count (services/counter_cache.py)."""
    found = _MENU.get(staff.id, ctx.now)
    if found is not None:
        return found
    generation = _MENU.generation()
    counts = counters(ctx, staff)
    _MENU.put(staff.id, ctx.now, generation, counts)
    return counts


def counted_tables() -> frozenset[str]:
    """Every table the counters read, for any role (counter_cache.watch)."""
    names: set[str] = set()
    for role in Role:
        for statement in _counter_statements(role):
            if statement is not None:
                names.update(t.name for t in find_tables(statement, include_joins=True)
                             if isinstance(t, Table))
    return frozenset(names)


@dataclass(frozen=True)
class _Someone:
    """A member of staff as bound parameters: the counters' statements are built once per
    role and run with the viewer's values (they run on every page, issue 12)."""

    role: str
    id: Any = field(default_factory=lambda: bindparam("staff_id", type_=Integer))
    public_id: Any = field(default_factory=lambda: bindparam("staff_ref", type_=String))


@functools.cache
def _counter_statements(role: Role) -> tuple[Select[Any], Select[Any] | None]:
    staff: Any = _Someone(role.value)
    now: Any = bindparam("now", type_=DateTime)
    on_duty = _on_duty_clause(staff, now) if role is Role.LIAISON else false()
    readable = _readable(staff, now)

    def count(query: Select[Any]) -> Any:
        return query.with_only_columns(func.count()).scalar_subquery()

    tasks = count(select(Task.id).where(_task_clause(staff, now, readable)))
    unread = count(select(Notification.id).where(Notification.staff_id == staff.id,
                                                 Notification.read_at.is_(None)))
    waiting: list[Any] = []
    if role is Role.LIAISON:
        waiting.append(case((on_duty, count(select(DisclosureRequest.id).where(
            _liaison_queue(staff)))), else_=0))
        waiting.append(count(select(RecallNotice.id).where(RecallNotice.sent_at.is_(None))))
    if role is Role.DIRECTOR:
        waiting.append(count(select(DisclosureRequest.id).where(_cosign_queue(staff))))
    if role in (Role.DIRECTOR, Role.AUDITOR):
        waiting.append(count(select(PrivilegeGrant.id).where(_grant_clause(staff))))
    if role is Role.PSYCHOLOGIST:
        waiting.append(count(select(Person.id).where(_clearance_clause(staff))))
    if role is Role.LEGAL_ADVISER:
        waiting.append(count(select(Clearance.id).where(_consultation_clause(staff))))
    casework = select(tasks, unread, *(waiting or [literal(0)]))
    intelligence = (select(func.count()).select_from(IntelEntry).where(_privacy_clause(staff))
                    if can(role, Permission.INTEL_WRITE) else None)
    return casework, intelligence


# --- the page ---------------------------------------------------------------------------


def build(ctx: Ctx, staff: Staff) -> Dashboard:
    role, now = Role(staff.role), ctx.now
    on_duty: bool | None = None
    if role is Role.LIAISON:
        on_duty = bool(ctx.session.scalar(select(_on_duty_clause(staff, now))))
    readable = _readable(staff, now)
    board = Dashboard(role=role.value, on_duty=on_duty)
    board.tasks = _tasks(ctx, staff, readable)
    board.waiting = _waiting(ctx, staff, bool(on_duty))
    board.drafts = _drafts(ctx, staff, readable)
    board.deadlines = _without_tasked(_deadlines(ctx, staff, readable), board.tasks)
    if role is Role.DIRECTOR:
        board.coverage = _coverage(ctx)
    return board


# A deadline that already became a duty task (issue 10: the duty catalogue) is shown once,
# as the task, which carries its escalation.
_TASKED_DEADLINES = {
    "safety_plan_review": "safety_plan_review", "witness_review_due": "witness_review",
    "consent_review_due": "consent_expiry", "risk_assessment_expiring": "risk_expiry",
    "mou_review_due": "mou_review", "mou_expiry_due": "mou_expiry",
}


def _without_tasked(deadlines: list[Deadline], tasks: list[TaskItem]) -> list[Deadline]:
    tasked = {(_TASKED_DEADLINES[t.kind], ref) for t in tasks if t.kind in _TASKED_DEADLINES
              for ref in (t.case_code, t.ref) if ref}
    return [d for d in deadlines if (d.kind, d.ref) not in tasked]


def _tasks(ctx: Ctx, staff: Staff, readable: Select[Any] | None) -> list[TaskItem]:
    now = ctx.now
    shown = _in(Task.person_id, readable)
    rows = ctx.session.execute(
        select(Task.public_id, Task.kind, Task.urgent, Task.due_at, Task.escalation_level,
               Task.acknowledged_at, Task.person_id, Task.object_ref,
               case((shown, Person.case_code), else_=None))
        .outerjoin(Person, Person.id == Task.person_id)
        .where(_task_clause(staff, now, readable))
        .order_by(Task.urgent.desc(), Task.due_at, Task.id).limit(TASK_LIMIT))
    items = []
    for public_id, kind, urgent, due_at, level, acked, person_id, ref, code in rows:
        hidden = person_id is not None and code is None
        items.append(TaskItem(id=public_id, kind=kind, urgent=bool(urgent),
                              overdue=due_at < now, due_at=due_at,
                              escalation_level=int(level or 0), acknowledged=acked is not None,
                              case_code=code, ref=None if hidden else ref))
    # Urgent first, then overdue, then by due time.
    return sorted(items, key=lambda t: (not t.urgent, not t.overdue, t.due_at))


def _waiting(ctx: Ctx, staff: Staff, on_duty: bool) -> list[WaitingItem]:
    role, session = Role(staff.role), ctx.session
    out: list[WaitingItem] = []
    if role is Role.LIAISON and on_duty:
        out += [WaitingItem("disclosure_approval", ref, updated, urgent=bool(emergency))
                for ref, updated, emergency in session.execute(
                    select(DisclosureRequest.reference, DisclosureRequest.updated_at,
                           DisclosureRequest.emergency).where(_liaison_queue(staff))
                    .order_by(DisclosureRequest.emergency.desc(),
                              DisclosureRequest.updated_at).limit(LIST_LIMIT))]
    if role is Role.DIRECTOR:
        out += [WaitingItem("disclosure_cosign", ref, updated, urgent=True)
                for ref, updated in session.execute(
                    select(DisclosureRequest.reference, DisclosureRequest.updated_at)
                    .where(_cosign_queue(staff)).order_by(DisclosureRequest.updated_at)
                    .limit(LIST_LIMIT))]
    if role is Role.LIAISON:
        out += [WaitingItem("recall_notice", public_id, created, due_at=due,
                            urgent=due < ctx.now)
                for public_id, created, due in session.execute(
                    select(RecallNotice.public_id, RecallNotice.created_at, RecallNotice.due_at)
                    .where(RecallNotice.sent_at.is_(None)).order_by(RecallNotice.due_at)
                    .limit(LIST_LIMIT))]
    if can(role, Permission.INTEL_WRITE):
        out += [WaitingItem("privacy_review", ref, created)
                for ref, created in session.execute(
                    select(IntelEntry.reference, IntelEntry.updated_at)
                    .where(_privacy_clause(staff)).order_by(IntelEntry.updated_at)
                    .limit(LIST_LIMIT))]
    if role is Role.PSYCHOLOGIST:
        out += [WaitingItem("clearance", code, None)
                for (code,) in session.execute(
                    select(Person.case_code).where(_clearance_clause(staff))
                    .order_by(Person.case_code).limit(LIST_LIMIT))]
    if role is Role.LEGAL_ADVISER:
        out += [WaitingItem("legal_consultation", code, cleared)
                for code, cleared in session.execute(
                    select(Person.case_code, Clearance.cleared_at)
                    .join(Person, Person.id == Clearance.person_id)
                    .where(_consultation_clause(staff)).order_by(Clearance.cleared_at)
                    .limit(LIST_LIMIT))]
    if role in (Role.DIRECTOR, Role.AUDITOR):
        out += [WaitingItem("grant", public_id, requested, due_at=due)
                for public_id, requested, due in session.execute(
                    select(PrivilegeGrant.public_id, PrivilegeGrant.requested_at,
                           PrivilegeGrant.due_at).where(_grant_clause(staff))
                    .order_by(PrivilegeGrant.requested_at).limit(LIST_LIMIT))]
    return sorted(out, key=lambda w: not w.urgent)


def _drafts(ctx: Ctx, staff: Staff, readable: Select[Any] | None) -> list[DraftItem]:
    role = Role(staff.role)
    out: list[DraftItem] = []
    if can(role, Permission.DISCLOSURE_DRAFT):
        out += [DraftItem("disclosure", ref, None, updated)
                for ref, updated in ctx.session.execute(
                    select(DisclosureRequest.reference, DisclosureRequest.updated_at)
                    .where(DisclosureRequest.drafted_by == staff.public_id,
                           DisclosureRequest.status == "draft")
                    .order_by(DisclosureRequest.updated_at.desc()).limit(LIST_LIMIT))]
    if can(role, Permission.INTERVIEW_WRITE) and readable is not None:
        out += [DraftItem("interview", public_id, code, updated)
                for public_id, code, updated in ctx.session.execute(
                    select(Interview.public_id, Person.case_code, Interview.updated_at)
                    .join(Person, Person.id == Interview.person_id)
                    .where(Interview.interviewer == staff.public_id,
                           Interview.status == "draft", Interview.person_id.in_(readable))
                    .order_by(Interview.updated_at.desc()).limit(LIST_LIMIT))]
    return out


def _latest(model: Any, *where: ColumnElement[bool]) -> Select[Any]:
    """Ids of the newest row per person (the current safety plan, the current review)."""
    return select(func.max(model.id)).where(*where).group_by(model.person_id)


def _deadlines(ctx: Ctx, staff: Staff, readable: Select[Any] | None) -> list[Deadline]:
    role, now, session = Role(staff.role), ctx.now, ctx.session
    # Typed due dates are the organisation's days (services/clock.py), not UTC dates.
    today, until = clock.local_day(now), clock.local_day(now + HORIZON)
    out: list[Deadline] = []
    if readable is not None:
        plans = _latest(CaseNote, CaseNote.kind == "safety_plan",
                        CaseNote.person_id.in_(readable))
        out += [Deadline("safety_plan_review", code, None, due, due < today)
                for code, due in session.execute(
                    select(Person.case_code, CaseNote.review_on)
                    .join(Person, Person.id == CaseNote.person_id)
                    .where(CaseNote.id.in_(plans), CaseNote.review_on <= until)
                    .limit(LIST_LIMIT)) if due is not None]
        if role in (Role.LEGAL_ADVISER, Role.CASEWORKER):
            reviews = _latest(WitnessReview, WitnessReview.person_id.in_(readable))
            out += [Deadline("witness_review", code, None, due, due < today)
                    for code, due in session.execute(
                        select(Person.case_code, WitnessReview.next_deadline)
                        .join(Person, Person.id == WitnessReview.person_id)
                        .where(WitnessReview.id.in_(reviews),
                               WitnessReview.next_deadline <= until)
                        .limit(LIST_LIMIT)) if due is not None]
        if can(role, Permission.CONSENT_WRITE):
            out += [Deadline("consent_expiry", code, None, clock.local_day(due), False)
                    for code, due in session.execute(
                        select(Person.case_code, Consent.valid_until)
                        .join(Person, Person.id == Consent.person_id)
                        .where(Consent.person_id.in_(readable), Consent.withdrawn_at.is_(None),
                               Consent.valid_until > now,
                               Consent.valid_until <= now + HORIZON)
                        .limit(LIST_LIMIT)) if due is not None]
        if can(role, Permission.RISK_WRITE):
            newer = aliased(RiskAssessment)
            out += [Deadline("risk_expiry", code, name, clock.local_day(due), False)
                    for code, name, due in session.execute(
                        select(Person.case_code, PoliceUnit.name, RiskAssessment.expires_at)
                        .join(Person, Person.id == RiskAssessment.person_id)
                        .join(PoliceUnit, PoliceUnit.id == RiskAssessment.unit_id)
                        .where(RiskAssessment.person_id.in_(readable),
                               RiskAssessment.expires_at > now,
                               RiskAssessment.expires_at <= now + HORIZON,
                               ~exists().where(newer.person_id == RiskAssessment.person_id,
                                               newer.unit_id == RiskAssessment.unit_id,
                                               newer.expires_at > RiskAssessment.expires_at))
                        .limit(LIST_LIMIT))]
    if role in (Role.DIRECTOR, Role.LIAISON):
        out += _mou_deadlines(ctx, today, until)
    return sorted(out, key=lambda d: (d.due, d.kind))


def _mou_deadlines(ctx: Ctx, today: date, until: date) -> list[Deadline]:
    """The MoU in force with each unit: its review date and its expiry (one statement)."""
    rows = ctx.session.execute(
        select(MouVersion, PoliceUnit.public_id, PoliceUnit.name)
        .join(PoliceUnit, PoliceUnit.id == MouVersion.unit_id)
        .where(MouVersion.terminated_at.is_(None))
        .order_by(MouVersion.registered_at.desc(), MouVersion.version.desc()))
    seen: set[str] = set()
    out = []
    for version, unit, name in rows:
        if unit in seen:
            continue
        terms = mou_versions.terms_of(version)
        if not terms.effective_from <= today <= terms.expires_on:
            continue
        seen.add(unit)  # the newest version in force, as mou_versions.active
        review = _add_months(terms.last_reviewed, terms.review_every_months)
        if review <= until:
            out.append(Deadline("mou_review", unit, name, review, review < today))
        if terms.expires_on <= until:
            out.append(Deadline("mou_expiry", unit, name, terms.expires_on, False))
    return out


def _coverage(ctx: Ctx) -> Coverage:
    shifts = [Shift(s.starts_at, s.ends_at, staff.display_name)
              for s, staff in roster.shifts(ctx, days=COVERAGE_DAYS)]
    return Coverage(shifts=shifts, gaps=roster.coverage_gaps(ctx, days=COVERAGE_DAYS))


# --- the banner on a person's page --------------------------------------------------------


def urgent_tasks_about(ctx: Ctx, person: Person) -> list[tuple[str, str, datetime]]:
    """(task id, kind, due) of the open urgent tasks about a person the caller may read."""
    return [(r[0], r[1], r[2]) for r in ctx.session.execute(
        select(Task.public_id, Task.kind, Task.due_at).where(
            Task.person_id == person.id, Task.urgent.is_(True), Task.done_at.is_(None))
        .order_by(Task.due_at))]
