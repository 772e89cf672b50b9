"""The on-call channel outside the app (issue 10): each staff member's own opt-in address,
and the outbox of messages to send. Neither table holds any content: the address is
sealed under the staff key set, a message row is a kind code, counts and times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class NotificationChannel(Base):
    """A staff member's e-mail address for notifications, and whether they opted in."""

    __tablename__ = "notification_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          unique=True)
    # Staff data: AEAD-sealed under the "staff" key set (bound to this row), never logged.
    address_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    opted_in: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutboundMessage(Base):
    """One message to one staff member: urgent (at once) or a routine item waiting for the
    day's digest (all of a staff member's due routine rows leave as ONE message)."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(16))  # urgent | digest
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When it may go (now for urgent, the digest hour for routine), then each retry's time.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An exception class name only (never the server's reply, which may echo the address).
    last_error: Mapped[str | None] = mapped_column(String(64))
