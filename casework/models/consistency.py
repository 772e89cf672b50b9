"""Bookkeeping of writes that touch both databases (issue 16.5, docs/operations.md).

A unit of work that changes the intelligence database commits there first, together with
an undo journal row; the casework side then commits with a marker for the same id. The
marker's primary key is the arbiter: whoever inserts it first (the real commit, or the
reconciler declaring the write aborted) decides what happened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, IntelBase, utcnow


class CrossWrite(Base):
    """Casework side: a write that also touched the intelligence database."""

    __tablename__ = "cross_writes"

    txid: Mapped[str] = mapped_column(String(32), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))  # committed | aborted
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class IntelWriteJournal(IntelBase):
    """Intelligence side: how to undo one write until the casework side confirms it.

    ``undo`` holds the rows' previous values exactly as the database already stores them
    (ciphertext stays ciphertext), so the journal reveals nothing the table does not.
    """

    __tablename__ = "intel_write_journal"

    txid: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    undo: Mapped[str] = mapped_column(Text)
