"""Disclosure requests (issue 6) and what they depend on (consents, risk assessments).

A request lives in the casework database because it links intelligence to the people and
consents it relies on; the intelligence database never learns who a disclosure is about.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class DisclosureRequest(Base):
    __tablename__ = "disclosure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24), index=True)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    drafted_by: Mapped[str] = mapped_column(String(32))
    drafted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    stop_reason: Mapped[str | None] = mapped_column(String(48))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Bumped on every transition; a transition names the version it saw (no lost updates).
    version: Mapped[int] = mapped_column(Integer, default=1)


class DisclosureItem(Base):
    __tablename__ = "disclosure_items"
    encrypted_columns = ("handling_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True)
    entry_public_id: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), index=True)
    risk_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessments.id"))
    # What to withhold or generalise, under the source person's key (or none for entries
    # without a person).
    handling_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


# Statuses from which a request may still be stopped (not yet released or closed).
OPEN_STATUSES = ("draft", "submitted", "approved_first")
