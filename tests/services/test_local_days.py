"""Typed dates are the organisation's days, also in the hours when UTC is still yesterday.

Almaty is UTC+5: from 19:00 UTC it is already tomorrow there. A date a member of staff
typed (an assessment valid until, a review due on) ends at local midnight, not five hours
later; the dashboard calls a review overdue from the local morning after its day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from casework.domain.casenotes import NoteKind
from casework.domain.legal import UNIT_QUESTIONS, UnitRecommendation
from casework.services import access, accounts, casenotes, clock, dashboard, persons, police_units
from casework.services.errors import ServiceError
from tests.support import make_staff

DAY = date(2026, 6, 10)
# 23:30 on DAY in Almaty, then 00:30 on the next day there (still DAY in UTC).
LAST_LOCAL_HALF_HOUR = datetime(2026, 6, 10, 18, 30)
FIRST_LOCAL_HALF_HOUR = datetime(2026, 6, 10, 19, 30)

ANSWERS = {q: {"answer": "yes", "note": ""} for q in UNIT_QUESTIONS}


def at(ctx: Any, when: datetime) -> Any:
    return replace(ctx, now=when)


def test_the_clock_agrees_the_day_has_turned() -> None:
    assert clock.local_day(LAST_LOCAL_HALF_HOUR) == DAY
    assert clock.local_day(FIRST_LOCAL_HALF_HOUR) == DAY + timedelta(days=1)


def test_a_unit_assessment_ends_at_local_midnight(ctx) -> None:
    unit = police_units.create(ctx, name="Unit", jurisdiction="KZ")
    police_units.assess(at(ctx, datetime(2026, 5, 10, 6, 0)), unit, answers=ANSWERS,
                        recommendation=UnitRecommendation.CAUTION, valid_until=DAY)
    assert police_units.current_assessment(at(ctx, LAST_LOCAL_HALF_HOUR), unit) is not None
    assert police_units.current_assessment(at(ctx, FIRST_LOCAL_HALF_HOUR), unit) is None


def test_an_assessment_cannot_be_valid_only_until_a_local_day_already_begun(ctx) -> None:
    unit = police_units.create(ctx, name="Unit", jurisdiction="KZ")
    with pytest.raises(ServiceError):
        police_units.assess(at(ctx, FIRST_LOCAL_HALF_HOUR), unit, answers=ANSWERS,
                            recommendation=UnitRecommendation.CAUTION,
                            valid_until=DAY + timedelta(days=1))
    police_units.assess(at(ctx, FIRST_LOCAL_HALF_HOUR), unit, answers=ANSWERS,
                        recommendation=UnitRecommendation.CAUTION,
                        valid_until=DAY + timedelta(days=2))


def test_a_safety_plan_review_is_overdue_from_the_local_morning_after(app, ctx) -> None:
    login = make_staff(app, "caseworker")
    staff = accounts.by_public_id(ctx, login.public_id)
    person = persons.register(ctx, names=["A"], date_of_birth=None, phones=[])
    access.assign(ctx, person, staff)
    writer = at(ctx, datetime(2026, 6, 1, 6, 0)).as_actor(login.public_id)
    casenotes.add(writer, person, kind=NoteKind.SAFETY_PLAN, body="Plan.",
                  occurred_on=date(2026, 6, 1), review_on=DAY)

    def overdue(when: datetime) -> list[bool]:
        board = dashboard._deadlines(at(ctx, when), staff, dashboard._readable(staff, when))
        return [d.overdue for d in board if d.kind == "safety_plan_review"]

    assert overdue(LAST_LOCAL_HALF_HOUR) == [False]
    assert overdue(FIRST_LOCAL_HALF_HOUR) == [True]
