"""The intelligence store (issue 4), in its own database under the intelligence KEK.

Nothing here names a person: an entry knows its source only as a random token. Each entry
has its own data key, wrapped by the intelligence KEK, under which its text, time, place
and tags are encrypted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import IntelBase, new_public_id, utcnow


class IntelEntry(IntelBase):
    __tablename__ = "intel_entries"
    encrypted_columns = ("details_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    direction: Mapped[str] = mapped_column(String(16))  # own | incoming
    kind: Mapped[str] = mapped_column(String(16))  # thematic | specific
    subject_area: Mapped[str] = mapped_column(String(32))
    source_type: Mapped[str] = mapped_column(String(32))
    source_token: Mapped[str | None] = mapped_column(String(64), index=True)
    source_evaluation: Mapped[str] = mapped_column(String(2))
    intel_assessment: Mapped[str] = mapped_column(String(2))
    handling_code: Mapped[str] = mapped_column(String(2))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    details_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    privacy_status: Mapped[str] = mapped_column(String(16))  # not_needed|pending|cleared
    privacy_reviewed_by: Mapped[str | None] = mapped_column(String(32))
    privacy_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_from: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
