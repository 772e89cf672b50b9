"""The on-call channel outside the app (issue 10, item 4): opt-in, outbox, delivery.

``notify()`` puts a row in the outbox for a staff member who opted in; the
``send_notifications`` job sends what is due: urgent rows at once (one message per staff
member and run), routine rows as one digest a day. A row is claimed by a conditional
UPDATE (status pending -> sending) committed before anything is sent, so two schedulers,
or one run twice, never send the same row twice. Messages carry no content (rule 5-7's
liaison is reached; nothing identifying leaves): ``compose`` gets a kind and a language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from casework.domain.notify_channel import (
    STALE_CLAIM,
    AddressReason,
    DeliveryStatus,
    MessageKind,
    check_address,
    digest_boundary,
    is_immediate,
    retry_at,
)
from casework.models import NotificationChannel, OutboundMessage, Staff
from casework.models.base import new_public_id
from casework.services.channels import DeliveryError, Sender
from casework.services.context import Ctx
from casework.services.errors import ServiceError
from casework.services.secrets_at_rest import seal, unseal

# (kind, language) -> (subject, body); supplied by the caller (translated text).
Compose = Callable[[MessageKind, str], tuple[str, str]]
PROBLEM_WINDOW = timedelta(days=7)
# Finished rows (sent, dropped, given up) are kept this long, then deleted.
KEEP_FINISHED = timedelta(days=30)


@dataclass(frozen=True)
class ChannelView:
    address: str | None
    opted_in: bool


def _channel(ctx: Ctx, staff: Staff) -> NotificationChannel | None:
    return ctx.session.scalar(select(NotificationChannel).where(
        NotificationChannel.staff_id == staff.id))


def _address(ctx: Ctx, staff: Staff, row: NotificationChannel) -> str | None:
    if row.address_ciphertext is None:
        return None
    return unseal(ctx.keys, "staff", row.address_ciphertext, table="notification_channels",
                  column="address_ciphertext", row=staff.public_id)


def settings_for(ctx: Ctx, staff: Staff) -> ChannelView:
    row = _channel(ctx, staff)
    if row is None:
        return ChannelView(None, False)
    return ChannelView(_address(ctx, staff, row), bool(row.opted_in))


def update_settings(ctx: Ctx, staff: Staff, *, address: str, opted_in: bool) -> ChannelView:
    """Store one's own address (sealed) and the opt-in; audited without the address.

    Opting in needs a valid address; an empty address with the box unticked clears it.
    Opting out drops whatever was still waiting to be sent."""
    address = address.strip()
    if address or opted_in:
        decision = check_address(address)
        if not decision.allowed:
            raise ServiceError(*decision.reasons)
    row = _channel(ctx, staff)
    if row is None:
        row = NotificationChannel(staff_id=staff.id)
        ctx.session.add(row)
    row.address_ciphertext = seal(ctx.keys, "staff", address, table="notification_channels",
                                  column="address_ciphertext",
                                  row=staff.public_id) if address else None
    row.opted_in = opted_in
    row.updated_at = ctx.now
    if not opted_in:
        _drop_pending(ctx, staff.id)
    ctx.session.flush()
    ctx.audit("account.notification_settings", outcome="opted_in" if opted_in
              else "opted_out", object_type="staff", object_ref=staff.public_id)
    return ChannelView(address or None, opted_in)


def _drop_pending(ctx: Ctx, staff_id: int) -> int:
    result = ctx.session.execute(update(OutboundMessage).where(
        OutboundMessage.staff_id == staff_id,
        OutboundMessage.status == DeliveryStatus.PENDING.value)
        .values(status=DeliveryStatus.DROPPED.value))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def enqueue(ctx: Ctx, staff: Staff, kind: str, *, urgent: bool) -> OutboundMessage | None:
    """Called by ``notify()``: queue a message for a staff member who opted in. Only the
    delivery kind is stored (urgent or digest), never the notification's own kind."""
    if not staff.is_active:
        return None
    opted = ctx.session.scalar(select(NotificationChannel.id).where(
        NotificationChannel.staff_id == staff.id, NotificationChannel.opted_in.is_(True),
        NotificationChannel.address_ciphertext.is_not(None)))
    if opted is None:
        return None
    message_kind = MessageKind.URGENT if is_immediate(kind, urgent=urgent) \
        else MessageKind.DIGEST
    row = OutboundMessage(staff_id=staff.id, kind=message_kind.value,
                          status=DeliveryStatus.PENDING.value, created_at=ctx.now,
                          next_attempt_at=ctx.now, attempts=0)
    ctx.session.add(row)
    ctx.session.flush()
    return row


def _due(now: datetime, boundary: datetime) -> Any:
    """Pending, its time come; a routine row only once a digest hour passed since."""
    return and_(OutboundMessage.status == DeliveryStatus.PENDING.value,
                OutboundMessage.next_attempt_at <= now,
                or_(OutboundMessage.kind == MessageKind.URGENT.value,
                    OutboundMessage.attempts > 0,
                    OutboundMessage.created_at < boundary))


def send_due(ctx: Ctx, sender: Sender, compose: Compose, *, digest_hour: int,
             timezone: str, default_language: str,
             commit: Callable[[], None]) -> dict[str, int]:
    """Send everything due now; returns integer counts (the job's record).

    ``commit`` ends a transaction: after the claims (so a second scheduler skips them) and
    after each delivery's outcome (so a crash later resends nothing already sent)."""
    counts = {"urgent_sent": 0, "digests_sent": 0, "failed_attempts": 0, "given_up": 0,
              "dropped": 0, "reclaimed": 0, "purged": 0}
    purged = ctx.session.execute(delete(OutboundMessage).where(
        OutboundMessage.status.in_([DeliveryStatus.SENT.value, DeliveryStatus.DROPPED.value,
                                    DeliveryStatus.FAILED.value]),
        OutboundMessage.created_at < ctx.now - KEEP_FINISHED))
    counts["purged"] = int(purged.rowcount or 0)  # type: ignore[attr-defined]
    # A claim older than STALE_CLAIM belongs to a run that crashed: offer it again.
    stale = ctx.session.execute(update(OutboundMessage).where(
        OutboundMessage.status == DeliveryStatus.SENDING.value,
        OutboundMessage.claimed_at < ctx.now - STALE_CLAIM)
        .values(status=DeliveryStatus.PENDING.value, claim=None))
    counts["reclaimed"] = int(stale.rowcount or 0)  # type: ignore[attr-defined]
    commit()
    boundary = digest_boundary(ctx.now, hour=digest_hour, timezone=timezone)
    groups = ctx.session.execute(select(OutboundMessage.staff_id, OutboundMessage.kind)
                                 .where(_due(ctx.now, boundary)).distinct()
                                 .order_by(OutboundMessage.kind.desc(),
                                           OutboundMessage.staff_id)).all()
    for staff_id, kind in groups:
        token = new_public_id()
        claimed = ctx.session.execute(update(OutboundMessage).where(
            OutboundMessage.staff_id == staff_id, OutboundMessage.kind == kind,
            _due(ctx.now, boundary)).values(status=DeliveryStatus.SENDING.value,
                                            claim=token, claimed_at=ctx.now))
        commit()
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue  # another run took them first
        outcome = _deliver(ctx, sender, compose, staff_id, MessageKind(kind), token,
                           default_language)
        counts[outcome] += 1
        commit()
    return counts


def _deliver(ctx: Ctx, sender: Sender, compose: Compose, staff_id: int, kind: MessageKind,
             token: str, default_language: str) -> str:
    rows = list(ctx.session.scalars(select(OutboundMessage).where(
        OutboundMessage.claim == token)))
    staff = ctx.session.get(Staff, staff_id)
    channel = _channel(ctx, staff) if staff is not None else None
    address = _address(ctx, staff, channel) if staff is not None and channel else None
    if staff is None or not staff.is_active or channel is None or not channel.opted_in \
            or not address:
        _finish(rows, DeliveryStatus.DROPPED)
        return "dropped"
    subject, body = compose(kind, staff.preferred_language or default_language)
    attempts = max(row.attempts for row in rows) + 1
    try:
        sender.send(address, subject, body)
    except DeliveryError as error:
        following = retry_at(attempts, ctx.now)
        for row in rows:
            row.attempts, row.last_attempt_at = attempts, ctx.now
            row.last_error = str(error)[:64]
            row.status = (DeliveryStatus.PENDING if following else DeliveryStatus.FAILED).value
            row.next_attempt_at = following or ctx.now
            row.claim = None
        ctx.session.flush()
        ctx.audit("notification.delivery", outcome="retry" if following else "given_up",
                  object_type="staff", object_ref=staff.public_id, actor="scheduler")
        return "failed_attempts" if following else "given_up"
    for row in rows:
        row.attempts, row.last_attempt_at, row.sent_at = attempts, ctx.now, ctx.now
        row.last_error = None
    _finish(rows, DeliveryStatus.SENT)
    ctx.session.flush()
    return "urgent_sent" if kind == MessageKind.URGENT else "digests_sent"


def _finish(rows: list[OutboundMessage], status: DeliveryStatus) -> None:
    for row in rows:
        row.status, row.claim = status.value, None


def send_test(ctx: Ctx, staff: Staff, sender: Sender, compose: Compose,
              language: str) -> bool:
    """The staff member's own test message, sent now; audited (outcome only)."""
    row = _channel(ctx, staff)
    address = _address(ctx, staff, row) if row is not None else None
    if not address:
        raise ServiceError(AddressReason.ADDRESS_REQUIRED)
    subject, body = compose(MessageKind.TEST, language)
    try:
        sender.send(address, subject, body)
    except DeliveryError:
        ctx.audit("account.notification_test", outcome="failed", object_type="staff",
                  object_ref=staff.public_id)
        return False
    ctx.audit("account.notification_test", object_type="staff", object_ref=staff.public_id)
    return True


@dataclass(frozen=True)
class DeliveryProblem:
    """For the director: whose deliveries are failing, counts only (no content)."""

    staff_public_id: str
    display_name: str
    role: str
    retrying: int
    failed: int
    last_attempt_at: datetime | None


@dataclass(frozen=True)
class DeliverySummary:
    waiting: int
    retrying: int
    failed: int
    sent_last_day: int
    problems: list[DeliveryProblem]


def summary(ctx: Ctx) -> DeliverySummary:
    """Counts by state and, per staff member, the deliveries that are retrying or were
    given up in the last seven days."""
    retrying = and_(OutboundMessage.status == DeliveryStatus.PENDING.value,
                    OutboundMessage.attempts > 0)
    failed = and_(OutboundMessage.status == DeliveryStatus.FAILED.value,
                  OutboundMessage.last_attempt_at >= ctx.now - PROBLEM_WINDOW)

    def count(*where: Any) -> int:
        return int(ctx.session.scalar(select(func.count()).select_from(OutboundMessage)
                                      .where(*where)) or 0)

    rows = ctx.session.execute(
        select(Staff.public_id, Staff.display_name, Staff.role,
               func.count().filter(retrying), func.count().filter(failed),
               func.max(OutboundMessage.last_attempt_at))
        .join(Staff, Staff.id == OutboundMessage.staff_id)
        .where(or_(retrying, failed))
        .group_by(Staff.public_id, Staff.display_name, Staff.role)
        .order_by(Staff.display_name)).all()
    return DeliverySummary(
        waiting=count(OutboundMessage.status == DeliveryStatus.PENDING.value,
                      OutboundMessage.attempts == 0),
        retrying=count(retrying), failed=count(failed),
        sent_last_day=count(OutboundMessage.status == DeliveryStatus.SENT.value,
                            OutboundMessage.sent_at >= ctx.now - timedelta(days=1)),
        problems=[DeliveryProblem(r[0], r[1], r[2], int(r[3]), int(r[4]), r[5])
                  for r in rows])
