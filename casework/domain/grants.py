"""Separation of duties on privilege (issue 11, point 3).

Anything that gives a member of staff access to victim data or release power (a new or
re-activated account, a role change, an assignment to a person, a liaison or deputy
designation, an on-call shift) is a *grant*. One administrator requests it; it takes effect
only when a second person with the same authority approves it, or, in an organisation that
has declared a single administrator, once 24 hours have passed without anyone blocking it.
During the wait every director, the auditor and the affected person's current carers are
notified and any of them can block it. The requester is never the subject and never the
approver; the subject never approves their own grant.

Pure rules: no database, no clock of their own (``now`` is passed in).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from casework.domain.decisions import Decision
from casework.domain.roles import Permission, Role, can

GRANT_DELAY = timedelta(hours=24)


class GrantKind(str, Enum):
    ACCOUNT = "account"  # a new account becomes usable
    REACTIVATE = "reactivate"  # a deactivated account becomes usable again
    ROLE = "role"  # an account's role changes
    ASSIGNMENT = "assignment"  # a member of staff is assigned to a person
    DESIGNATION = "designation"  # designated liaison or deputy
    SHIFT = "shift"  # an on-call shift (release power while on duty)


class GrantStatus(str, Enum):
    PENDING = "pending"
    EFFECTIVE = "effective"
    BLOCKED = "blocked"
    # Could not be applied when it came due (e.g. the account was deactivated meanwhile).
    VOID = "void"


class GrantReason(str, Enum):
    NOT_AUTHORISED = "grant_not_authorised"
    SELF_GRANT = "grant_self"
    REQUESTER_APPROVES = "grant_requester_cannot_approve"
    SUBJECT_APPROVES = "grant_subject_cannot_approve"
    NOT_PENDING = "grant_not_pending"
    ALREADY_PENDING = "grant_already_pending"
    CANNOT_BLOCK = "grant_cannot_block"
    APPROVED = "grant_approved"  # why a grant took effect
    DELAY_PASSED = "grant_delay_passed"
    AWAITING_APPROVAL = "grant_awaiting_approval"
    AWAITING_DELAY = "grant_awaiting_delay"
    LETTER_BY_REQUESTER = "letter_by_requester"
    LETTER_BY_SUBJECT = "letter_by_subject"
    LETTER_ISSUED = "letter_already_issued"
    LETTER_NOT_ACTIVE = "letter_account_not_active"


# Which authority requests (and approves) each kind of grant.
KIND_PERMISSION: dict[GrantKind, Permission] = {
    GrantKind.ACCOUNT: Permission.STAFF_MANAGE,
    GrantKind.REACTIVATE: Permission.STAFF_MANAGE,
    GrantKind.ROLE: Permission.STAFF_MANAGE,
    GrantKind.ASSIGNMENT: Permission.PERSON_ASSIGN,
    GrantKind.DESIGNATION: Permission.ROSTER_MANAGE,
    GrantKind.SHIFT: Permission.ROSTER_MANAGE,
}


def can_request(*, kind: GrantKind, actor_role: Role, actor_id: str, subject_id: str,
                duplicate_pending: bool) -> Decision:
    """Who may ask for a grant: holders of the kind's authority, never for themselves."""
    if not can(actor_role, KIND_PERMISSION[kind]):
        return Decision.deny(GrantReason.NOT_AUTHORISED)
    if actor_id == subject_id:
        return Decision.deny(GrantReason.SELF_GRANT)
    if duplicate_pending:
        return Decision.deny(GrantReason.ALREADY_PENDING)
    return Decision.allow()


def can_approve(*, kind: GrantKind, status: GrantStatus, actor_role: Role, actor_id: str,
                requester_id: str, subject_id: str) -> Decision:
    """A *second* holder of the same authority; never the requester, never the subject."""
    if status is not GrantStatus.PENDING:
        return Decision.deny(GrantReason.NOT_PENDING)
    if not can(actor_role, KIND_PERMISSION[kind]):
        return Decision.deny(GrantReason.NOT_AUTHORISED)
    if actor_id == requester_id:
        return Decision.deny(GrantReason.REQUESTER_APPROVES)
    if actor_id == subject_id:
        return Decision.deny(GrantReason.SUBJECT_APPROVES)
    return Decision.allow()


def can_block(*, status: GrantStatus, actor_role: Role, actor_id: str, requester_id: str,
              subject_id: str, affected_carer: bool) -> Decision:
    """Everyone who is told about a pending grant may stop it: any director, the auditor,
    the affected person's current carers; the requester may withdraw it. The subject may
    not (they cannot see who else watches, and blocking their own access proves nothing)."""
    if status is not GrantStatus.PENDING:
        return Decision.deny(GrantReason.NOT_PENDING)
    if actor_id == subject_id:
        return Decision.deny(GrantReason.CANNOT_BLOCK)
    if (actor_role in (Role.DIRECTOR, Role.AUDITOR) or affected_carer
            or actor_id == requester_id):
        return Decision.allow()
    return Decision.deny(GrantReason.CANNOT_BLOCK)


def due_at(*, requested_at: datetime, single_administrator: bool) -> datetime | None:
    """When an unapproved grant takes effect by itself (never, with two administrators)."""
    return requested_at + GRANT_DELAY if single_administrator else None


def takes_effect(*, status: GrantStatus, approved: bool, single_administrator: bool,
                 requested_at: datetime, now: datetime) -> Decision:
    """Is a grant in force at ``now``? Approved, or the single-administrator delay passed."""
    if status is GrantStatus.EFFECTIVE:
        return Decision(True, (GrantReason.APPROVED,))
    if status is not GrantStatus.PENDING:
        return Decision.deny(GrantReason.NOT_PENDING)
    if approved:
        return Decision(True, (GrantReason.APPROVED,))
    due = due_at(requested_at=requested_at, single_administrator=single_administrator)
    if due is None:
        return Decision.deny(GrantReason.AWAITING_APPROVAL)
    if now >= due:
        return Decision(True, (GrantReason.DELAY_PASSED,))
    return Decision.deny(GrantReason.AWAITING_DELAY)


def can_issue_letter(*, actor_role: Role, actor_id: str, requester_id: str, subject_id: str,
                     issued: bool, subject_active: bool) -> Decision:
    """The enrolment letter (the new account's one-time password) is printed by a director
    or the auditor who did not ask for the account, once, after the account took effect:
    the administrator who created an account never learns its password."""
    if actor_role not in (Role.DIRECTOR, Role.AUDITOR):
        return Decision.deny(GrantReason.NOT_AUTHORISED)
    if actor_id == requester_id:
        return Decision.deny(GrantReason.LETTER_BY_REQUESTER)
    if actor_id == subject_id:
        return Decision.deny(GrantReason.LETTER_BY_SUBJECT)
    if issued:
        return Decision.deny(GrantReason.LETTER_ISSUED)
    if not subject_active:
        return Decision.deny(GrantReason.LETTER_NOT_ACTIVE)
    return Decision.allow()
