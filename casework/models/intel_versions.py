"""Versions of intelligence entries (issue 11): every edit is a new immutable row.

A version holds the entry's text and fields encrypted under the entry's own data key (so
shredding the entry's key shreds every version) and a keyed content hash that a privacy
review and a disclosure item bind to. Nothing here names a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import IntelBase, new_public_id, utcnow


class IntelEntryVersion(IntelBase):
    __tablename__ = "intel_entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)
    encrypted_columns = ("details_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("intel_entries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # current | superseded | proposed | declined (casework.domain.versions.VersionState)
    state: Mapped[str] = mapped_column(String(16), index=True)
    # For a proposal: the version number it was written against.
    base_number: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    subject_area: Mapped[str] = mapped_column(String(32))
    source_type: Mapped[str] = mapped_column(String(32))
    source_evaluation: Mapped[str] = mapped_column(String(2))
    intel_assessment: Mapped[str] = mapped_column(String(2))
    handling_code: Mapped[str] = mapped_column(String(2))
    details_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # HMAC-SHA256 (hex) of the canonical content under a key derived from the entry key.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    privacy_status: Mapped[str] = mapped_column(String(16))  # not_needed|pending|cleared
    privacy_reviewed_by: Mapped[str | None] = mapped_column(String(32))
    privacy_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    privacy_reviewed_hash: Mapped[str | None] = mapped_column(String(64))
