"""Who may open a person's record (issue 4, item 1).

Assignment gives access; everyone else needs a break-glass grant with a written reason,
which is time-boxed. The director manages assignments but reads no victim content by
default, and the liaison and the auditor never see victim identities at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from casework.domain.decisions import Decision
from casework.domain.roles import Role

BREAK_GLASS_DURATION = timedelta(hours=1)
# Roles whose work is with the person and who may therefore be assigned or break glass.
CARE_ROLES = frozenset({Role.CASEWORKER, Role.PSYCHOLOGIST, Role.LEGAL_ADVISER})


class AccessReason(str, Enum):
    NOT_ASSIGNED = "not_assigned"
    ROLE_NEVER_SEES_IDENTITIES = "role_never_sees_identities"
    REASON_TOO_SHORT = "break_glass_reason_too_short"
    NOT_A_CARE_ROLE = "not_a_care_role"


def can_read_person(*, role: Role, assigned: bool, break_glass_until: datetime | None,
                    now: datetime) -> Decision:
    if role not in CARE_ROLES:
        return Decision.deny(AccessReason.ROLE_NEVER_SEES_IDENTITIES)
    if assigned or (break_glass_until is not None and now < break_glass_until):
        return Decision.allow()
    return Decision.deny(AccessReason.NOT_ASSIGNED)


def can_break_glass(*, role: Role, reason: str) -> Decision:
    """A reason a colleague could later check: at least a sentence, not "urgent"."""
    if role not in CARE_ROLES:
        return Decision.deny(AccessReason.ROLE_NEVER_SEES_IDENTITIES)
    if len(reason.strip()) < 20:
        return Decision.deny(AccessReason.REASON_TOO_SHORT)
    return Decision.allow()


def can_be_assigned(role: Role) -> Decision:
    return Decision.allow() if role in CARE_ROLES else Decision.deny(AccessReason.NOT_A_CARE_ROLE)
