"""In-app notifications: a kind and an opaque reference only (never any content), so a
notification can be shown on a locked phone screen or forwarded without leaking anything."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.models import Notification, Staff
from casework.services import outbox, paging
from casework.services.context import Ctx


def notify(ctx: Ctx, staff: Staff, kind: str, *, object_ref: str | None = None,
           urgent: bool = False) -> Notification:
    row = Notification(staff_id=staff.id, kind=kind, object_ref=object_ref, actor=ctx.actor,
                       urgent=urgent, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    # Issue 10: and outside the app, for whoever opted in (content-free, kind not stored).
    outbox.enqueue(ctx, staff, kind, urgent=urgent)
    return row


def for_staff(ctx: Ctx, staff: Staff, *, limit: int = 50) -> list[Notification]:
    return list(ctx.session.scalars(select(Notification).where(
        Notification.staff_id == staff.id).order_by(Notification.created_at.desc())
        .limit(limit)))


def page_for_staff(ctx: Ctx, staff: Staff,
                   request: paging.PageRequest) -> paging.Page[Notification]:
    """One page of this member of staff's notifications, newest first (issue 12)."""
    return paging.keyset(ctx.session, select(Notification).where(
        Notification.staff_id == staff.id), (Notification.created_at, Notification.id), request)


def unread_count(ctx: Ctx, staff: Staff) -> int:
    return ctx.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.staff_id == staff.id, Notification.read_at.is_(None))) or 0


def mark_read(ctx: Ctx, staff: Staff, public_id: str) -> None:
    row = ctx.session.scalar(select(Notification).where(
        Notification.staff_id == staff.id, Notification.public_id == public_id))
    if row is not None and row.read_at is None:
        row.read_at = ctx.now
        ctx.session.flush()
