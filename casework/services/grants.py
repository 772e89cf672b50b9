"""Grants of privilege that need a second person (issue 11, point 3).

A request writes a ``PrivilegeGrant`` and nothing else: the rows every access check reads
(``staff.is_active``, assignments, designations, shifts) are written only when the grant
takes effect, on approval by a second director or, in a single-administrator organisation,
when :func:`apply_due` finds the 24-hour delay passed (the scheduler runs it every few
minutes; the pending-grants page runs it too). So access checks see effective grants only.

Status changes are compare-and-set on ``status = 'pending'``: of an approval and a block
racing, exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from casework.domain.access import can_be_assigned
from casework.domain.decisions import Decision
from casework.domain.grants import (
    GrantKind,
    GrantReason,
    GrantStatus,
    can_approve,
    can_block,
    can_issue_letter,
    can_request,
    due_at,
    takes_effect,
)
from casework.domain.roles import Role
from casework.models import Assignment, EnrolmentLetter, Person, PrivilegeGrant, Staff
from casework.services import access, accounts, notifications, roster
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError
from casework.services.roster import RosterReason


@dataclass(frozen=True)
class GrantRow:
    """A pending grant as the pending-grants page shows it (case codes only, no content)."""

    grant: PrivilegeGrant
    subject: Staff
    case_code: str | None
    may_approve: bool
    may_block: bool


# --- requests ---------------------------------------------------------------------------


def request_account(ctx: Ctx, actor: Staff, *, email: str, display_name: str, role: Role,
                    single_administrator: bool) -> PrivilegeGrant:
    """A new account, inactive until the grant takes effect. No password is returned: the
    one-time password travels in an enrolment letter printed by somebody else."""
    staff, _unused = accounts.create_staff(ctx, email=email, display_name=display_name,
                                           role=role)
    staff.is_active = False
    return _request(ctx, actor, GrantKind.ACCOUNT, staff, detail=role.value,
                    single_administrator=single_administrator)


def request_reactivation(ctx: Ctx, actor: Staff, staff: Staff, *,
                         single_administrator: bool) -> PrivilegeGrant:
    accounts.can_reactivate_or_raise(staff)
    return _request(ctx, actor, GrantKind.REACTIVATE, staff,
                    single_administrator=single_administrator)


def request_role(ctx: Ctx, actor: Staff, staff: Staff, role: Role, *,
                 single_administrator: bool) -> PrivilegeGrant:
    if staff.role == role.value:
        raise ServiceError(GrantReason.ALREADY_PENDING)
    return _request(ctx, actor, GrantKind.ROLE, staff, detail=role.value,
                    single_administrator=single_administrator)


def request_assignment(ctx: Ctx, actor: Staff, person: Person, staff: Staff, *,
                       single_administrator: bool) -> PrivilegeGrant:
    decision = can_be_assigned(Role(staff.role))
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    if access.is_assigned(ctx, person, staff):
        raise ServiceError(GrantReason.ALREADY_PENDING)
    return _request(ctx, actor, GrantKind.ASSIGNMENT, staff, person=person,
                    single_administrator=single_administrator)


def request_designation(ctx: Ctx, actor: Staff, staff: Staff, kind: str, *,
                        single_administrator: bool) -> PrivilegeGrant:
    if staff.role != Role.LIAISON.value or not staff.is_active:
        raise ServiceError(RosterReason.NOT_LIAISON_ROLE)
    if kind not in ("liaison", "deputy"):
        raise ServiceError(RosterReason.NOT_DESIGNATED)
    return _request(ctx, actor, GrantKind.DESIGNATION, staff, detail=kind,
                    single_administrator=single_administrator)


def request_shift(ctx: Ctx, actor: Staff, staff: Staff, starts_at: datetime,
                  ends_at: datetime, *, single_administrator: bool) -> PrivilegeGrant:
    roster.check_shift(ctx, staff, starts_at, ends_at)
    return _request(ctx, actor, GrantKind.SHIFT, staff, starts_at=starts_at, ends_at=ends_at,
                    single_administrator=single_administrator)


def refused(ctx: Ctx, kind: GrantKind) -> None:
    """Audit a refused request (called after the caller rolled the request back)."""
    ctx.audit("grant.request", outcome="denied", object_type="grant_kind", object_ref=kind.value)


def _request(ctx: Ctx, actor: Staff, kind: GrantKind, subject: Staff, *,
             person: Person | None = None, detail: str | None = None,
             starts_at: datetime | None = None, ends_at: datetime | None = None,
             single_administrator: bool) -> PrivilegeGrant:
    decision = can_request(kind=kind, actor_role=Role(actor.role), actor_id=actor.public_id,
                           subject_id=subject.public_id,
                           duplicate_pending=_duplicate(ctx, kind, subject, person, detail,
                                                        starts_at))
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    grant = PrivilegeGrant(kind=kind.value, status=GrantStatus.PENDING.value,
                           subject_id=subject.id, person_id=person.id if person else None,
                           detail=detail, starts_at=starts_at, ends_at=ends_at,
                           requested_by=actor.public_id, requested_at=ctx.now,
                           single_administrator=single_administrator,
                           due_at=due_at(requested_at=ctx.now,
                                         single_administrator=single_administrator))
    ctx.session.add(grant)
    ctx.session.flush()
    ctx.audit("grant.request", outcome=kind.value, object_type="grant",
              object_ref=grant.public_id)
    for watcher in _watchers(ctx, grant, exclude={actor.id, subject.id}):
        notifications.notify(ctx, watcher, "grant_requested", object_ref=grant.public_id,
                             urgent=single_administrator)
    return grant


def _duplicate(ctx: Ctx, kind: GrantKind, subject: Staff, person: Person | None,
               detail: str | None, starts_at: datetime | None) -> bool:
    query = select(PrivilegeGrant.id).where(PrivilegeGrant.subject_id == subject.id,
                                            PrivilegeGrant.status == GrantStatus.PENDING.value)
    if kind in (GrantKind.ACCOUNT, GrantKind.REACTIVATE, GrantKind.ROLE):
        # One pending change to an account at a time.
        query = query.where(PrivilegeGrant.kind.in_(
            [GrantKind.ACCOUNT.value, GrantKind.REACTIVATE.value, GrantKind.ROLE.value]))
    else:
        query = query.where(PrivilegeGrant.kind == kind.value)
        if person is not None:
            query = query.where(PrivilegeGrant.person_id == person.id)
        if kind is GrantKind.SHIFT:
            query = query.where(PrivilegeGrant.starts_at == starts_at)
    return ctx.session.scalar(query.limit(1)) is not None


def _watchers(ctx: Ctx, grant: PrivilegeGrant, *, exclude: set[int]) -> list[Staff]:
    """Every active director and auditor, and the affected person's current carers."""
    rows = list(ctx.session.scalars(select(Staff).where(
        Staff.role.in_([Role.DIRECTOR.value, Role.AUDITOR.value]), Staff.is_active.is_(True))))
    if grant.person_id is not None:
        rows += _carers(ctx, grant.person_id)
    seen: set[int] = set()
    out = []
    for staff in rows:
        if staff.id not in exclude and staff.id not in seen:
            seen.add(staff.id)
            out.append(staff)
    return out


def _carers(ctx: Ctx, person_id: int) -> list[Staff]:
    return list(ctx.session.scalars(select(Staff).join(
        Assignment, Assignment.staff_id == Staff.id).where(
        Assignment.person_id == person_id, Assignment.ended_at.is_(None),
        Staff.is_active.is_(True))))


# --- decisions --------------------------------------------------------------------------


def by_public_id(ctx: Ctx, public_id: str) -> PrivilegeGrant:
    grant = ctx.session.scalar(select(PrivilegeGrant).where(
        PrivilegeGrant.public_id == public_id[:32]))
    if grant is None:
        raise NotFound()
    return grant


def _subject(ctx: Ctx, grant: PrivilegeGrant) -> Staff:
    subject = ctx.session.get(Staff, grant.subject_id)
    assert subject is not None  # the foreign key cascades
    return subject


def approve_decision(ctx: Ctx, actor: Staff, grant: PrivilegeGrant) -> bool:
    return can_approve(kind=GrantKind(grant.kind), status=GrantStatus(grant.status),
                       actor_role=Role(actor.role), actor_id=actor.public_id,
                       requester_id=grant.requested_by,
                       subject_id=_subject(ctx, grant).public_id).allowed


def block_decision(ctx: Ctx, actor: Staff, grant: PrivilegeGrant) -> bool:
    return _block_rule(ctx, actor, grant).allowed


def _block_rule(ctx: Ctx, actor: Staff, grant: PrivilegeGrant,
                cared_for: set[int] | None = None) -> Decision:
    if cared_for is None:
        carer = grant.person_id is not None and any(
            s.id == actor.id for s in _carers(ctx, grant.person_id))
    else:
        carer = grant.person_id in cared_for
    return can_block(status=GrantStatus(grant.status), actor_role=Role(actor.role),
                     actor_id=actor.public_id, requester_id=grant.requested_by,
                     subject_id=_subject(ctx, grant).public_id, affected_carer=carer)


def approve(ctx: Ctx, actor: Staff, grant: PrivilegeGrant) -> None:
    """A second person with the authority approves: the grant takes effect now."""
    decision = can_approve(kind=GrantKind(grant.kind), status=GrantStatus(grant.status),
                           actor_role=Role(actor.role), actor_id=actor.public_id,
                           requester_id=grant.requested_by,
                           subject_id=_subject(ctx, grant).public_id)
    if not decision.allowed:
        ctx.audit("grant.approve", outcome="denied", object_type="grant",
                  object_ref=grant.public_id)
        raise ServiceError(*decision.reasons)
    if not _claim(ctx, grant, GrantStatus.EFFECTIVE, actor.public_id):
        raise ServiceError(GrantReason.NOT_PENDING)
    ctx.audit("grant.approve", object_type="grant", object_ref=grant.public_id)
    _apply(ctx, grant, GrantReason.APPROVED)


def block(ctx: Ctx, actor: Staff, grant: PrivilegeGrant) -> None:
    decision = _block_rule(ctx, actor, grant)
    if not decision.allowed:
        ctx.audit("grant.block", outcome="denied", object_type="grant",
                  object_ref=grant.public_id)
        raise ServiceError(*decision.reasons)
    if not _claim(ctx, grant, GrantStatus.BLOCKED, actor.public_id):
        raise ServiceError(GrantReason.NOT_PENDING)
    grant.reason = "blocked"
    if grant.kind == GrantKind.ACCOUNT.value:
        # A blocked new account is shown as deactivated, not as waiting for ever.
        _subject(ctx, grant).deactivated_at = ctx.now
    ctx.audit("grant.block", object_type="grant", object_ref=grant.public_id)
    requester = ctx.session.scalar(select(Staff).where(Staff.public_id == grant.requested_by))
    told = {actor.id, grant.subject_id}
    for staff in ([requester] if requester is not None else []) + _watchers(
            ctx, grant, exclude=told):
        if staff.id not in told:
            told.add(staff.id)
            notifications.notify(ctx, staff, "grant_blocked", object_ref=grant.public_id)
    ctx.session.flush()


def apply_due(ctx: Ctx) -> int:
    """Single-administrator grants whose 24 hours passed unblocked take effect."""
    applied = 0
    for grant in list(ctx.session.scalars(select(PrivilegeGrant).where(
            PrivilegeGrant.status == GrantStatus.PENDING.value,
            PrivilegeGrant.due_at.is_not(None), PrivilegeGrant.due_at <= ctx.now))):
        decision = takes_effect(status=GrantStatus(grant.status), approved=False,
                                single_administrator=grant.single_administrator,
                                requested_at=grant.requested_at, now=ctx.now)
        if decision.allowed and _claim(ctx, grant, GrantStatus.EFFECTIVE, None):
            _apply(ctx, grant, GrantReason.DELAY_PASSED)
            applied += 1
    return applied


def _claim(ctx: Ctx, grant: PrivilegeGrant, status: GrantStatus, actor: str | None) -> bool:
    won = ctx.session.execute(update(PrivilegeGrant).where(
        PrivilegeGrant.id == grant.id, PrivilegeGrant.status == GrantStatus.PENDING.value)
        .values(status=status.value, decided_by=actor, decided_at=ctx.now))
    ctx.session.refresh(grant)
    return bool(won.rowcount)  # type: ignore[attr-defined]


def _apply(ctx: Ctx, grant: PrivilegeGrant, why: GrantReason) -> None:
    """Write the access itself. Rechecked now: what was valid at the request may not be."""
    subject = _subject(ctx, grant)
    kind = GrantKind(grant.kind)
    try:
        if kind in (GrantKind.ACCOUNT, GrantKind.REACTIVATE):
            subject.is_active, subject.deactivated_at = True, None
            ctx.audit("staff.activate", object_type="staff", object_ref=subject.public_id)
            if kind is GrantKind.ACCOUNT:
                open_letter(ctx, subject, requested_by=grant.requested_by)
        elif kind is GrantKind.ROLE:
            accounts.change_role(ctx, subject, Role(grant.detail or ""))
        elif not subject.is_active:
            raise ServiceError(RosterReason.NOT_LIAISON_ROLE if kind is not
                               GrantKind.ASSIGNMENT else GrantReason.NOT_PENDING)
        elif kind is GrantKind.ASSIGNMENT:
            person = ctx.session.get(Person, grant.person_id)
            if person is None:
                raise NotFound()
            access.assign(ctx, person, subject)
            notifications.notify(ctx, subject, "assigned", object_ref=person.case_code)
        elif kind is GrantKind.DESIGNATION:
            roster.designate(ctx, subject, grant.detail or "")
        else:
            assert grant.starts_at is not None
            assert grant.ends_at is not None
            roster.add_shift(ctx, subject, grant.starts_at, grant.ends_at)
    except ServiceError as error:
        grant.status = GrantStatus.VOID.value
        grant.reason = str(error.reasons[0].value) if error.reasons else "not_found"
        ctx.session.flush()
        ctx.audit("grant.void", object_type="grant", object_ref=grant.public_id)
        return
    grant.reason = why.value
    ctx.session.flush()
    ctx.audit("grant.effective", outcome=why.value, object_type="grant",
              object_ref=grant.public_id)
    requester = ctx.session.scalar(select(Staff).where(Staff.public_id == grant.requested_by))
    if requester is not None:
        notifications.notify(ctx, requester, "grant_effective", object_ref=grant.public_id)


# --- what the pending-grants page shows -------------------------------------------------


def pending_for(ctx: Ctx, viewer: Staff) -> list[GrantRow]:
    """Directors and the auditor see every pending grant; a carer sees those touching the
    people assigned to them; nobody else sees any."""
    query = select(PrivilegeGrant, Staff).join(Staff, Staff.id == PrivilegeGrant.subject_id) \
        .where(PrivilegeGrant.status == GrantStatus.PENDING.value) \
        .order_by(PrivilegeGrant.requested_at)
    if Role(viewer.role) not in (Role.DIRECTOR, Role.AUDITOR):
        mine = select(Assignment.person_id).where(Assignment.staff_id == viewer.id,
                                                  Assignment.ended_at.is_(None))
        query = query.where(PrivilegeGrant.person_id.in_(mine))
    rows = list(ctx.session.execute(query))
    # Bounded statements: the viewer's people and the case codes, once for the whole page.
    cared_for = set(ctx.session.scalars(select(Assignment.person_id).where(
        Assignment.staff_id == viewer.id, Assignment.ended_at.is_(None))))
    codes = dict(ctx.session.execute(select(Person.id, Person.case_code).where(
        Person.id.in_({g.person_id for g, _s in rows if g.person_id is not None}))).all())
    out = []
    for grant, subject in rows:
        code = codes.get(grant.person_id) if grant.person_id is not None else None
        out.append(GrantRow(grant, subject, code,
                            approve_decision(ctx, viewer, grant),
                            _block_rule(ctx, viewer, grant, cared_for).allowed))
    return out


def is_effective(grant: PrivilegeGrant, *, now: datetime) -> bool:
    """The domain's view of one grant (used by tests and the page's wording)."""
    return takes_effect(status=GrantStatus(grant.status),
                        approved=grant.status == GrantStatus.EFFECTIVE.value,
                        single_administrator=grant.single_administrator,
                        requested_at=grant.requested_at, now=now).allowed


# --- enrolment letters ------------------------------------------------------------------


def open_letter(ctx: Ctx, staff: Staff, *, requested_by: str) -> EnrolmentLetter:
    """A letter waits to be printed by someone other than ``requested_by``; an older letter
    for the same account that was never printed is withdrawn."""
    ctx.session.execute(delete(EnrolmentLetter).where(EnrolmentLetter.staff_id == staff.id,
                                                      EnrolmentLetter.issued_at.is_(None)))
    letter = EnrolmentLetter(staff_id=staff.id, requested_by=requested_by, created_at=ctx.now)
    ctx.session.add(letter)
    ctx.session.flush()
    ctx.audit("staff.letter_open", object_type="staff", object_ref=staff.public_id)
    return letter


def letters_waiting(ctx: Ctx) -> list[tuple[EnrolmentLetter, Staff]]:
    return [(letter, staff) for letter, staff in ctx.session.execute(
        select(EnrolmentLetter, Staff).join(Staff, Staff.id == EnrolmentLetter.staff_id)
        .where(EnrolmentLetter.issued_at.is_(None)).order_by(EnrolmentLetter.created_at))]


def letter_by_public_id(ctx: Ctx, public_id: str) -> EnrolmentLetter:
    letter = ctx.session.scalar(select(EnrolmentLetter).where(
        EnrolmentLetter.public_id == public_id[:32]))
    if letter is None:
        raise NotFound()
    return letter


def may_issue(ctx: Ctx, actor: Staff, letter: EnrolmentLetter) -> bool:
    return _letter_rule(ctx, actor, letter).allowed


def _letter_rule(ctx: Ctx, actor: Staff, letter: EnrolmentLetter) -> Decision:
    staff = ctx.session.get(Staff, letter.staff_id)
    assert staff is not None
    return can_issue_letter(actor_role=Role(actor.role), actor_id=actor.public_id,
                            requester_id=letter.requested_by, subject_id=staff.public_id,
                            issued=letter.issued_at is not None, subject_active=staff.is_active)


def issue_letter(ctx: Ctx, actor: Staff, letter: EnrolmentLetter) -> tuple[Staff, str]:
    """Print the letter once: a fresh one-time password, known only to the printer and the
    sealed envelope. Every director and auditor is told that it was printed, and by whom."""
    decision = _letter_rule(ctx, actor, letter)
    if not decision.allowed:
        ctx.audit("staff.letter_issue", outcome="denied", object_type="letter",
                  object_ref=letter.public_id)
        raise ServiceError(*decision.reasons)
    won = ctx.session.execute(update(EnrolmentLetter).where(
        EnrolmentLetter.id == letter.id, EnrolmentLetter.issued_at.is_(None))
        .values(issued_at=ctx.now, issued_by=actor.public_id))
    if not won.rowcount:  # type: ignore[attr-defined]
        raise ServiceError(GrantReason.LETTER_ISSUED)
    staff = ctx.session.get(Staff, letter.staff_id)
    assert staff is not None
    password = accounts.generate_password()
    staff.password_hash = ctx.passwords.hash(password)
    staff.must_change_password, staff.password_changed_at = True, ctx.now
    ctx.session.flush()
    ctx.audit("staff.letter_issue", object_type="staff", object_ref=staff.public_id)
    for watcher in ctx.session.scalars(select(Staff).where(
            Staff.role.in_([Role.DIRECTOR.value, Role.AUDITOR.value]),
            Staff.is_active.is_(True), Staff.id != actor.id)):
        notifications.notify(ctx, watcher, "letter_issued", object_ref=staff.public_id)
    return staff, password
