"""Session lifetime and step-up freshness as a decision table (no clock, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casework.domain.sessions import SessionStatus, is_step_up_fresh, session_status

NOW = datetime(2026, 3, 8, 12, 0, 0)
IDLE = timedelta(minutes=15)
ABSOLUTE = timedelta(hours=8)
A, I, X = SessionStatus.ACTIVE, SessionStatus.IDLE_EXPIRED, SessionStatus.ABSOLUTE_EXPIRED


@pytest.mark.parametrize(("age", "idle_for", "expected"), [
    (timedelta(0), timedelta(0), A),
    (timedelta(minutes=10), timedelta(minutes=14, seconds=59), A),
    (timedelta(minutes=20), timedelta(minutes=15), I),           # exactly the idle limit
    (timedelta(minutes=20), timedelta(minutes=16), I),
    (timedelta(hours=7, minutes=59, seconds=59), timedelta(minutes=1), A),
    (timedelta(hours=8), timedelta(0), X),                        # exactly the absolute limit
    (timedelta(hours=8, seconds=1), timedelta(minutes=1), X),
    (timedelta(hours=9), timedelta(minutes=30), X),               # absolute wins over idle
    (timedelta(days=30), timedelta(days=30), X),
])
def test_session_status_table(age, idle_for, expected):
    status = session_status(created_at=NOW - age, last_seen_at=NOW - idle_for, now=NOW,
                            idle=IDLE, absolute=ABSOLUTE)
    assert status is expected


def test_limits_are_parameters_not_constants():
    status = session_status(created_at=NOW - timedelta(minutes=2),
                            last_seen_at=NOW - timedelta(minutes=2), now=NOW,
                            idle=timedelta(minutes=1), absolute=ABSOLUTE)
    assert status is I
    status = session_status(created_at=NOW - timedelta(minutes=2), last_seen_at=NOW, now=NOW,
                            idle=IDLE, absolute=timedelta(minutes=1))
    assert status is X


MAX = timedelta(minutes=5)


@pytest.mark.parametrize(("stepped_up_at", "fresh"), [
    (None, False),                                   # never stepped up
    (NOW, True),
    (NOW - timedelta(minutes=4, seconds=59), True),
    (NOW - MAX, True),                               # boundary is inclusive
    (NOW - MAX - timedelta(microseconds=1), False),
    (NOW - timedelta(hours=1), False),
    (NOW + timedelta(seconds=1), False),             # from the future: refuse
])
def test_step_up_freshness_table(stepped_up_at, fresh):
    assert is_step_up_fresh(stepped_up_at=stepped_up_at, now=NOW, max_age=MAX) is fresh
