"""Consent, clearance, legal consultation, witness protection, risk, police units and
meetings (issue 5). Content is encrypted under the person's key; police-unit assessments
under the unit's own subject key. Plaintext columns are state the workflow needs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class PoliceUnit(Base):
    __tablename__ = "police_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(160))
    jurisdiction: Mapped[str] = mapped_column(String(80))
    # Assessments of a unit (corruption risk, leaks) must never reach that unit: they are
    # encrypted under a data key of the unit's own, like a person's record.
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.subject_id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UnitAssessment(Base):
    """The ten questions of rule 27 about one police unit, dated and reusable."""

    __tablename__ = "unit_assessments"
    encrypted_columns = ("answers_ciphertext", "override_ciphertext")

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    recommendation: Mapped[str] = mapped_column(String(32))
    answers_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    assessed_by: Mapped[str] = mapped_column(String(32))
    assessed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    valid_until: Mapped[date] = mapped_column(Date)
    # "Not recommended" allows thematic entries only, unless a legal adviser documents an
    # override of this assessment (issue 9; rules 73, 109). The reason is encrypted.
    override_by: Mapped[str | None] = mapped_column(String(32))
    override_at: Mapped[datetime | None] = mapped_column(DateTime)
    override_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class Consent(Base):
    """One written consent; append-only. Withdrawal sets ``withdrawn_at``, never deletes."""

    __tablename__ = "consents"
    encrypted_columns = ("scope_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    scope_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(32))
    form_attachment: Mapped[str | None] = mapped_column(String(32))


class Clearance(Base):
    """A psychologist's clearance for a legal consultation about police (rule 28)."""

    __tablename__ = "clearances"
    encrypted_columns = ("note_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    psychologist: Mapped[str] = mapped_column(String(32))
    cleared_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class LegalConsultation(Base):
    __tablename__ = "legal_consultations"
    encrypted_columns = ("content_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    adviser: Mapped[str] = mapped_column(String(32))
    held_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    unit_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("unit_assessments.id"))
    content_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class LegalDecision(Base):
    """The person's decision after advice; revisable at any time (rule 12), kept as history."""

    __tablename__ = "legal_decisions"
    encrypted_columns = ("note_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    decision: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class CompensationEvent(Base):
    """Compensation-claim tracker: one row per step (filed, hearing, awarded, paid...)."""

    __tablename__ = "compensation_events"
    encrypted_columns = ("note_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    route: Mapped[str] = mapped_column(String(16))  # criminal | civil
    status: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(32))
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class WitnessReview(Base):
    """One version of the witness-protection review; a new row per change keeps history."""

    __tablename__ = "witness_reviews"
    encrypted_columns = ("content_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    adviser: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_deadline: Mapped[date | None] = mapped_column(Date)
    content_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class PrivilegedNote(Base):
    """Legal advisers' privileged notes: no other role and no export ever reads them."""

    __tablename__ = "privileged_notes"
    encrypted_columns = ("text_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    author: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    text_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class RiskAssessment(Base):
    __tablename__ = "risk_assessments"
    encrypted_columns = ("content_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    assessor: Mapped[str] = mapped_column(String(32))
    assessed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    residual: Mapped[str] = mapped_column(String(16))
    content_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class ProtectedAddress(Base):
    """The organisation's shelters and offices: a police meeting may never be there."""

    __tablename__ = "protected_addresses"
    encrypted_columns = ("address_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    label: Mapped[str] = mapped_column(String(80))
    address_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PoliceMeeting(Base):
    __tablename__ = "police_meetings"
    encrypted_columns = ("details_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    scheduled_for: Mapped[datetime] = mapped_column(DateTime)
    place_type: Mapped[str] = mapped_column(String(24))
    lawyer_wanted: Mapped[bool] = mapped_column(Boolean)
    arranged_by: Mapped[str] = mapped_column(String(32))
    arranged_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Place, attendees and the (strictly confidential, rule 87) content of the meeting.
    details_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Issue 9: the contact is logged against the designated liaison or deputy (rules 2, 4);
    # the unit's recommendation shown to the arranger, and whether the person was warned.
    liaison_ref: Mapped[str | None] = mapped_column(String(32))
    unit_recommendation: Mapped[str | None] = mapped_column(String(32))
    person_warned: Mapped[bool] = mapped_column(Boolean, default=False,
                                                server_default=false())
