"""The timeline of a person's case in the justice system (rules 110-112)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class CaseEvent(Base):
    """One event (arrest, charge, hearing, release, acquittal, conviction); append-only.

    The kind and the day are plain (the tasks and the order need them); anything written
    about it is encrypted under the person's key.
    """

    __tablename__ = "case_events"
    encrypted_columns = ("note_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # staff | police_feedback
    source_ref: Mapped[str | None] = mapped_column(String(32))  # disclosure reference
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
