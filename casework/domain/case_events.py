"""The timeline of a person's case in the justice system (rules 110-112).

Victims are told of arrests and charges (rule 111), and above all of releases, "so that
steps can be taken to protect them" (rule 112). A release reaches the person whoever learnt
of it: police feedback on a package, a court, a relative, the person themself. Any member
of staff working with the person records it; what it sets off does not depend on who did.
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from casework.domain.chronology import TimeReason
from casework.domain.decisions import Decision

NOTE_MAX_CHARS = 4000


class EventKind(str, Enum):
    ARREST = "arrest"
    CHARGE = "charge"
    HEARING = "hearing"
    RELEASE = "release"
    ACQUITTAL = "acquittal"
    CONVICTION = "conviction"


class EventSource(str, Enum):
    STAFF = "staff"  # recorded on the person's record by any of their staff
    POLICE_FEEDBACK = "police_feedback"  # feedback on a released package


class EventReason(str, Enum):
    UNKNOWN_KIND = "case_event_kind_unknown"
    NOTE_TOO_LONG = "case_event_note_too_long"


# A suspect at liberty again (released, acquitted): the person's safety comes first, tonight.
SUSPECT_FREE = frozenset({EventKind.RELEASE, EventKind.ACQUITTAL})

# What each event asks of the people caring for the person: (task kind, urgent).
TASKS: dict[EventKind, tuple[tuple[str, bool], ...]] = {
    EventKind.ARREST: (("inform_person_arrest", False),),
    EventKind.CHARGE: (("inform_person_charge", False),),
    EventKind.HEARING: (("inform_person_hearing", False),),
    EventKind.RELEASE: (("urgent_safety_after_release", True), ("safety_plan_review", True)),
    EventKind.ACQUITTAL: (("urgent_safety_after_release", True), ("safety_plan_review", True)),
    EventKind.CONVICTION: (("inform_person_outcome", False),),
}


def parse_kind(value: str) -> EventKind | None:
    try:
        return EventKind(value)
    except ValueError:
        return None


def check_event(*, kind: str, occurred_on: date, note: str, today: date) -> Decision:
    """Can this event be recorded? A known kind, a date that is not in the future."""
    reasons: list[Enum] = []
    if parse_kind(kind) is None:
        reasons.append(EventReason.UNKNOWN_KIND)
    if occurred_on > today:
        reasons.append(TimeReason.FUTURE)
    if len(note) > NOTE_MAX_CHARS:
        reasons.append(EventReason.NOTE_TOO_LONG)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def consequences(kind: EventKind) -> tuple[tuple[str, bool], ...]:
    """The tasks an event creates, whoever recorded it and wherever it came from."""
    return TASKS[kind]
