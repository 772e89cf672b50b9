"""Object-level access to person records: assignment, break-glass, and the audit of both."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    bindparam,
    distinct,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.exc import IntegrityError

from casework.domain.access import (
    BREAK_GLASS_DURATION,
    can_be_assigned,
    can_break_glass,
    can_read_person,
)
from casework.domain.roles import Role
from casework.models import (
    Assignment,
    BreakGlass,
    CaseloadCount,
    Person,
    SourceLink,
    Staff,
)
from casework.services import notifications, paging, subjects
from casework.services.context import Ctx
from casework.services.db import read_columns
from casework.services.errors import NotFound, ServiceError


class AccessDenied(ServiceError):  # noqa: N818
    """The actor may not open this record; ``reasons`` says why (e.g. not assigned)."""


def is_assigned(ctx: Ctx, person: Person, staff: Staff) -> bool:
    return ctx.session.scalar(select(Assignment.id).where(
        Assignment.person_id == person.id, Assignment.staff_id == staff.id,
        Assignment.ended_at.is_(None))) is not None


def break_glass_until(ctx: Ctx, person: Person, staff: Staff) -> datetime | None:
    return ctx.session.scalar(select(BreakGlass.expires_at).where(
        BreakGlass.person_id == person.id, BreakGlass.staff_id == staff.id,
        BreakGlass.expires_at > ctx.now).order_by(BreakGlass.expires_at.desc()).limit(1))


@functools.cache
def _opening() -> tuple[Select[Person], Select[bool, datetime]]:
    """The two statements every record page runs, built once and run with bound values
    (issue 12): the person by case code; whether this member of staff is assigned and
    until when an emergency grant runs."""
    person_id: Any = bindparam("person_id")
    staff_id: Any = bindparam("staff_id")
    by_code = select(Person).where(Person.case_code == bindparam("case_code"))
    may_open = select(
        exists().where(Assignment.person_id == person_id, Assignment.staff_id == staff_id,
                       Assignment.ended_at.is_(None)),
        select(func.max(BreakGlass.expires_at)).where(
            BreakGlass.person_id == person_id, BreakGlass.staff_id == staff_id,
            BreakGlass.expires_at > bindparam("now")).scalar_subquery())
    return by_code, may_open


def require_person(ctx: Ctx, staff: Staff, case_code: str) -> Person:
    """The person, if this member of staff may open the record; audited either way.

    Unknown case codes and forbidden ones are both answered with the same refusal to
    people outside the care roles, so guessing codes reveals nothing.
    """
    by_code, may_open = _opening()
    person = ctx.session.scalar(by_code, {"case_code": case_code[:16]})
    if person is None:
        ctx.audit("person.open", outcome="not_found", object_type="person")
        raise NotFound()
    # Both facts in one statement: every record page asks (issue 12).
    assigned, until = read_columns(ctx.session, may_open, {
        "person_id": person.id, "staff_id": staff.id, "now": ctx.now}, on=Assignment).one()
    decision = can_read_person(role=Role(staff.role), assigned=bool(assigned),
                               break_glass_until=until, now=ctx.now)
    if not decision.allowed:
        ctx.audit("person.open", outcome="denied", object_type="person",
                  object_ref=person.case_code)
        raise AccessDenied(*decision.reasons)
    return person


def visible_subject_ids(ctx: Ctx, staff: Staff) -> set[str]:
    """Subjects this member of staff may currently search and list."""
    if Role(staff.role) not in {Role.CASEWORKER, Role.PSYCHOLOGIST, Role.LEGAL_ADVISER}:
        return set()
    assigned = select(Assignment.person_id).where(Assignment.staff_id == staff.id,
                                                  Assignment.ended_at.is_(None))
    glass = select(BreakGlass.person_id).distinct().where(BreakGlass.staff_id == staff.id,
                                               BreakGlass.expires_at > ctx.now)
    return set(ctx.session.scalars(select(Person.subject_id).where(
        Person.id.in_(assigned) | Person.id.in_(glass))))


def _visible_people(ctx: Ctx, staff: Staff) -> Select[Any] | None:
    if Role(staff.role) not in {Role.CASEWORKER, Role.PSYCHOLOGIST, Role.LEGAL_ADVISER}:
        return None
    assigned = select(Assignment.person_id).where(Assignment.staff_id == staff.id,
                                                  Assignment.ended_at.is_(None))
    glass = select(BreakGlass.person_id).distinct().where(BreakGlass.staff_id == staff.id,
                                               BreakGlass.expires_at > ctx.now)
    return select(Person).where(Person.id.in_(assigned) | Person.id.in_(glass))


def may_read_at(staff: Any, now: Any, person_id: Any) -> ColumnElement[bool]:
    """``person_id`` (a column) names someone ``staff`` is assigned to or holds emergency
    access to at ``now``: checked row by row through the assignment and break-glass
    indexes, so a query that starts from a few rows (search candidates, open tasks) stays
    as fast with 100,000 assigned people as with ten, where ``IN (subquery)`` would first
    list every assigned person (issue 12). ``staff`` and ``now`` may be bound parameters
    (the menu's counters are built once per role)."""
    return or_(
        exists().where(Assignment.person_id == person_id, Assignment.staff_id == staff.id,
                       Assignment.ended_at.is_(None)),
        exists().where(BreakGlass.person_id == person_id, BreakGlass.staff_id == staff.id,
                       BreakGlass.expires_at > now))


@dataclass(frozen=True)
class Visibility:
    """Whom a search may show: a condition on ``Person`` built once, with bound parameters,
    and the values to run it with (issue 12: a search builds no statement per request)."""

    clause: ColumnElement[bool]
    params: dict[str, Any]


EVERYONE = Visibility(true(), {})  # no restriction: services and their tests


def visibility(ctx: Ctx, staff: Staff) -> Visibility | None:
    """The same people as :func:`visible_person_ids` (None: nobody); see
    :func:`may_read_at`."""
    if Role(staff.role) not in {Role.CASEWORKER, Role.PSYCHOLOGIST, Role.LEGAL_ADVISER}:
        return None
    return Visibility(_visible_to_viewer(), {"viewer_id": staff.id, "viewer_now": ctx.now})


@functools.cache
def _visible_to_viewer() -> ColumnElement[bool]:
    viewer = SimpleNamespace(id=bindparam("viewer_id"))
    return may_read_at(viewer, bindparam("viewer_now", type_=DateTime), Person.id)


def visible_person_ids(ctx: Ctx, staff: Staff) -> Select[Any] | None:
    """The ids of the people :func:`visible_subject_ids` names, as a subquery."""
    query = _visible_people(ctx, staff)
    return None if query is None else query.with_only_columns(Person.id)


def people_by_id(ctx: Ctx, ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in ctx.session.scalars(select(Person).where(Person.id.in_(ids)))}


def people_page(ctx: Ctx, staff: Staff, request: paging.PageRequest) -> paging.Page[Person]:
    """One page of the people this member of staff may open, newest first (issue 12):
    the same people as :func:`visible_subject_ids`, counted and paged in the database.

    Read from the assignment index (staff, open, person) and the few emergency grants, in
    person-id order (the order people were registered in), so the page costs the same
    with ten people as with 100,000. The total is the caseload count the database keeps
    (``CaseloadCount``, one row read) plus the emergency grants not also assigned: no
    count over the whole caseload on every page."""
    if Role(staff.role) not in {Role.CASEWORKER, Role.PSYCHOLOGIST, Role.LEGAL_ADVISER}:
        return paging.everything([])
    sources, count = _caseload()
    params = {"staff_id": staff.id, "now": ctx.now}
    total = ctx.session.execute(count, params).one()
    return paging.id_page(ctx.session, Person, sources,
                          int(total[0] or 0) + int(total[1] or 0), request, params)


@functools.cache
def _caseload() -> tuple[tuple[Select[Any], Select[Any]], Select[Any]]:
    """The "my people" statements, built once and run with the viewer's id and the time
    (issue 12): the two id sources (assignments, emergency grants) and the total."""
    staff_id: Any = bindparam("staff_id")
    now: Any = bindparam("now")
    open_assignment = and_(Assignment.staff_id == staff_id, Assignment.ended_at.is_(None))
    assigned = select(Assignment.person_id).where(open_assignment)
    glass = select(BreakGlass.person_id).distinct().where(BreakGlass.staff_id == staff_id,
                                                          BreakGlass.expires_at > now)
    also_assigned = exists().where(open_assignment, Assignment.person_id == BreakGlass.person_id)
    count = select(
        select(CaseloadCount.open_assignments).where(CaseloadCount.staff_id == staff_id)
        .scalar_subquery(),
        select(func.count(distinct(BreakGlass.person_id))).where(
            BreakGlass.staff_id == staff_id, BreakGlass.expires_at > now,
            ~also_assigned).scalar_subquery())
    return (assigned, glass), count


def assigned_people(ctx: Ctx, staff: Staff) -> list[Person]:
    ids = visible_subject_ids(ctx, staff)
    if not ids:
        return []
    return list(ctx.session.scalars(select(Person).where(Person.subject_id.in_(ids))
                                    .order_by(Person.created_at.desc())))


def people_with_sources(ctx: Ctx, staff: Staff) -> list[Person]:
    """The visible people intelligence was learned from (those with source links), newest
    first: a disclosure draft offers only their entries, so nobody else is loaded."""
    query = _visible_people(ctx, staff)
    if query is None:
        return []
    return list(ctx.session.scalars(query.where(Person.id.in_(select(SourceLink.person_id)))
                                    .order_by(Person.created_at.desc(), Person.id.desc())))


def assign(ctx: Ctx, person: Person, staff: Staff) -> None:
    decision = can_be_assigned(Role(staff.role))
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    if not is_assigned(ctx, person, staff):
        # Two people assigning the same member of staff at once: the unique partial index
        # refuses the second open row inside a savepoint, and the first assignment stands.
        try:
            with ctx.session.begin_nested():
                ctx.session.add(Assignment(person_id=person.id, staff_id=staff.id,
                                           assigned_by=ctx.actor, assigned_at=ctx.now))
        except IntegrityError:
            pass
    ctx.audit("person.assign", object_type="person", object_ref=person.case_code)


def unassign(ctx: Ctx, person: Person, staff: Staff) -> None:
    for row in ctx.session.scalars(select(Assignment).where(
            Assignment.person_id == person.id, Assignment.staff_id == staff.id,
            Assignment.ended_at.is_(None))):
        row.ended_at = ctx.now
    ctx.session.flush()
    ctx.audit("person.unassign", object_type="person", object_ref=person.case_code)


def assignees(ctx: Ctx, person: Person) -> list[Staff]:
    return list(ctx.session.scalars(_assignees(), {"person_id": person.id}))


def assignee_names(ctx: Ctx, person: Person) -> list[str]:
    """The names of the staff assigned to the person, in the order they were assigned: a
    read of one column, for a page that only shows them (issue 12)."""
    return list(read_columns(ctx.session, _assignee_names(), {"person_id": person.id},
                             on=Staff).scalars())


@functools.cache
def _assignee_names() -> Select[str]:
    return (select(Staff.display_name).join(Assignment, Assignment.staff_id == Staff.id)
            .where(Assignment.person_id == bindparam("person_id"),
                   Assignment.ended_at.is_(None))
            .order_by(Assignment.id))


@functools.cache
def _assignees() -> Select[Staff]:
    return select(Staff).join(Assignment, Assignment.staff_id == Staff.id).where(
        Assignment.person_id == bindparam("person_id"), Assignment.ended_at.is_(None))


def assignees_of(ctx: Ctx, people: list[Person]) -> dict[int, list[Staff]]:
    """:func:`assignees` for a page of people, in one statement."""
    if not people:
        return {}
    out: dict[int, list[Staff]] = {p.id: [] for p in people}
    for person_id, staff in ctx.session.execute(select(Assignment.person_id, Staff).join(
            Assignment, Assignment.staff_id == Staff.id).where(
            Assignment.person_id.in_(list(out)), Assignment.ended_at.is_(None))
            .order_by(Assignment.id)):
        out[person_id].append(staff)
    return out


def break_glass(ctx: Ctx, staff: Staff, case_code: str, reason: str) -> Person:
    """Open a record one is not assigned to, for one hour, with a written reason."""
    person = ctx.session.scalar(select(Person).where(Person.case_code == case_code[:16]))
    if person is None:
        raise NotFound()
    decision = can_break_glass(role=Role(staff.role), reason=reason)
    if not decision.allowed:
        ctx.audit("person.break_glass", outcome="denied", object_type="person",
                  object_ref=person.case_code)
        raise AccessDenied(*decision.reasons)
    grant = BreakGlass(person_id=person.id, staff_id=staff.id, granted_at=ctx.now,
                       expires_at=ctx.now + BREAK_GLASS_DURATION)
    ctx.session.add(grant)
    ctx.session.flush()
    grant.reason_ciphertext = subjects.seal(ctx, person.subject_id, reason.strip(),
                                            table="break_glass_grants",
                                            column="reason_ciphertext", row=grant.public_id)
    ctx.audit("person.break_glass", object_type="person", object_ref=person.case_code)
    for director in ctx.session.scalars(select(Staff).where(
            Staff.role == Role.DIRECTOR.value, Staff.is_active.is_(True))):
        notifications.notify(ctx, director, "break_glass", object_ref=person.case_code,
                             urgent=True)
    return person


def all_people(ctx: Ctx) -> list[Person]:
    """Case codes only, for the director's assignment page (no content is decrypted)."""
    return list(ctx.session.scalars(select(Person).order_by(Person.created_at.desc())))


def all_people_page(ctx: Ctx, request: paging.PageRequest) -> paging.Page[Person]:
    """:func:`all_people`, a page at a time (case codes only, nothing decrypted)."""
    return paging.keyset(ctx.session, select(Person), (Person.created_at, Person.id), request)


def staff_by_public_id(ctx: Ctx, public_id: str) -> Staff:
    staff = ctx.session.scalar(select(Staff).where(Staff.public_id == public_id))
    if staff is None:
        raise NotFound()
    return staff
