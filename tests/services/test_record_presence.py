"""The record page's presence probe (issue 12) never hides a section that has something to
show: checked against the services' own reads for every person of the demo organisation,
whose records hold consents, clearances, risk, meetings, legal entries, tasks and more."""

from __future__ import annotations

from sqlalchemy import select

from casework.extensions import db
from casework.models import InterviewNotice, Person, SourceLink
from casework.services import (
    case_events,
    casenotes,
    consents,
    dashboard,
    demo,
    intel,
    legal,
    meetings,
    record_presence,
    risk,
)
from tests.support import isolated_instance, service_ctx


def _truth(ctx, person: Person) -> dict[str, bool]:
    """What each section's own read finds (exactly, or for two parts: at least)."""
    return {
        "consents": bool(consents.ledger(ctx, person)),
        "clearance": legal.active_clearance(ctx, person) is not None,
        "risk": bool(risk.for_person(ctx, person)),
        "meetings": bool(meetings.for_person(ctx, person)),
        "case_events": bool(case_events.timeline(ctx, person)),
        "legal_decisions": bool(legal.decisions(ctx, person)),
        "legal_consultations": bool(legal.consultations(ctx, person)),
        "witness_reviews": bool(legal.witness_reviews(ctx, person)),
        "compensation": bool(legal.compensation(ctx, person)),
        "urgent_tasks": bool(dashboard.urgent_tasks_about(ctx, person)),
        "safety_plan": casenotes.current_safety_plan(ctx, person) is not None,
        # The page shows the newest fresh notice and the entries the links lead to: the
        # probe asks only whether there is any notice or link, which is never less.
        "interview_notices": ctx.session.scalar(select(InterviewNotice.id).where(
            InterviewNotice.person_id == person.id).limit(1)) is not None,
        "source_links": ctx.session.scalar(select(SourceLink.id).where(
            SourceLink.person_id == person.id).limit(1)) is not None,
    }


def test_the_probe_agrees_with_every_section_for_every_demo_person(tmp_path):
    with isolated_instance(tmp_path) as app, app.app_context():
        ctx = service_ctx(app)
        demo.load_demo(ctx, tmp_path)
        db.session.commit()
        people = list(db.session.scalars(select(Person)))
        assert len(people) >= 5
        seen: set[str] = set()
        for person in people:
            truth = _truth(ctx, person)
            assert set(truth) == record_presence.PARTS
            found = record_presence.parts_with_rows(ctx, person)
            assert found == {part for part, present in truth.items() if present}, \
                person.case_code
            assert not intel.entries_for_person(ctx, person) or "source_links" in found
            seen |= found
        # Not vacuous: the demo's records fill most parts somewhere.
        assert len(seen) >= 8, sorted(seen)


def test_an_empty_record_has_no_parts_and_costs_one_statement(tmp_path):
    from sqlalchemy import event

    from casework.services import persons

    with isolated_instance(tmp_path) as app, app.app_context():
        ctx = service_ctx(app)
        person = persons.register(ctx, names=["Empty Record"], date_of_birth=None, phones=[])
        db.session.commit()
        assert person.id  # loaded again after the commit, before counting
        statements: list[str] = []
        engine = db.engines[None]
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert record_presence.parts_with_rows(ctx, person) == frozenset()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len(statements) == 1
