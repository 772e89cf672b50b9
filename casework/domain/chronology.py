"""Time is checked, not typed (rules 81, 83 and every "first ... then" of the rules).

A date a member of staff types is a claim. It may not lie in the future, and a record the
rules put after another (interview after the notice, consultation after the clearance,
disclosure after the consultation, release after the risk assessment) may not be dated
before it. Dates are compared as local calendar days; instants as instants.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from casework.domain.decisions import Decision


class TimeReason(str, Enum):
    FUTURE = "date_in_future"
    BEFORE_NOTICE = "interview_before_notice"  # rules 81, 83
    BEFORE_CLEARANCE = "consultation_before_clearance"  # rule 28
    BEFORE_CONSULTATION = "disclosure_before_consultation"  # rules 26-29
    BEFORE_RISK_ASSESSMENT = "release_before_risk_assessment"  # rules 65-74


def not_in_future(value: date, *, today: date) -> Decision:
    """A typed date of something that happened: today at the latest."""
    return Decision.deny(TimeReason.FUTURE) if value > today else Decision.allow()


def in_order(first: date | datetime | None, then: date | datetime,
             reason: TimeReason) -> Decision:
    """``then`` may not come before ``first`` (nothing to compare when ``first`` is None).

    Both must be of the same kind (two dates or two instants)."""
    if first is None:
        return Decision.allow()
    if isinstance(first, datetime) != isinstance(then, datetime):
        raise TypeError("compare a date with a date and an instant with an instant")
    return Decision.deny(reason) if then < first else Decision.allow()


def check_interview_date(held_on: date, *, notice_given_on: date, today: date) -> Decision:
    """Rules 81, 83: the interview is held on or after the day the notice was acknowledged,
    and not in the future."""
    reasons = list(not_in_future(held_on, today=today).reasons)
    reasons += in_order(notice_given_on, held_on, TimeReason.BEFORE_NOTICE).reasons
    return Decision.deny(*reasons) if reasons else Decision.allow()
