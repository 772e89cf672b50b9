"""Contact with a police unit outside a package: meetings (rules 2, 4, 15, 47, 70, 103, 104,
109).

Whoever arranges a meeting sees the unit's current assessment; on "not recommended" they
must record that the person was warned, and then the person's informed choice is respected
(rule 15: never obstructed). Every contact is logged against the designated liaison or
deputy (rules 2, 4), and the first contact needs a current risk assessment (rule 47).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from casework.domain.decisions import Decision
from casework.domain.release_gates import NOT_RECOMMENDED


class ContactReason(str, Enum):
    UNIT_NOT_ASSESSED = "contact_unit_not_assessed"
    WARNING_NOT_RECORDED = "contact_warning_not_recorded"
    NO_RISK_ASSESSMENT = "contact_no_current_risk_assessment"
    NOT_THROUGH_LIAISON = "contact_not_through_liaison"
    DIRECTION_UNKNOWN = "contact_direction_unknown"
    IN_THE_FUTURE = "contact_time_in_the_future"


DIRECTIONS = ("incoming", "outgoing")


def meeting_contact(*, recommendation: str | None, person_warned: bool,
                    risk_current: bool, liaison_designated: bool) -> Decision:
    """May this meeting with police be arranged? ``recommendation`` is the unit's current
    assessment (None: none current)."""
    reasons: list[ContactReason] = []
    if recommendation is None:
        reasons.append(ContactReason.UNIT_NOT_ASSESSED)
    elif recommendation == NOT_RECOMMENDED and not person_warned:
        reasons.append(ContactReason.WARNING_NOT_RECORDED)
    if not risk_current:
        reasons.append(ContactReason.NO_RISK_ASSESSMENT)
    if not liaison_designated:
        reasons.append(ContactReason.NOT_THROUGH_LIAISON)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def call_contact(*, direction: str, liaison_designated: bool, occurred_at: datetime,
                 now: datetime) -> Decision:
    """May this telephone contact with police be logged (rules 2, 4)?"""
    reasons: list[ContactReason] = []
    if direction not in DIRECTIONS:
        reasons.append(ContactReason.DIRECTION_UNKNOWN)
    if not liaison_designated:
        reasons.append(ContactReason.NOT_THROUGH_LIAISON)
    if occurred_at > now:
        reasons.append(ContactReason.IN_THE_FUTURE)
    return Decision.deny(*reasons) if reasons else Decision.allow()
