"""SQLAlchemy 2.x models: persistence only (no crypto, no Flask, no rules)."""

from casework.models.audit import AuditChainHead, AuditEvent
from casework.models.base import Base, IntelBase
from casework.models.consent import (
    Clearance,
    CompensationEvent,
    Consent,
    LegalConsultation,
    LegalDecision,
    PoliceMeeting,
    PoliceUnit,
    PrivilegedNote,
    ProtectedAddress,
    RiskAssessment,
    UnitAssessment,
    WitnessReview,
)
from casework.models.disclosure import DisclosureItem, DisclosureRequest
from casework.models.intel import IntelEntry
from casework.models.persons import (
    Assignment,
    BreakGlass,
    CaseNote,
    Interview,
    InterviewAddendum,
    InterviewNotice,
    Notification,
    Person,
    Screening,
    SourceLink,
)
from casework.models.staff import ApiToken, LoginAttempt, RecoveryCode, Staff, StaffSession
from casework.models.subjects import (
    Attachment,
    BlindIndexEntry,
    DestructionCertificate,
    Subject,
    SubjectKey,
)

__all__ = [
    "DisclosureItem",
    "DisclosureRequest",
    "Clearance",
    "CompensationEvent",
    "Consent",
    "LegalConsultation",
    "LegalDecision",
    "PoliceMeeting",
    "PoliceUnit",
    "PrivilegedNote",
    "ProtectedAddress",
    "RiskAssessment",
    "UnitAssessment",
    "WitnessReview",
    "Assignment",
    "BreakGlass",
    "CaseNote",
    "IntelEntry",
    "Interview",
    "InterviewAddendum",
    "InterviewNotice",
    "Notification",
    "Screening",
    "SourceLink",
    "Attachment",
    "BlindIndexEntry",
    "DestructionCertificate",
    "Person",
    "Subject",
    "SubjectKey",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "IntelBase",
    "LoginAttempt",
    "RecoveryCode",
    "Staff",
    "StaffSession",
]
