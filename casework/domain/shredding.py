"""When a subject's data may be destroyed (issue 3, item 7)."""

from __future__ import annotations

from enum import Enum

from casework.domain.decisions import Decision


class ShredReason(str, Enum):
    """Why destruction was requested (recorded on the certificate)."""

    ERASURE_REQUEST = "erasure_request"
    RETENTION_EXPIRED = "retention_expired"
    CREATED_IN_ERROR = "created_in_error"


class ShredRefusal(str, Enum):
    LEGAL_HOLD = "legal_hold"
    ALREADY_SHREDDED = "already_shredded"
    APPROVER_REQUIRED = "approver_required"
    APPROVER_IS_REQUESTER = "approver_is_requester"
    APPROVER_NOT_DIRECTOR = "approver_not_director"


def can_shred(*, legal_hold: bool, already_shredded: bool, requested_by: str | None,
              approved_by: str | None, approver_is_director: bool) -> Decision:
    """Destruction is irreversible: it needs an approver other than the requester, and a
    legal hold (an open prosecution, a court order) always wins. Only an active director
    may approve."""
    reasons: list[ShredRefusal] = []
    if already_shredded:
        reasons.append(ShredRefusal.ALREADY_SHREDDED)
    if legal_hold:
        reasons.append(ShredRefusal.LEGAL_HOLD)
    if not approved_by:
        reasons.append(ShredRefusal.APPROVER_REQUIRED)
    elif requested_by is not None and approved_by == requested_by:
        reasons.append(ShredRefusal.APPROVER_IS_REQUESTER)
    if approved_by and not approver_is_director:
        reasons.append(ShredRefusal.APPROVER_NOT_DIRECTOR)
    return Decision.deny(*reasons) if reasons else Decision.allow()
