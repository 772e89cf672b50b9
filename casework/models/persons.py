"""Victim records and the casework around them (issue 4).

Every identifying or narrative value is a ``*_ciphertext`` column under the person's own
data key. Plaintext columns hold only what the system itself needs to work (opaque ids,
dates of record-keeping, enumerated outcomes, who did what) and never a person's details.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class Person(Base):
    __tablename__ = "persons"
    # The people whose name-pair index is not written (recorded before it existed, until
    # `senim reindex names` reaches them, or with more name words than it covers): while
    # there is one, a name search takes the word-by-word path (services/persons.py).
    __table_args__ = (Index("ix_persons_unpaired", "id", sqlite_where=text("NOT name_pairs"),
                            postgresql_where=text("NOT name_pairs")),)
    # The columns holding ciphertext under the subject's data key (key rotation and the
    # plaintext-absence tests walk this list).
    encrypted_columns = ("names_ciphertext", "date_of_birth_ciphertext", "phones_ciphertext",
                         "profile_ciphertext")

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    case_code: Mapped[str] = mapped_column(String(16), unique=True)
    subject_id: Mapped[str] = mapped_column(
        ForeignKey("subjects.subject_id", ondelete="RESTRICT"), unique=True)
    names_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_of_birth_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    phones_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    profile_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))
    # True once the blind index holds every pair of this person's name words (issue 12).
    name_pairs: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Assignment(Base):
    """Who works with a person. Assignment is what gives access (deny by default)."""

    __tablename__ = "assignments"
    # "My people", newest first, straight from this index: a page reads its 25 rows
    # whether the caseworker has ten people or 100,000 (issue 12, access.people_page).
    # At most one open assignment per (staff, person): two people assigning at once cannot
    # double a row, and the kept caseload count (CaseloadCount) is a number of people.
    __table_args__ = (Index("ix_assignments_staff_open_person", "staff_id", "ended_at",
                            "person_id"),
                      Index("uq_assignments_open", "staff_id", "person_id", unique=True,
                            sqlite_where=text("ended_at IS NULL"),
                            postgresql_where=text("ended_at IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    assigned_by: Mapped[str | None] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class CaseloadCount(Base):
    """How many open assignments a member of staff has, kept by the database itself.

    Triggers on ``assignments`` (migration ``caseload_counts``) move the number with every
    insert, end, reassignment and delete, cascades included, in the same transaction as
    the row. "My people" states its total from this one row instead of counting the whole
    caseload on every page (issue 12). Only ``senim check`` writes it from Python: it
    compares it with a real count and sets it right (``services/caseloads.recount``)."""

    __tablename__ = "caseload_counts"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          primary_key=True, autoincrement=False)
    open_assignments: Mapped[int] = mapped_column(Integer, default=0)


class BreakGlass(Base):
    """Emergency access to a person one is not assigned to: reason written, time-boxed,
    audited, and the director is told."""

    __tablename__ = "break_glass_grants"
    encrypted_columns = ("reason_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Notification(Base):
    """A message to a member of staff: a kind code and an opaque reference, never content."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(48))
    object_ref: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class Screening(Base):
    """One screening decision; re-screening adds a row, history is never overwritten."""

    __tablename__ = "screenings"
    encrypted_columns = ("content_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    outcome: Mapped[str] = mapped_column(String(24))
    content_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    decided_by: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InterviewNotice(Base):
    """The pre-interview limited-disclosure notice (rule 81), given before any interview."""

    __tablename__ = "interview_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    language: Mapped[str] = mapped_column(String(8))
    response: Mapped[str] = mapped_column(String(16))  # acknowledged | refused
    given_by: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class Interview(Base):
    __tablename__ = "interviews"
    encrypted_columns = ("narrative_ciphertext", "interpreter_ciphertext")

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("interview_notices.id"), unique=True)
    interviewer: Mapped[str] = mapped_column(String(32))
    interviewee_role: Mapped[str] = mapped_column(String(24))
    place_type: Mapped[str] = mapped_column(String(24))
    held_on: Mapped[date] = mapped_column(Date)
    interpreter_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    narrative_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    signed_off_by: Mapped[str | None] = mapped_column(String(32))
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    # SHA-256 over the signed-off content and every addendum, chained (chain of custody).
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InterviewAddendum(Base):
    __tablename__ = "interview_addenda"
    encrypted_columns = ("text_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"),
                                              index=True)
    author: Mapped[str] = mapped_column(String(32))
    text_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))


class CaseNote(Base):
    """Case notes, services received and safety plans share one shape: a kind, a date,
    an encrypted body, and (for safety plans) a review date."""

    __tablename__ = "case_notes"
    encrypted_columns = ("body_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16))  # note | service | safety_plan
    service_type: Mapped[str | None] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    body_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    author: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SourceLink(Base):
    """The only bridge from a person to the intelligence they gave.

    The intelligence database holds just a random token; this row holds the token
    encrypted under the person's key and a keyed hash of it for lookup, so neither database
    alone can join an entry to anyone.
    """

    __tablename__ = "source_links"
    encrypted_columns = ("link_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    link_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
