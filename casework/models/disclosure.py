"""Disclosure requests (issue 6) and what they depend on (consents, risk assessments).

A request lives in the casework database because it links intelligence to the people and
consents it relies on; the intelligence database never learns who a disclosure is about.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, new_public_id, utcnow


class DisclosureRequest(Base):
    __tablename__ = "disclosure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    mou_version_id: Mapped[int | None] = mapped_column(ForeignKey("mou_versions.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    tlp: Mapped[str] = mapped_column(String(20), default="TLP:AMBER+STRICT")
    handling_code: Mapped[str] = mapped_column(String(2), default="C")
    # Emergency grounds, the harm check and rejection reasons, under the organisation key.
    notes_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
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
    encrypted_columns = ("handling_ciphertext", "released_ciphertext")

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
    # The entry version this item discloses (issue 11): id in the intelligence database
    # and its content hash, set when drafted and moved only by returning the request to
    # draft. The package is built from this version alone.
    entry_version_id: Mapped[int | None] = mapped_column(Integer)
    entry_version_hash: Mapped[str | None] = mapped_column(String(64))
    # What left, exactly as packaged (rule 79), sealed like ``handling_ciphertext``.
    released_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class MouVersion(Base):
    """One registered version of an MoU with a police unit (terms as TOML, signed PDF)."""

    __tablename__ = "mou_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    mou_code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    terms_toml: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    signed_pdf: Mapped[str | None] = mapped_column(String(32))  # attachment public id
    registered_by: Mapped[str] = mapped_column(String(32))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    terminated_at: Mapped[datetime | None] = mapped_column(DateTime)


class LiaisonDesignation(Base):
    """The designated liaison and deputies (rules 1-2), set by the director."""

    __tablename__ = "liaison_designations"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # liaison | deputy
    designated_by: Mapped[str] = mapped_column(String(32))
    designated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class PoliceCall(Base):
    """A telephone contact with police, logged against the designated liaison or deputy
    through whom it went (rules 2, 4). No content: who, which unit, which way, when."""

    __tablename__ = "police_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # incoming | outgoing
    liaison_ref: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OnCallShift(Base):
    """Who answers the 24/7 phone when (rules 5-7)."""

    __tablename__ = "on_call_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(32))


class DisclosureApproval(Base):
    __tablename__ = "disclosure_approvals"
    __table_args__ = (UniqueConstraint("request_id", "approver"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True)
    approver: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(24))
    approved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DisclosurePackage(Base):
    """The released package: age-encrypted to the unit, so we cannot read it back either."""

    __tablename__ = "disclosure_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    # One package per request, enforced by the database as well as by the workflow.
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_requests.id"), unique=True)
    package_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    released_by: Mapped[str] = mapped_column(String(32))
    released_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    downloads_left: Mapped[int] = mapped_column(Integer, default=3)
    feedback_token: Mapped[str] = mapped_column(String(48))
    recalled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Issue 9: re-checked at every download. A package whose consent or MoU went before its
    # first download is revoked (file deleted, never handed over).
    first_downloaded_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    # When the unit's acknowledgement and outcome are due under the MoU (for reminders).
    ack_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome_due_at: Mapped[datetime | None] = mapped_column(DateTime)


class PackageFeedback(Base):
    __tablename__ = "package_feedback"
    encrypted_columns = ("note_ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    package_id: Mapped[int] = mapped_column(ForeignKey("disclosure_packages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class DisclosureLedger(Base):
    """Which kinds of quasi-identifying detail about a source went to which unit, when."""

    __tablename__ = "disclosure_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("police_units.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    package_id: Mapped[int] = mapped_column(ForeignKey("disclosure_packages.id"))


class Task(Base):
    """Work someone must do: tell the person of an arrest, review safety after a release."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                                  index=True)
    kind: Mapped[str] = mapped_column(String(40))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    object_ref: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_by: Mapped[str | None] = mapped_column(String(32))
    # Issue 10: who must act. A person (owner_staff_id) or a role (owner_role, e.g. "director"
    # or "liaison" meaning whoever is on duty); neither = the person's assigned staff.
    owner_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    owner_role: Mapped[str | None] = mapped_column(String(24))
    # The duty that created it and the condition's key: unique, so a duty run twice creates
    # nothing twice (e.g. "mou_review:U-123:2027-01-31"). Null for tasks made by a user action.
    duty_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    # 0 = with the owner; 1 = deputy or another assignee; 2 = director.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)


class JobRun(Base):
    """One run of a scheduled job: what the director's "scheduled jobs" page shows.

    Counts only, never content: ``counts`` is a short JSON object of integers.
    """

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(48), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # ok|failed|running
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    counts: Mapped[str | None] = mapped_column(String(400))
    error: Mapped[str | None] = mapped_column(String(80))  # an exception class name only


class RecallNotice(Base):
    """Consent withdrawn after release: the unit must be told under the MoU (MOU-15)."""

    __tablename__ = "recall_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    package_id: Mapped[int] = mapped_column(ForeignKey("disclosure_packages.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_by: Mapped[str | None] = mapped_column(String(32))


# Statuses from which a request may still be stopped (not yet released or closed).
OPEN_STATUSES = ("draft", "submitted", "approved_first")
