"""Time is checked, not typed (issue 9, point 8): the clock moves between two steps."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time

from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
from casework.domain.legal import LegalOption, PersonDecision
from casework.models import Interview, Staff
from casework.services import clock, interviews, legal, persons
from casework.services.errors import ServiceError
from tests.support import service_ctx


def refusal(call) -> set[str]:
    with pytest.raises(ServiceError) as caught:
        call()
    return {r.value for r in caught.value.reasons}


def interview(held_on):
    return interviews.InterviewInput(interviewee_role=IntervieweeRole.VICTIM,
                                     place_type=PlaceType.SHELTER, held_on=held_on,
                                     interpreter="", narrative="Recruited through an advert.")


def test_interview_not_before_the_notice_and_not_in_the_future(app, ctx):
    with freeze_time("2026-12-02 06:00:00"):  # 11:00 in Almaty
        c = service_ctx(app, "c" * 32)
        person = persons.register(c, names=["A"], date_of_birth=None, phones=[])
        notice = interviews.record_notice(c, person, language="kk",
                                          response=NoticeResponse.ACKNOWLEDGED)
        today = clock.today(c)
        assert refusal(lambda: interviews.record(c, person, notice.public_id, interview(
            today - timedelta(days=1)))) == {"interview_before_notice"}
        assert refusal(lambda: interviews.record(c, person, notice.public_id, interview(
            today + timedelta(days=1)))) == {"date_in_future"}
        # Nothing was claimed by the refusals: the notice still covers today's interview.
        row = interviews.record(c, person, notice.public_id, interview(today))
        assert row.held_on == today
        # Editing the date afterwards is held to the same rule.
        assert refusal(lambda: interviews.edit(c, person, row, interview(
            today - timedelta(days=3)))) == {"interview_before_notice"}
        assert c.session.get(Interview, row.id).held_on == today


def test_the_local_day_decides_not_the_utc_day(app, ctx):
    """At 02:00 in Almaty it is still yesterday in UTC: today's local date is accepted,
    the UTC date (yesterday) is before the notice."""
    with freeze_time("2026-12-01 21:00:00"):  # 2 December, 02:00 in Almaty
        c = service_ctx(app, "c" * 32)
        person = persons.register(c, names=["B"], date_of_birth=None, phones=[])
        notice = interviews.record_notice(c, person, language="kk",
                                          response=NoticeResponse.ACKNOWLEDGED)
        assert refusal(lambda: interviews.record(c, person, notice.public_id, interview(
            c.now.date()))) == {"interview_before_notice"}
        row = interviews.record(c, person, notice.public_id, interview(
            c.now.date() + timedelta(days=1)))
        assert row.held_on.isoformat() == "2026-12-02"


def test_consultation_cannot_come_before_the_clearance(ctx):
    person = persons.register(ctx, names=["C"], date_of_birth=None, phones=[])
    legal.clear(ctx, Staff(public_id="p" * 32, role="psychologist"), person, "Ready.")
    data = legal.ConsultationInput(unit=None, options_explained=frozenset(
        o.value for o in LegalOption), notices_given=legal.CONSULTATION_NOTICES,
        decision=PersonDecision.UNDECIDED, notes="")
    # The server clock is set back an hour (a bad NTP step): the clearance is "later".
    earlier = replace(ctx, now=ctx.now - timedelta(hours=1))
    assert refusal(lambda: legal.record_consultation(earlier, person, data)) == {
        "consultation_before_clearance"}
    assert legal.record_consultation(ctx, person, data) is not None


def test_compensation_event_not_in_the_future(ctx):
    person = persons.register(ctx, names=["D"], date_of_birth=None, phones=[])
    tomorrow = clock.today(ctx) + timedelta(days=1)
    assert refusal(lambda: legal.add_compensation_event(
        ctx, person, route="civil", status="filed", occurred_on=tomorrow, note="")) == {
        "date_in_future"}
    assert legal.add_compensation_event(ctx, person, route="civil", status="filed",
                                        occurred_on=clock.today(ctx), note="") is not None


def test_case_note_today_is_accepted_in_the_first_local_hours(app, ctx):
    from casework.domain.casenotes import NoteKind
    from casework.services import casenotes

    with freeze_time(datetime(2026, 12, 1, 20, 30)):  # 01:30 on 2 December in Almaty
        c = service_ctx(app, "c" * 32)
        person = persons.register(c, names=["E"], date_of_birth=None, phones=[])
        note = casenotes.add(c, person, kind=NoteKind.NOTE, body="Arrived at the shelter.",
                             occurred_on=clock.today(c))
        assert note.occurred_on.isoformat() == "2026-12-02"
        assert refusal(lambda: casenotes.add(
            c, person, kind=NoteKind.NOTE, body="x",
            occurred_on=clock.today(c) + timedelta(days=1))) == {"note_date_in_future"}
