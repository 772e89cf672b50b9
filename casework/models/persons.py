"""Victim records (issue 4). Every identifying value is a ciphertext column under the
person's own data key; the case code is the only handle used in the interface and logs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class Person(Base):
    __tablename__ = "persons"
    # The columns holding ciphertext under the subject's data key (key rotation and the
    # plaintext-absence tests walk this list).
    encrypted_columns = ("names_ciphertext", "date_of_birth_ciphertext", "phones_ciphertext")

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    case_code: Mapped[str] = mapped_column(String(16), unique=True)
    subject_id: Mapped[str] = mapped_column(
        ForeignKey("subjects.subject_id", ondelete="RESTRICT"), unique=True)
    names_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_of_birth_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    phones_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))
