"""The designated liaison, deputies and the 24/7 on-call schedule (rules 1-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select

from casework.models import LiaisonDesignation, OnCallShift, Staff
from casework.services.context import Ctx
from casework.services.errors import ServiceError


class RosterReason(str, Enum):
    NOT_LIAISON_ROLE = "roster_staff_not_liaison_role"
    NOT_DESIGNATED = "roster_staff_not_designated"
    BAD_SHIFT = "roster_shift_invalid"
    ONE_LIAISON = "roster_one_designated_liaison"


def designations(ctx: Ctx) -> list[tuple[LiaisonDesignation, Staff]]:
    rows = ctx.session.execute(select(LiaisonDesignation, Staff).join(
        Staff, Staff.id == LiaisonDesignation.staff_id).where(
        LiaisonDesignation.ended_at.is_(None)).order_by(LiaisonDesignation.kind.desc()))
    return [(d, s) for d, s in rows]


def designate(ctx: Ctx, staff: Staff, kind: str) -> LiaisonDesignation:
    """Rule 1: one designated liaison; rule 2: deputies. Only staff in the liaison role."""
    if staff.role != "liaison" or not staff.is_active:
        raise ServiceError(RosterReason.NOT_LIAISON_ROLE)
    if kind not in ("liaison", "deputy"):
        raise ServiceError(RosterReason.NOT_DESIGNATED)
    for row, _ in designations(ctx):
        # A new designated liaison replaces the old one; a person holds one designation.
        if row.staff_id == staff.id or (kind == "liaison" and row.kind == "liaison"):
            row.ended_at = ctx.now
    row = LiaisonDesignation(staff_id=staff.id, kind=kind, designated_by=ctx.actor or "",
                             designated_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("roster.designate", outcome=kind, object_type="staff", object_ref=staff.public_id)
    return row


def end_designation(ctx: Ctx, staff: Staff) -> None:
    for row, _ in designations(ctx):
        if row.staff_id == staff.id:
            row.ended_at = ctx.now
    ctx.session.flush()
    ctx.audit("roster.end", object_type="staff", object_ref=staff.public_id)


def is_designated(ctx: Ctx, staff: Staff) -> bool:
    return any(row.staff_id == staff.id for row, _ in designations(ctx))


def check_shift(ctx: Ctx, staff: Staff, starts_at: datetime, ends_at: datetime) -> None:
    if not is_designated(ctx, staff):
        raise ServiceError(RosterReason.NOT_DESIGNATED)
    if ends_at <= starts_at or ends_at - starts_at > timedelta(days=14):
        raise ServiceError(RosterReason.BAD_SHIFT)


def add_shift(ctx: Ctx, staff: Staff, starts_at: datetime, ends_at: datetime) -> OnCallShift:
    check_shift(ctx, staff, starts_at, ends_at)
    shift = OnCallShift(staff_id=staff.id, starts_at=starts_at, ends_at=ends_at,
                        created_by=ctx.actor or "")
    ctx.session.add(shift)
    ctx.session.flush()
    ctx.audit("roster.shift", object_type="staff", object_ref=staff.public_id)
    return shift


def on_duty(ctx: Ctx, at: datetime | None = None) -> list[Staff]:
    """Designated liaisons or deputies with a shift covering this moment."""
    moment = at or ctx.now
    designated = {row.staff_id for row, _ in designations(ctx)}
    rows = ctx.session.scalars(select(Staff).join(OnCallShift, OnCallShift.staff_id == Staff.id)
                               .where(OnCallShift.starts_at <= moment,
                                      OnCallShift.ends_at > moment,
                                      Staff.is_active.is_(True)).distinct())
    return [s for s in rows if s.id in designated]


def is_on_duty(ctx: Ctx, staff: Staff) -> bool:
    return any(s.id == staff.id for s in on_duty(ctx))


@dataclass(frozen=True)
class Gap:
    starts_at: datetime
    ends_at: datetime


def coverage_gaps(ctx: Ctx, *, days: int = 14) -> list[Gap]:
    """Periods in the coming days when no designated liaison or deputy is on call."""
    start, end = ctx.now, ctx.now + timedelta(days=days)
    designated = {row.staff_id for row, _ in designations(ctx)}
    shifts = sorted((s.starts_at, s.ends_at) for s in ctx.session.scalars(
        select(OnCallShift).where(OnCallShift.ends_at > start, OnCallShift.starts_at < end))
        if s.staff_id in designated)
    gaps, cursor = [], start
    for begin, finish in shifts:
        if begin > cursor:
            gaps.append(Gap(cursor, min(begin, end)))
        cursor = max(cursor, finish)
    if cursor < end:
        gaps.append(Gap(cursor, end))
    return gaps


def shifts(ctx: Ctx, *, days: int = 14) -> list[tuple[OnCallShift, Staff]]:
    rows = ctx.session.execute(select(OnCallShift, Staff).join(
        Staff, Staff.id == OnCallShift.staff_id).where(
        OnCallShift.ends_at > ctx.now, OnCallShift.starts_at < ctx.now + timedelta(days=days))
        .order_by(OnCallShift.starts_at))
    return [(shift, staff) for shift, staff in rows]
