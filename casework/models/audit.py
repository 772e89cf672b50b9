"""Append-only, hash-chained audit trail. Opaque references only, never field values.

The trail is a small fixed set of chains ("streams", issue 12.3), each with its own head row,
so concurrent writers do not queue behind one lock; signed roots over every stream's head
prove that no stream was cut (docs/audit.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("stream", "seq"),)

    # Insertion order across all streams, for listing only: the chain does not rely on it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The stream and the position in it are assigned by the chain, not by the database, so
    # a gap is visible. Stream 0 is the chain as it was before streams existed.
    stream: Mapped[int] = mapped_column(Integer, server_default="0")
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_ref: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str | None] = mapped_column(String(32))
    key_version: Mapped[int] = mapped_column(Integer)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row per stream; locking it serialises appends to that stream only."""

    __tablename__ = "audit_chain_heads"

    stream: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    mac: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditRoot(Base):
    """A signed note naming every stream's head at one moment (docs/audit.md). Each note
    names the digest of the one before it (``prev``, unique), so the notes form a chain of
    their own and two notes can never claim the same predecessor."""

    __tablename__ = "audit_roots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    prev: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(Text)
