"""Typed dates are checked: not in the future, not before what the rules put first."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from casework.domain.chronology import (
    TimeReason,
    check_interview_date,
    in_order,
    not_in_future,
)

TODAY = date(2026, 12, 2)
DAYS = {"yesterday": TODAY - timedelta(days=1), "today": TODAY,
        "tomorrow": TODAY + timedelta(days=1)}


@pytest.mark.parametrize(("held", "notice"), list(itertools.product(DAYS, DAYS)))
def test_interview_date_whole_cross_product(held, notice):
    decision = check_interview_date(DAYS[held], notice_given_on=DAYS[notice], today=TODAY)
    want = set()
    if held == "tomorrow":
        want.add(TimeReason.FUTURE)
    order = list(DAYS)
    if order.index(held) < order.index(notice):
        want.add(TimeReason.BEFORE_NOTICE)
    assert set(decision.reasons) == want and decision.allowed is not want


@pytest.mark.parametrize(("day", "allowed"), [("yesterday", True), ("today", True),
                                              ("tomorrow", False)])
def test_not_in_future(day, allowed):
    decision = not_in_future(DAYS[day], today=TODAY)
    assert decision.allowed is allowed
    assert decision.reasons == (() if allowed else (TimeReason.FUTURE,))


AT = datetime(2026, 12, 2, 10, 0)


@pytest.mark.parametrize("reason", [TimeReason.BEFORE_CLEARANCE,
                                    TimeReason.BEFORE_CONSULTATION,
                                    TimeReason.BEFORE_RISK_ASSESSMENT])
@pytest.mark.parametrize(("first", "then", "allowed"), [
    (None, AT, True), (AT, AT, True), (AT, AT + timedelta(seconds=1), True),
    (AT, AT - timedelta(seconds=1), False)])
def test_in_order(reason, first, then, allowed):
    decision = in_order(first, then, reason)
    assert decision.allowed is allowed
    assert decision.reasons == (() if allowed else (reason,))


def test_in_order_refuses_to_compare_a_day_with_an_instant():
    with pytest.raises(TypeError):
        in_order(TODAY, AT, TimeReason.BEFORE_NOTICE)
