"""Which key version is current, and which version each running process uses (issue 16).

The key file holds the key material; the casework database names the current version of
each key set (with its fingerprint, so a key file that made its own "v2" is caught), and
every process that wraps or seals records here which versions it used last. No key
material is stored in these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base


class KeyState(Base):
    """The authoritative current version of one key set."""

    __tablename__ = "key_state"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    current_version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class KeyUser(Base):
    """A running process's acknowledgement: the versions it protects new data with."""

    __tablename__ = "key_users"

    process_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    versions: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
