"""Data subjects and their keys, blind indexes, attachments and destruction certificates.

A subject is anyone whose personal data we hold (a victim, a relative, a guardian). All of a
subject's encrypted values are under that subject's own random data key, which is stored
only wrapped by the casework KEK: destroying the wrapped key destroys the data everywhere
it was copied (crypto-shredding, issue 3).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class Subject(Base):
    __tablename__ = "subjects"

    subject_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(String(24))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    shredded_at: Mapped[datetime | None] = mapped_column(DateTime)


class SubjectKey(Base):
    """One version of a subject's data key, wrapped by a casework KEK version."""

    __tablename__ = "subject_keys"
    __table_args__ = (UniqueConstraint("subject_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        ForeignKey("subjects.subject_id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kek_version: Mapped[int] = mapped_column(Integer, index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BlindIndexEntry(Base):
    """Truncated HMAC of a normalised value (CipherSweet-style), for equality search."""

    __tablename__ = "blind_index_entries"
    # A candidate's other search terms are checked through its own few entries (issue 12,
    # subjects.matching_all_probes), never by reading every entry of a common name.
    __table_args__ = (Index("ix_blind_index_entries_subject_value", "subject_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        ForeignKey("subjects.subject_id", ondelete="CASCADE"), index=True)
    column: Mapped[str] = mapped_column(String(48))
    value: Mapped[bytes] = mapped_column(LargeBinary(8), index=True)


class Attachment(Base):
    """An encrypted file on disk; its per-file key is wrapped by the subject's data key."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    subject_id: Mapped[str] = mapped_column(
        ForeignKey("subjects.subject_id", ondelete="CASCADE"), index=True)
    owner_type: Mapped[str] = mapped_column(String(32))
    owner_ref: Mapped[str] = mapped_column(String(32), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    wrapped_file_key: Mapped[bytes] = mapped_column(LargeBinary)
    filename_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    ciphertext_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))


class DestructionCertificate(Base):
    """What was destroyed, when, on whose approval: never any of the content."""

    __tablename__ = "destruction_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    subject_id: Mapped[str] = mapped_column(String(32), index=True)
    case_code: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str | None] = mapped_column(String(32))
    approved_by: Mapped[str] = mapped_column(String(32))
    performed_at: Mapped[datetime] = mapped_column(DateTime)
    statement: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signing_key_version: Mapped[int] = mapped_column(Integer)


class ShredJob(Base):
    """A recorded intent to shred one subject and the step it has reached (resumable).

    ``plan`` holds opaque ids only (the intelligence entries learned from the subject,
    found while the subject's key still opened the source links); ``counts`` what each
    step destroyed. Both end up on the destruction certificate.
    """

    __tablename__ = "shred_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    subject_id: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str | None] = mapped_column(String(32))
    approved_by: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(Text)
    counts: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
