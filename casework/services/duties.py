"""Duties run by the scheduler (issue 10): conditions in the records become tasks, tasks
nobody acknowledges move up their chain, tasks whose condition went away close.

The catalogue (``casework.domain.duties``) decides; this module gathers the facts, which
are ids, dates and statuses only: nothing is decrypted here (the coming-of-age review,
which must read a date of birth, stays in ``casework.services.minors``; its tasks are
escalated and closed here like every other).

Idempotent: a task's ``duty_key`` is unique, so running the evaluation twice creates
nothing twice. Two evaluations at once (two schedulers, a manual ``--once``) take a
transaction-scoped advisory lock on PostgreSQL; and should one still insert a key the
other has just inserted, the unique index refuses it inside a savepoint and the run goes
on. Escalations, reminders and closures are conditional updates, so no notification is
sent twice either.

Notifications are content-free: a kind code and the task's opaque public id.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from casework.domain import duties as catalogue
from casework.domain.duties import Condition, Due, Duty, Escalate, Level, Owner, Target
from casework.domain.roles import Permission, Role, can
from casework.models import (
    Assignment,
    AuditEvent,
    BreakGlass,
    CaseNote,
    Consent,
    DisclosureItem,
    DisclosurePackage,
    DisclosureRequest,
    IntelEntry,
    IntelEntryVersion,
    OnCallShift,
    PackageFeedback,
    Person,
    PoliceUnit,
    RecallNotice,
    RiskAssessment,
    Staff,
    Task,
    WitnessReview,
)
from casework.models.disclosure import OPEN_STATUSES
from casework.services import notifications, paging, roster
from casework.services.context import Ctx
from casework.services.errors import ServiceError

SYSTEM = "system"
LOCK_KEY = zlib.crc32(b"senim.evaluate-duties")
# Break-glass accesses older than this are not brought to the director any more.
BREAK_GLASS_WINDOW = timedelta(days=7)
# Notification kinds (the in-app list and the e-mail channel translate them).
NEW, REMIND, ESCALATED = "task_new", "task_reminder", "task_escalated"
ROLE_OWNERS = {Owner.LIAISON: Role.LIAISON.value, Owner.DIRECTOR: Role.DIRECTOR.value,
               Owner.AUDITOR: Role.AUDITOR.value,
               Owner.PRIVACY_REVIEWER: Owner.PRIVACY_REVIEWER.value}


class TaskError(str, Enum):
    DONE = "task_already_done"


@dataclass
class Counts:
    created: int = 0
    reminded: int = 0
    escalated: int = 0
    closed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "reminded": self.reminded,
                "escalated": self.escalated, "closed": self.closed}


# --- the conditions ----------------------------------------------------------------------


def _feedback(ctx: Ctx) -> list[Condition]:
    packages = list(ctx.session.scalars(select(DisclosurePackage).where(
        DisclosurePackage.revoked_at.is_(None), DisclosurePackage.recalled_at.is_(None),
        (DisclosurePackage.ack_due_at.is_not(None))
        | (DisclosurePackage.outcome_due_at.is_not(None)))))
    if not packages:
        return []
    kinds: dict[int, list[str]] = defaultdict(list)
    for package_id, kind in ctx.session.execute(select(
            PackageFeedback.package_id, PackageFeedback.kind).where(
            PackageFeedback.package_id.in_([p.id for p in packages]))):
        kinds[package_id].append(kind)
    out: list[Condition] = []
    for p in packages:
        out += catalogue.feedback_conditions(catalogue.PackageFacts(
            p.public_id, p.released_at, p.ack_due_at, p.outcome_due_at,
            tuple(kinds[p.id]), withdrawn=False))
    return out


def _mous(ctx: Ctx) -> list[Condition]:
    from casework.services import mou_versions

    out: list[Condition] = []
    for unit in ctx.session.scalars(select(PoliceUnit)):
        active = mou_versions.active(ctx, unit)
        if active is None:
            continue
        terms = active[1]
        out += catalogue.mou_conditions(catalogue.MouFacts(
            unit.public_id, terms.last_reviewed, terms.review_every_months, terms.expires_on))
    return out


def _staff_ids(ctx: Ctx, public_ids: Iterable[str]) -> dict[str, int]:
    wanted = {p for p in public_ids if p}
    if not wanted:
        return {}
    return {p: i for p, i in ctx.session.execute(select(Staff.public_id, Staff.id).where(
        Staff.public_id.in_(wanted), Staff.is_active.is_(True)))}


def _risks(ctx: Ctx) -> list[Condition]:
    relied = list(ctx.session.scalars(select(RiskAssessment).join(
        DisclosureItem, DisclosureItem.risk_assessment_id == RiskAssessment.id).join(
        DisclosureRequest, DisclosureRequest.id == DisclosureItem.request_id).where(
        DisclosureRequest.status.in_(OPEN_STATUSES)).distinct()))
    staff = _staff_ids(ctx, (r.assessor for r in relied))
    out: list[Condition] = []
    for r in relied:
        renewed = ctx.session.scalar(select(RiskAssessment.id).where(
            RiskAssessment.person_id == r.person_id, RiskAssessment.unit_id == r.unit_id,
            RiskAssessment.expires_at > r.expires_at).limit(1)) is not None
        found = catalogue.risk_condition(catalogue.RiskFacts(
            r.public_id, r.person_id, staff.get(r.assessor), r.expires_at, True, renewed))
        out += [found] if found else []
    return out


def _consents(ctx: Ctx) -> list[Condition]:
    rows = list(ctx.session.scalars(select(Consent).where(
        Consent.withdrawn_at.is_(None), Consent.valid_until.is_not(None))))
    out: list[Condition] = []
    for c in rows:
        # A newer consent of the same person lasting longer: the review took place.
        superseded = ctx.session.scalar(select(Consent.id).where(
            Consent.person_id == c.person_id, Consent.withdrawn_at.is_(None),
            Consent.recorded_at > c.recorded_at,
            (Consent.valid_until.is_(None)) | (Consent.valid_until > c.valid_until))
            .limit(1)) is not None
        found = catalogue.consent_condition(catalogue.ConsentFacts(
            c.public_id, c.person_id, c.valid_until, False, superseded))
        out += [found] if found else []
    return out


def _latest_per_person(rows: Iterable[tuple[int, object]]) -> dict[int, object]:
    latest: dict[int, object] = {}
    for person_id, row in rows:
        latest[person_id] = row  # rows come oldest first
    return latest


def _safety_plans(ctx: Ctx) -> list[Condition]:
    rows = ctx.session.scalars(select(CaseNote).where(CaseNote.kind == "safety_plan")
                               .order_by(CaseNote.occurred_on, CaseNote.created_at,
                                         CaseNote.id))
    out: list[Condition] = []
    for note in _latest_per_person((n.person_id, n) for n in rows).values():
        assert isinstance(note, CaseNote)
        found = catalogue.safety_plan_condition(catalogue.ReviewDateFacts(
            note.public_id, note.person_id, note.review_on))
        out += [found] if found else []
    return out


def _witness_reviews(ctx: Ctx) -> list[Condition]:
    rows = list(ctx.session.scalars(select(WitnessReview).order_by(
        WitnessReview.recorded_at, WitnessReview.id)))
    staff = _staff_ids(ctx, (r.adviser for r in rows))
    out: list[Condition] = []
    for row in _latest_per_person((r.person_id, r) for r in rows).values():
        assert isinstance(row, WitnessReview)
        found = catalogue.witness_condition(catalogue.ReviewDateFacts(
            row.public_id, row.person_id, row.next_deadline, staff.get(row.adviser)))
        out += [found] if found else []
    return out


def _notices(ctx: Ctx) -> list[Condition]:
    rows = ctx.session.execute(select(RecallNotice, DisclosureRequest.reference).join(
        DisclosurePackage, DisclosurePackage.id == RecallNotice.package_id).join(
        DisclosureRequest, DisclosureRequest.id == DisclosurePackage.request_id).where(
        RecallNotice.sent_at.is_(None)))
    out: list[Condition] = []
    for notice, reference in rows:
        found = catalogue.notice_condition(catalogue.NoticeFacts(
            notice.public_id, reference, notice.reason, notice.due_at, sent=False))
        out += [found] if found else []
    return out


def _privacy(ctx: Ctx) -> list[Condition]:
    out: list[Condition] = []
    for entry in ctx.session.scalars(select(IntelEntry).where(
            IntelEntry.privacy_status == "pending")):
        found = catalogue.privacy_condition(catalogue.EntryFacts(
            entry.public_id, entry.version, entry.privacy_status, entry.updated_at))
        out += [found] if found else []
    return out


def _roster(ctx: Ctx) -> list[Condition]:
    designated = {row.staff_id for row, _ in roster.designations(ctx)}
    horizon = ctx.now + catalogue.ROSTER_HORIZON
    shifts = [(s.starts_at, s.ends_at) for s in ctx.session.scalars(select(OnCallShift).where(
        OnCallShift.ends_at > ctx.now, OnCallShift.starts_at < horizon)) if s.staff_id in
        designated]
    last = ctx.session.scalar(select(func.max(OnCallShift.ends_at)).where(
        OnCallShift.ends_at <= ctx.now, OnCallShift.staff_id.in_(designated or {0})))
    if last is not None:
        shifts.append((last, last))
    return [catalogue.gap_condition(g, ctx.now)
            for g in catalogue.roster_gaps(shifts, ctx.now)]


def _break_glass(ctx: Ctx) -> list[Condition]:
    rows = ctx.session.scalars(select(BreakGlass).where(
        BreakGlass.granted_at > ctx.now - BREAK_GLASS_WINDOW))
    return [catalogue.break_glass_condition(catalogue.BreakGlassFacts(
        b.public_id, b.person_id, b.granted_at)) for b in rows]


def _checkpoint(ctx: Ctx) -> list[Condition]:
    last = ctx.session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == "audit.checkpoint"))
    first = ctx.session.scalar(select(func.min(AuditEvent.at)))
    found = catalogue.checkpoint_condition(last, first, ctx.now)
    return [found] if found else []


GATHERERS = (_feedback, _mous, _risks, _consents, _safety_plans, _witness_reviews, _notices,
             _privacy, _roster, _break_glass, _checkpoint)


def conditions(ctx: Ctx) -> list[Condition]:
    """Every condition in the records now (with or without its task yet)."""
    out: list[Condition] = []
    for gather in GATHERERS:
        out += gather(ctx)
    shredded = set(ctx.session.scalars(select(Person.id).where(
        Person.names_ciphertext.is_(None))))
    return [c for c in out if c.person_id not in shredded]


# --- who ---------------------------------------------------------------------------------


def owner_of(task: Task) -> Owner:
    if task.owner_role:
        try:
            return Owner(task.owner_role)
        except ValueError:
            return Owner.DIRECTOR
    if task.owner_staff_id is not None:
        return Owner.STAFF
    if task.person_id is not None:
        return Owner.ASSIGNEES
    return Owner.LIAISON  # a task about a unit made before issue 10 (destroy-or-return)


def _active(ctx: Ctx, role: Role) -> list[Staff]:
    return list(ctx.session.scalars(select(Staff).where(
        Staff.role == role.value, Staff.is_active.is_(True)).order_by(Staff.id)))


def _assignees(ctx: Ctx, person_id: int) -> list[Staff]:
    return list(ctx.session.scalars(select(Staff).join(
        Assignment, Assignment.staff_id == Staff.id).where(
        Assignment.person_id == person_id, Assignment.ended_at.is_(None),
        Staff.is_active.is_(True)).order_by(Staff.id)))


def _editors(ctx: Ctx, task: Task) -> set[str]:
    """Who wrote the entry waiting for a privacy review: they may not review it."""
    entry = ctx.session.scalar(select(IntelEntry).where(
        IntelEntry.public_id == (task.object_ref or "")))
    if entry is None:
        return set()
    return {entry.created_by, *ctx.session.scalars(select(IntelEntryVersion.created_by).where(
        IntelEntryVersion.entry_id == entry.id))}


def _reviewers(ctx: Ctx, task: Task) -> list[Staff]:
    editors = _editors(ctx, task)
    return [s for s in ctx.session.scalars(select(Staff).where(Staff.is_active.is_(True))
                                           .order_by(Staff.id))
            if _may(s, Permission.INTEL_WRITE) and s.public_id not in editors]


def _may(staff: Staff, permission: Permission) -> bool:
    try:
        return can(Role(staff.role), permission)
    except ValueError:
        return False


def _designated(ctx: Ctx) -> list[Staff]:
    return [s for _, s in roster.designations(ctx) if s.is_active]


def owners(ctx: Ctx, task: Task) -> list[Staff]:
    """Level 0: who is told when the task appears or is reminded."""
    owner = owner_of(task)
    if owner is Owner.STAFF:
        named = ctx.session.get(Staff, task.owner_staff_id)
        if named is not None and named.is_active:
            return [named]
        owner = Owner.ASSIGNEES  # gone: the person's staff take it
    if owner is Owner.ASSIGNEES:
        if task.person_id is None:
            return _active(ctx, Role.DIRECTOR)
        staff = _assignees(ctx, task.person_id)
        caseworkers = [s for s in staff if s.role == Role.CASEWORKER.value]
        return caseworkers or staff or _active(ctx, Role.DIRECTOR)
    if owner is Owner.LIAISON:
        # Rules 5-7: the one on call; nobody on call: the designated liaison and deputies.
        return roster.on_duty(ctx) or _designated(ctx) or _active(ctx, Role.LIAISON)
    if owner is Owner.PRIVACY_REVIEWER:
        reviewers = _reviewers(ctx, task)
        on_duty = {s.id for s in roster.on_duty(ctx)}
        return [s for s in reviewers if s.id in on_duty] or reviewers
    if owner is Owner.AUDITOR:
        return _active(ctx, Role.AUDITOR) or _active(ctx, Role.DIRECTOR)
    return _active(ctx, Role.DIRECTOR)


def targets(ctx: Ctx, task: Task, to: Target) -> list[Staff]:
    """Who an escalation goes to (never again those who already had it at level 0)."""
    if to is Target.DIRECTOR:
        return _active(ctx, Role.DIRECTOR)
    first = {s.id for s in owners(ctx, task)}
    if to is Target.DEPUTY:
        found = _designated(ctx) or _active(ctx, Role.LIAISON)
    elif to is Target.REVIEWERS:
        found = _reviewers(ctx, task)
    else:
        found = _assignees(ctx, task.person_id) if task.person_id is not None else []
    return [s for s in found if s.id not in first]


# --- creating, reminding, escalating, closing --------------------------------------------


def _lock(ctx: Ctx) -> None:
    """One evaluation at a time on PostgreSQL (released at commit or rollback)."""
    bind = ctx.session.get_bind(mapper=Task)
    if bind.dialect.name == "postgresql":
        ctx.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY},
                            bind_arguments={"mapper": Task})


def _existing_keys(ctx: Ctx, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found |= set(ctx.session.scalars(select(Task.duty_key).where(
            Task.duty_key.in_(chunk))))
    return found


def create(ctx: Ctx, due: Due, condition: Condition) -> Task | None:
    """The task of a due condition, once. None: it exists (maybe made a moment ago by
    another evaluation: the unique index refuses the copy inside a savepoint)."""
    role = ROLE_OWNERS.get(due.owner)
    staff_id = condition.owner_staff_id if due.owner is Owner.STAFF else None
    task = Task(person_id=condition.person_id, kind=due.duty.value, urgent=due.urgent,
                object_ref=(condition.object_ref or "")[:32] or None, created_at=ctx.now,
                due_at=due.due_at, duty_key=due.key[:96], remind_at=due.remind_at,
                owner_role=role, owner_staff_id=staff_id, escalation_level=0)
    try:
        with ctx.session.begin_nested():
            ctx.session.add(task)
            ctx.session.flush()
    except IntegrityError:
        return None
    for staff in owners(ctx, task):
        notifications.notify(ctx, staff, NEW, object_ref=task.public_id, urgent=due.urgent)
    return task


def _conditional(ctx: Ctx, task: Task, where: Sequence[object], **values: object) -> bool:
    """An update that happens once, however many evaluations race for it."""
    result = ctx.session.execute(update(Task).where(Task.id == task.id, *where)  # type: ignore[arg-type]
                                 .values(**values).execution_options(
                                     synchronize_session=False))
    ctx.session.expire(task)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _open_tasks(ctx: Ctx) -> list[Task]:
    return list(ctx.session.scalars(select(Task).where(Task.done_at.is_(None))
                                    .order_by(Task.id)))


def remind(ctx: Ctx, task: Task) -> bool:
    """One reminder to the owner at ``remind_at`` (then cleared), unless acknowledged."""
    if not catalogue.should_remind(task.remind_at, acknowledged=task.acknowledged_at
                                   is not None, now=ctx.now):
        return False
    if not _conditional(ctx, task, [Task.remind_at == task.remind_at,
                                    Task.acknowledged_at.is_(None)], remind_at=None):
        return False
    for staff in owners(ctx, task):
        notifications.notify(ctx, staff, REMIND, object_ref=task.public_id,
                             urgent=task.urgent)
    return True


def escalate(ctx: Ctx, task: Task) -> Escalate | None:
    """Move a task nobody acknowledged up its chain, and tell the next owner."""
    spec = catalogue.spec_for(task.kind, urgent=task.urgent)
    decision = catalogue.next_escalation(
        spec, owner=owner_of(task), level=task.escalation_level, created_at=task.created_at,
        due_at=task.due_at, acknowledged_at=task.acknowledged_at, now=ctx.now)
    if not isinstance(decision, Escalate):
        return None
    people = targets(ctx, task, decision.to)
    if not people and decision.level < Level.DIRECTOR:  # nobody at level 1: the director
        decision = Escalate(Level.DIRECTOR, Target.DIRECTOR)
        people = targets(ctx, task, Target.DIRECTOR)
    level, urgent, ref = task.escalation_level, task.urgent, task.public_id
    if not _conditional(ctx, task, [Task.escalation_level == level,
                                    Task.acknowledged_at.is_(None), Task.done_at.is_(None)],
                        escalation_level=int(decision.level), escalated_at=ctx.now):
        return None
    for staff in people:
        notifications.notify(ctx, staff, ESCALATED, object_ref=ref, urgent=urgent)
    return decision


def close(ctx: Ctx, task: Task) -> bool:
    """The condition went away: done by the system."""
    return _conditional(ctx, task, [Task.done_at.is_(None)], done_at=ctx.now, done_by=SYSTEM)


def _resolved_user_tasks(ctx: Ctx, tasks: Iterable[Task]) -> list[Task]:
    """Tasks without a duty key that still close by themselves: a coming-of-age review
    whose consent was withdrawn."""
    reviews = {t.object_ref: t for t in tasks if t.kind == Duty.TURNED_18.value
               and t.duty_key is None and t.object_ref}
    if not reviews:
        return []
    withdrawn = set(ctx.session.scalars(select(Consent.public_id).where(
        Consent.public_id.in_(list(reviews)), Consent.withdrawn_at.is_not(None))))
    return [t for ref, t in reviews.items() if ref in withdrawn]


def evaluate(ctx: Ctx) -> Counts:
    """One pass: create, close, remind, escalate. The caller commits."""
    _lock(ctx)
    counts = Counts()
    found = conditions(ctx)
    live = {c.key for c in found}
    by_key = {c.key: c for c in found}
    decisions = [d for d in catalogue.decide_all(found, ctx.now) if isinstance(d, Due)]
    exists = _existing_keys(ctx, [d.key for d in decisions])
    for due in decisions:
        if due.key not in exists and create(ctx, due, by_key[due.key]) is not None:
            counts.created += 1
    tasks = _open_tasks(ctx)
    for task in tasks:
        spec = catalogue.spec_for(task.kind, urgent=task.urgent)
        if task.duty_key is not None and spec.closes_when_gone and task.duty_key not in live:
            counts.closed += close(ctx, task)
    for task in _resolved_user_tasks(ctx, tasks):
        counts.closed += close(ctx, task)
    for task in _open_tasks(ctx):
        counts.reminded += remind(ctx, task)
        counts.escalated += escalate(ctx, task) is not None
    ctx.session.flush()
    if counts.created or counts.escalated or counts.closed:
        ctx.audit("duties.evaluated", outcome=(
            f"c{counts.created}:e{counts.escalated}:x{counts.closed}")[:32],
            object_type="duties", actor=SYSTEM)
    return counts


# --- the staff's side ------------------------------------------------------------------------



def visible_query(ctx: Ctx, staff: Staff) -> Select[Any]:
    """Open tasks this member of staff must see, as one query: those about the people they
    may open, those they own or their role owns (the liaison's, the director's...), and,
    for the director, those escalated to the top. Urgent first, then by due time."""
    from casework.services import access

    roles = {staff.role}
    if _may(staff, Permission.INTEL_WRITE):
        roles.add(Owner.PRIVACY_REVIEWER.value)
    mine: list[ColumnElement[bool]] = [Task.owner_staff_id == staff.id,
                                       Task.owner_role.in_(roles)]
    people = access.visible_person_ids(ctx, staff)
    if people is not None:
        # Tasks of the person's carers (no named owner); a named owner's stay theirs.
        mine.append(and_(Task.person_id.in_(people), Task.owner_role.is_(None),
                         Task.owner_staff_id.is_(None)))
    if staff.role == Role.LIAISON.value:  # unit tasks from before issue 10
        mine.append(and_(Task.owner_role.is_(None), Task.owner_staff_id.is_(None),
                         Task.person_id.is_(None)))
    if staff.role == Role.DIRECTOR.value:
        mine.append(Task.escalation_level >= int(Level.DIRECTOR))
    return select(Task).where(Task.done_at.is_(None), or_(*mine)).order_by(
        Task.urgent.desc(), Task.due_at, Task.id)


def _with_people(ctx: Ctx, tasks: list[Task]) -> list[tuple[Task, Person | None]]:
    ids = {t.person_id for t in tasks if t.person_id is not None}
    persons = {p.id: p for p in ctx.session.scalars(
        select(Person).where(Person.id.in_(ids)))} if ids else {}
    return [(t, persons.get(t.person_id) if t.person_id is not None else None)
            for t in tasks]



def visible_tasks_page(ctx: Ctx, staff: Staff, request: paging.PageRequest,
                       ) -> paging.Page[tuple[Task, Person | None]]:
    """One page of them, counted and paged in the database (issue 12)."""
    page = paging.offset_page(ctx.session, visible_query(ctx, staff), request)
    people = dict(_with_people(ctx, list(page.items)))
    return page.map(lambda t: (t, people[t]))


def find_visible(ctx: Ctx, staff: Staff, public_id: str) -> Task | None:
    return ctx.session.scalar(visible_query(ctx, staff).where(
        Task.public_id == public_id[:32]))


def can_mark_done(task: Task) -> bool:
    """A task made by a user action, or a review the person's own staff do, is marked done
    by them; a role's duty (the roster, an MoU, a privacy review, a notice) closes when its
    condition is resolved, so nobody silences it with a click."""
    return task.duty_key is None or owner_of(task) in (Owner.ASSIGNEES, Owner.STAFF)


def acknowledge(ctx: Ctx, staff: Staff, task: Task) -> None:
    """"I have it": escalation stops. A review that is only a look (break-glass) is done
    by acknowledging it."""
    if task.done_at is not None:
        raise ServiceError(TaskError.DONE)
    if task.acknowledged_at is None:
        task.acknowledged_at, task.acknowledged_by = ctx.now, staff.public_id
    spec = catalogue.spec_for(task.kind, urgent=task.urgent)
    if spec.closes_on_ack:
        task.done_at, task.done_by = ctx.now, staff.public_id
    ctx.session.flush()
    ctx.audit("task.acknowledge", outcome=task.kind[:32], object_type="task",
              object_ref=task.public_id)
