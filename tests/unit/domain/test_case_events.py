"""The case timeline: what may be recorded and what each event sets off (rules 110-112)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from casework.domain.case_events import (
    NOTE_MAX_CHARS,
    SUSPECT_FREE,
    EventKind,
    EventReason,
    check_event,
    consequences,
)
from casework.domain.chronology import TimeReason

TODAY = date(2026, 12, 2)
KINDS = [k.value for k in EventKind] + ["escape", ""]
DAYS = (TODAY - timedelta(days=30), TODAY, TODAY + timedelta(days=1))
NOTES = ("", "x" * NOTE_MAX_CHARS, "x" * (NOTE_MAX_CHARS + 1))


@pytest.mark.parametrize(("kind", "day", "note"), list(itertools.product(KINDS, DAYS, NOTES)))
def test_check_event_whole_cross_product(kind, day, note):
    decision = check_event(kind=kind, occurred_on=day, note=note, today=TODAY)
    want = set()
    if kind not in {k.value for k in EventKind}:
        want.add(EventReason.UNKNOWN_KIND)
    if day > TODAY:
        want.add(TimeReason.FUTURE)
    if len(note) > NOTE_MAX_CHARS:
        want.add(EventReason.NOTE_TOO_LONG)
    assert set(decision.reasons) == want and decision.allowed is not want


@pytest.mark.parametrize("kind", list(EventKind))
def test_consequences(kind):
    tasks = dict(consequences(kind))
    if kind in (EventKind.RELEASE, EventKind.ACQUITTAL):
        # Rule 112: a suspect at liberty again: urgent safety task and safety-plan review.
        assert kind in SUSPECT_FREE
        assert tasks == {"urgent_safety_after_release": True, "safety_plan_review": True}
    else:
        assert kind not in SUSPECT_FREE
        assert all(not urgent for urgent in tasks.values()) and len(tasks) == 1
        assert next(iter(tasks)).startswith("inform_person_")
