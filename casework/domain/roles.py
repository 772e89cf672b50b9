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


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset({Permission.ACCOUNT}),
    Role.PSYCHOLOGIST: frozenset({Permission.ACCOUNT}),
    Role.LEGAL_ADVISER: frozenset({Permission.ACCOUNT}),
    Role.LIAISON: frozenset({Permission.ACCOUNT}),
    Role.DIRECTOR: frozenset({Permission.ACCOUNT, Permission.STAFF_MANAGE}),
    Role.AUDITOR: frozenset({Permission.ACCOUNT, Permission.AUDIT_READ}),
}


def can(role: Role, permission: Permission) -> bool:
    """Does this role carry this permission?"""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
