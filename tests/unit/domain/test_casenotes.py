"""Case notes, services received and safety plans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.domain.casenotes import (
    MAX_REVIEW_INTERVAL,
    NoteKind,
    NoteReason,
    ServiceType,
    check_note,
    is_review_due,
)

R = NoteReason
TODAY = date(2026, 3, 12)
DAY = timedelta(days=1)


def check(kind=NoteKind.NOTE, body="Met at the shelter; discussed next steps.", occurred_on=TODAY,
          service_type=None, review_on=None):
    return check_note(kind=kind, body=body, occurred_on=occurred_on, today=TODAY,
                      service_type=service_type, review_on=review_on)


def test_review_interval_is_at_most_92_days():
    assert timedelta(days=92) == MAX_REVIEW_INTERVAL


@pytest.mark.parametrize(("kwargs", "reasons"), [
    pytest.param({}, (), id="note-today"),
    pytest.param({"occurred_on": TODAY - 400 * DAY}, (), id="note-long-ago"),
    pytest.param({"occurred_on": TODAY + DAY}, (R.FUTURE_DATE,), id="note-tomorrow"),
    pytest.param({"body": ""}, (R.EMPTY,), id="empty-body"),
    pytest.param({"body": " \n\t "}, (R.EMPTY,), id="whitespace-body"),
    pytest.param({"body": "", "occurred_on": TODAY + DAY}, (R.EMPTY, R.FUTURE_DATE),
                 id="empty-and-future"),
    pytest.param({"service_type": ServiceType.LEGAL, "review_on": TODAY - DAY}, (),
                 id="plain-note-ignores-service-and-review-fields"),
    # Services
    pytest.param({"kind": NoteKind.SERVICE, "service_type": ServiceType.MEDICAL}, (),
                 id="service-with-type"),
    pytest.param({"kind": NoteKind.SERVICE}, (R.SERVICE_TYPE_REQUIRED,),
                 id="service-without-type"),
    pytest.param({"kind": NoteKind.SERVICE, "service_type": ServiceType.OTHER}, (),
                 id="service-other"),
    pytest.param({"kind": NoteKind.SERVICE, "body": "", "occurred_on": TODAY + DAY},
                 (R.EMPTY, R.FUTURE_DATE, R.SERVICE_TYPE_REQUIRED),
                 id="service-all-wrong-in-order"),
    # Safety plans
    pytest.param({"kind": NoteKind.SAFETY_PLAN, "review_on": TODAY + 30 * DAY}, (),
                 id="plan-review-in-a-month"),
    pytest.param({"kind": NoteKind.SAFETY_PLAN, "review_on": TODAY}, (),
                 id="plan-review-today"),
    pytest.param({"kind": NoteKind.SAFETY_PLAN, "review_on": TODAY + 92 * DAY}, (),
                 id="plan-review-at-92-days"),
    pytest.param({"kind": NoteKind.SAFETY_PLAN, "review_on": TODAY + 93 * DAY},
                 (R.REVIEW_TOO_FAR,), id="plan-review-at-93-days"),
    pytest.param({"kind": NoteKind.SAFETY_PLAN, "review_on": TODAY - DAY},
                 (R.REVIEW_DATE_PAST,), id="plan-review-yesterday"),
    pytest.param({"kind": NoteKind.SAFETY_PLAN}, (R.REVIEW_DATE_REQUIRED,),
                 id="plan-no-review-date"),
    pytest.param({"kind": NoteKind.SAFETY_PLAN, "review_on": TODAY + DAY,
                  "service_type": None}, (), id="plan-needs-no-service-type"),
    pytest.param({"kind": NoteKind.SAFETY_PLAN, "body": "", "occurred_on": TODAY + DAY},
                 (R.EMPTY, R.FUTURE_DATE, R.REVIEW_DATE_REQUIRED),
                 id="plan-all-wrong-in-order"),
])
def test_check_note(kwargs, reasons):
    decision = check(**kwargs)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("review_on", "due"), [
    pytest.param(None, False, id="no-review-date"),
    pytest.param(TODAY - 10 * DAY, True, id="overdue"),
    pytest.param(TODAY - DAY, True, id="yesterday"),
    pytest.param(TODAY, True, id="today"),
    pytest.param(TODAY + DAY, False, id="tomorrow"),
])
def test_is_review_due(review_on, due):
    assert is_review_due(review_on=review_on, today=TODAY) is due
