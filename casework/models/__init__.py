"""SQLAlchemy 2.x models: persistence only (no crypto, no Flask, no rules)."""

from casework.models.audit import AuditChainHead, AuditEvent
from casework.models.base import Base, IntelBase
from casework.models.staff import ApiToken, LoginAttempt, RecoveryCode, Staff, StaffSession

__all__ = [
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
