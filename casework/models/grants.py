"""Grants of privilege awaiting a second person, and enrolment letters (issue 11, point 3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class PrivilegeGrant(Base):
    """One request to give a member of staff access; nothing is granted until it takes effect.

    The rows that carry access (``staff.is_active``, assignments, designations, shifts) are
    written only when the grant takes effect, so every access check sees effective grants only.
    """

    __tablename__ = "privilege_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                            index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                                  index=True)
    # The role asked for (role change), or "liaison"/"deputy" (designation).
    detail: Mapped[str | None] = mapped_column(String(32))
    starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Fixed at request time: whether the 24-hour single-administrator delay applies.
    single_administrator: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(48))


class EnrolmentLetter(Base):
    """The sealed letter that carries a new (or reset) account's one-time password.

    Printed once, by someone other than the administrator who asked for the account or the
    reset; only the time and the issuer are kept, never the password.
    """

    __tablename__ = "enrolment_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by: Mapped[str | None] = mapped_column(String(32))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
