"""A release reaches the person from any source (issue 9, point 10; rules 111-112)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from casework.models import CaseEvent, Notification, Task
from casework.services import access, accounts, case_events, clock, feedback, persons
from casework.services.errors import ServiceError
from tests.services.test_disclosure_rules import make_world, release
from tests.support import make_staff

NOTE = "Released on bail; seen near her village on Tuesday."


def tasks(ctx: Any, person: Any) -> list[tuple[str, bool]]:
    return sorted((t.kind, t.urgent) for t in ctx.session.scalars(
        select(Task).where(Task.person_id == person.id)))


@pytest.mark.parametrize("kind", ["release", "acquittal"])
@pytest.mark.parametrize("role", ["caseworker", "psychologist", "legal_adviser"])
def test_any_staff_records_a_release_and_the_safety_tasks_follow(app, ctx, role, kind):
    recorder = make_staff(app, role)
    colleague = make_staff(app, "caseworker")
    person = persons.register(ctx, names=["A"], date_of_birth=None, phones=[])
    for login in (recorder, colleague):
        access.assign(ctx, person, accounts.by_public_id(ctx, login.public_id))
    c = ctx.as_actor(recorder.public_id)
    row = case_events.record(c, person, kind=kind, occurred_on=clock.today(c), note=NOTE)
    assert tasks(ctx, person) == [("safety_plan_review", True),
                                  ("urgent_safety_after_release", True)]
    urgent = ctx.session.scalar(select(Task).where(Task.kind == "urgent_safety_after_release"))
    assert urgent.due_at - urgent.created_at == timedelta(hours=4)
    told = set(ctx.session.scalars(select(Notification.staff_id).where(
        Notification.kind == "urgent_safety_after_release", Notification.urgent.is_(True))))
    assert len(told) == 2  # everyone working with the person, not only the recorder
    # The note is encrypted under the person's key, readable on the timeline.
    assert NOTE.encode() not in (row.note_ciphertext or b"")
    assert [(v.row.kind, v.note) for v in case_events.timeline(ctx, person)] == [(kind, NOTE)]


@pytest.mark.parametrize(("kind", "task"), [("arrest", "inform_person_arrest"),
                                            ("charge", "inform_person_charge"),
                                            ("hearing", "inform_person_hearing"),
                                            ("conviction", "inform_person_outcome")])
def test_other_events_ask_to_inform_the_person(ctx, kind, task):
    person = persons.register(ctx, names=["B"], date_of_birth=None, phones=[])
    case_events.record(ctx.as_actor("c" * 32), person, kind=kind,
                       occurred_on=clock.today(ctx))
    assert tasks(ctx, person) == [(task, False)]


def test_bad_events_are_refused_and_nothing_is_recorded(ctx):
    person = persons.register(ctx, names=["C"], date_of_birth=None, phones=[])
    with pytest.raises(ServiceError) as caught:
        case_events.record(ctx, person, kind="release",
                           occurred_on=clock.today(ctx) + timedelta(days=1))
    assert [r.value for r in caught.value.reasons] == ["date_in_future"]
    with pytest.raises(ServiceError) as caught:
        case_events.record(ctx, person, kind="escape", occurred_on=clock.today(ctx))
    assert [r.value for r in caught.value.reasons] == ["case_event_kind_unknown"]
    assert ctx.session.scalars(select(CaseEvent)).all() == []
    assert tasks(ctx, person) == []


def test_police_feedback_release_is_on_the_persons_timeline(app, ctx, tmp_path):
    world = make_world(app, ctx)
    request, package = release(ctx, world, tmp_path)
    feedback.record(ctx.as_actor(world.liaison.public_id), package, "release",
                    "The suspect was released on bail this afternoon.")
    events = case_events.timeline(ctx, world.person)
    assert [(v.row.kind, v.row.source, v.row.source_ref, v.note) for v in events] == [
        ("release", "police_feedback", request.reference, "")]
    assert tasks(ctx, world.person) == [("safety_plan_review", True),
                                        ("urgent_safety_after_release", True)]
