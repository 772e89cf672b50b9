"""Roles and the permissions they carry: the single table the access gate consults.

Deny by default (issue 2, item 4): a permission not listed for a role is refused. The
director administers accounts but does not read victim content by default; the auditor
reads the audit trail and nothing else.
"""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    CASEWORKER = "caseworker"
    PSYCHOLOGIST = "psychologist"
    LEGAL_ADVISER = "legal_adviser"
    LIAISON = "liaison"
    DIRECTOR = "director"
    AUDITOR = "auditor"


class Permission(str, Enum):
    # Every signed-in member of staff: their own account, sessions, API tokens.
    ACCOUNT = "account"
    # Director: create, deactivate and reset staff accounts.
    STAFF_MANAGE = "staff.manage"
    # Auditor: browse and verify the audit trail.
    AUDIT_READ = "audit.read"
    # Care roles: open person records (object-level rules decide which: casework.domain.access).
    PERSON_READ = "person.read"
    PERSON_WRITE = "person.write"
    # Director: who works with whom (case codes only, no content).
    PERSON_ASSIGN = "person.assign"
    # Screening and interviews are the caseworker's; psychologists and lawyers read them.
    SCREENING_WRITE = "screening.write"
    INTERVIEW_WRITE = "interview.write"
    CASENOTE_WRITE = "casenote.write"
    # The intelligence area (no victim identities in it).
    INTEL_READ = "intel.read"
    INTEL_WRITE = "intel.write"
    INTEL_INCOMING = "intel.incoming"
    # Consent ledger (caseworker records, any care role reads within the record).
    CONSENT_WRITE = "consent.write"
    # Psychologist clearance before a legal consultation (rule 28).
    CLEARANCE_WRITE = "clearance.write"
    # Legal consultation, witness protection, privileged notes, police-unit assessments.
    LEGAL_WRITE = "legal.write"
    UNIT_ASSESS = "unit.assess"
    # Risk assessments before disclosure; meetings with police arranged by the organisation.
    RISK_WRITE = "risk.write"
    MEETING_WRITE = "meeting.write"
    # The director keeps the list of protected addresses (shelters, offices).
    ORGANISATION_MANAGE = "organisation.manage"
    # Disclosure: drafted by caseworkers and legal advisers, released by the liaison;
    # the director registers MoUs, keeps the liaison roster and co-signs emergencies.
    DISCLOSURE_DRAFT = "disclosure.draft"
    DISCLOSURE_REVIEW = "disclosure.review"
    MOU_MANAGE = "mou.manage"
    ROSTER_MANAGE = "roster.manage"
    TASKS = "tasks"
    # De-identified statistics (issue 15): suppressed aggregates only, never a record. The
    # director reports to the board, donors and the referral mechanism; the legal adviser
    # writes shadow reports to UN committees (rule 200). Not the auditor, who holds the
    # audit trail and nothing else.
    STATISTICS_READ = "statistics.read"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset({
        Permission.ACCOUNT, Permission.PERSON_READ, Permission.PERSON_WRITE,
        Permission.SCREENING_WRITE, Permission.INTERVIEW_WRITE, Permission.CASENOTE_WRITE,
        Permission.INTEL_READ, Permission.INTEL_WRITE, Permission.CONSENT_WRITE,
        Permission.RISK_WRITE, Permission.MEETING_WRITE, Permission.DISCLOSURE_DRAFT,
        Permission.TASKS}),
    Role.PSYCHOLOGIST: frozenset({
        Permission.ACCOUNT, Permission.PERSON_READ, Permission.CASENOTE_WRITE,
        Permission.CLEARANCE_WRITE, Permission.TASKS}),
    Role.LEGAL_ADVISER: frozenset({
        Permission.ACCOUNT, Permission.PERSON_READ, Permission.CASENOTE_WRITE,
        Permission.INTEL_READ, Permission.LEGAL_WRITE, Permission.UNIT_ASSESS,
        Permission.RISK_WRITE, Permission.MEETING_WRITE, Permission.CONSENT_WRITE,
        Permission.DISCLOSURE_DRAFT, Permission.TASKS, Permission.STATISTICS_READ}),
    # The liaison works with cleared intelligence only and never sees who it came from.
    Role.LIAISON: frozenset({
        Permission.ACCOUNT, Permission.INTEL_READ, Permission.INTEL_WRITE,
        Permission.INTEL_INCOMING, Permission.DISCLOSURE_REVIEW}),
    Role.DIRECTOR: frozenset({
        Permission.ACCOUNT, Permission.STAFF_MANAGE, Permission.PERSON_ASSIGN,
        Permission.ORGANISATION_MANAGE, Permission.UNIT_ASSESS, Permission.MOU_MANAGE,
        Permission.ROSTER_MANAGE, Permission.DISCLOSURE_REVIEW, Permission.STATISTICS_READ}),
    Role.AUDITOR: frozenset({Permission.ACCOUNT, Permission.AUDIT_READ}),
}


def can(role: Role, permission: Permission) -> bool:
    """Does this role carry this permission?"""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
