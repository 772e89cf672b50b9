"""Children are recognised from facts at the moment of each decision (issue 9, point 2)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from casework.domain.consent import (
    NOTICES_29,
    NOTICES_HTCDS,
    ChildConsent,
    ConsentReason,
    Purpose,
    ShareLevel,
    Use,
    consent_covers,
)
from casework.domain.meetings import PlaceType
from casework.domain.minors import MinorReason, RepresentativeType
from casework.models import Notification, Task
from casework.services import access, consents, meetings, minors, persons, police_units
from casework.services.errors import ServiceError
from tests.support import make_staff, service_ctx

PDF = b"%PDF-1.4 signed consent form"
BEST = "Stopping the recruiters protects her and her younger sisters at home."
CHILD_FIELDS = dict(representative="Aunt, Gulmira", representative_consented=True,
                    representative_type=RepresentativeType.GUARDIAN,
                    child_consent=ChildConsent.OBTAINED,
                    child_view="She wants them stopped so no one else is taken.",
                    best_interests=BEST)


def consent_input(unit, **changes):
    data = dict(purposes=frozenset({Purpose.INVESTIGATION}),
                recipient_units=frozenset({unit.public_id}), share_level=ShareLevel.SPECIFIC,
                identity_allowed=False, identity_at_persons_request=False, valid_until=None,
                notices=frozenset(NOTICES_29 + NOTICES_HTCDS), language="kk", interpreter="",
                witness="Dana (caseworker)")
    data.update(changes)
    return consents.ConsentInput(**data)


def record_consent(app, c, person, unit, **changes):
    return consents.record(c, app.extensions["senim.settings"].attachments_path, person,
                           consent_input(unit, **changes), form_stream=io.BytesIO(PDF),
                           form_filename="form.pdf", max_bytes=10_000)


def use_of(person, unit):
    return Use(person_ref=person.public_id, purpose=Purpose.INVESTIGATION,
               recipient_unit=unit.public_id, entry_kind="specific")


def refusal(call) -> set[str]:
    with pytest.raises(ServiceError) as caught:
        call()
    return {r.value for r in caught.value.reasons}


def test_child_turns_18_between_two_decisions(app, ctx):
    """Consent taken as a child; after the 18th birthday a review task exists and the
    consent is not silently treated as an adult's."""
    caseworker = make_staff(app, "caseworker")
    with freeze_time("2026-12-01 09:00:00"):
        c = service_ctx(app, caseworker.public_id)
        # Born 10 December 2008 (a document); the "child" box was never ticked.
        person = persons.register(c, names=["Әсел Маратқызы"], date_of_birth="2008-12-10",
                                  phones=[], profile={"gender": "female",
                                                      "dob_source": "document"})
        access.assign(c, person, access_staff(c, caseworker.public_id))
        unit = police_units.create(c, name="Anti-Trafficking Unit", jurisdiction="KZ")
        assert minors.is_minor_at(c, person, c.now)
        # Adult rules are not enough for her: the child rules apply from the facts.
        assert refusal(lambda: record_consent(app, c, person, unit)) >= {
            "consent_child_representative_missing", "consent_child_view_missing",
            "child_best_interests_missing", "child_representative_type_missing"}
        consent = record_consent(app, c, person, unit, **CHILD_FIELDS)
        assert consents.scope(c, person, consent)["is_child"] is True
        assert consents.scope(c, person, consent)["representative_type"] == "guardian"
        assert consent_covers(consents.facts(c, person, consent), use_of(person, unit),
                              now=c.now).allowed
        assert minors.review_all(c) == 0
        c.session.commit()
    with freeze_time("2026-12-09 23:00:00"):  # 10 December in Almaty (UTC+5): she is 18
        c = service_ctx(app)
        assert not minors.is_minor_at(c, person, c.now)
        decision = consent_covers(consents.facts(c, person, consent), use_of(person, unit),
                                  now=c.now)
        assert decision.reasons == (ConsentReason.GIVEN_AS_CHILD_NOW_ADULT,)
        assert minors.review_all(c) == 1
        task = c.session.scalar(select(Task).where(Task.person_id == person.id))
        assert task is not None and task.kind == "review_consent_turned_18"
        assert task.object_ref == consent.public_id
        notified = c.session.scalars(select(Notification.kind).where(
            Notification.object_ref == person.case_code)).all()
        assert "review_consent_turned_18" in notified
        # Idempotent: the nightly job and the record page never add a second task.
        assert minors.review_all(c) == 0
        assert minors.review_coming_of_age(c, person) == []
        c.session.commit()


def access_staff(c, public_id):
    from casework.services import accounts

    return accounts.by_public_id(c, public_id)


def test_the_day_before_the_birthday_she_is_still_a_child(ctx):
    person = persons.register(ctx, names=["A"], date_of_birth="2008-12-10", phones=[],
                              profile={"dob_source": "document"})
    assert minors.is_minor_at(ctx, person, date(2026, 12, 9))
    assert not minors.is_minor_at(ctx, person, date(2026, 12, 10))
    # An instant is a day in the organisation's time zone (Asia/Almaty, UTC+5).
    assert minors.is_minor_at(ctx, person, datetime(2026, 12, 9, 18, 59))
    assert not minors.is_minor_at(ctx, person, datetime(2026, 12, 9, 19, 0))


def test_consent_under_adult_rules_does_not_cover_a_child(app, ctx):
    """The date of birth was corrected after an adult consent: the person is 12."""
    person = persons.register(ctx, names=["B"], date_of_birth="1996-01-01", phones=[],
                              profile={"dob_source": "self_declared"})
    unit = police_units.create(ctx, name="Unit", jurisdiction="KZ")
    consent = record_consent(app, ctx, person, unit)
    assert consents.scope(ctx, person, consent)["is_child"] is False
    persons.update(ctx, person, names=["B"], date_of_birth="2014-01-01", phones=[],
                   profile={"dob_source": "document"})
    decision = consent_covers(consents.facts(ctx, person, consent), use_of(person, unit),
                              now=ctx.now)
    assert ConsentReason.ADULT_RULES_FOR_CHILD in decision.reasons


@pytest.mark.parametrize(("dob", "source", "child"), [
    (None, None, True),  # age unknown, possibly a child
    ("1990-01-01", "self_declared", True),  # her own statement does not lift the doubt
    ("1990-01-01", "document", True),  # nor a document (children are given false ones)
    ("1990-01-01", "age_assessment", False),  # an age assessment does
    ("2012-01-01", "age_assessment", True),  # ... and may say she is a child
])
def test_possibly_a_child_until_an_age_assessment(ctx, dob, source, child):
    person = persons.register(ctx, names=["C"], date_of_birth=dob, phones=[],
                              profile={"possibly_child": True, "dob_source": source})
    assert minors.is_minor_at(ctx, person, ctx.now) is child


def test_the_box_only_adds_protection(ctx):
    adult = persons.register(ctx, names=["D"], date_of_birth="1990-01-01", phones=[],
                             profile={"dob_source": "document", "is_minor": True})
    assert minors.is_minor_at(ctx, adult, ctx.now)
    child = persons.register(ctx, names=["E"], date_of_birth="2014-01-01", phones=[],
                             profile={"dob_source": "document", "is_minor": False})
    assert minors.is_minor_at(ctx, child, ctx.now)


def test_date_of_birth_in_the_future_and_without_source(ctx):
    assert refusal(lambda: persons.register(
        ctx, names=["F"], date_of_birth="2099-01-01", phones=[],
        profile={"dob_source": "document"})) == {MinorReason.DOB_IN_FUTURE.value}
    assert refusal(lambda: persons.register(
        ctx, names=["F"], date_of_birth="2001-01-01", phones=[], profile={},
        dob_source_required=True)) == {MinorReason.DOB_SOURCE_MISSING.value}
    with pytest.raises(ValueError):
        persons.register(ctx, names=["F"], date_of_birth="2001-01-01", phones=[],
                         profile={"dob_source": "a rumour"})


def _meeting(unit, when, note="", liaison=None):
    return meetings.MeetingInput(unit=unit, scheduled_for=when, place="Police HQ, room 4",
                                 place_type=PlaceType.POLICE_STATION,
                                 lawyer_question_asked=True, lawyer_wanted=True,
                                 attendees="Investigator", best_interests=note,
                                 liaison=liaison)


def _contact_ready(ctx, person, unit):
    """What issue 9 requires of any meeting with police (a current assessment of the unit,
    a current risk assessment, the designated liaison), so only the child rule is tested."""
    from datetime import timedelta

    from casework.domain.legal import UNIT_QUESTIONS, UnitRecommendation
    from casework.domain.roles import Role
    from casework.services import accounts, risk, roster

    police_units.assess(ctx, unit, answers={q: {"answer": "yes", "note": ""}
                                            for q in UNIT_QUESTIONS},
                        recommendation=UnitRecommendation.CAUTION,
                        valid_until=ctx.now.date() + timedelta(days=180))
    risk.record(ctx, person, risk.RiskInput(
        unit=unit, categories={"case_significant_details": "travel dates",
                               "personal_identity_data": "none shared",
                               "details_known_only_to_the_person": "withheld"},
        unit_assessment_note="caution", harm_to_others="none known", staff_safety="low",
        residual="medium", mitigations="withhold dates"))
    staff, _ = accounts.create_staff(ctx, email=f"liaison-{person.public_id}@t.kz",
                                     display_name="L", role=Role.LIAISON,
                                     password="correct horse battery 99")
    roster.designate(ctx, staff, "liaison")
    return staff


def test_meeting_about_a_child_needs_best_interests(ctx):
    person = persons.register(ctx, names=["G"], date_of_birth="2012-03-03", phones=[],
                              profile={"dob_source": "document"})
    unit = police_units.create(ctx, name="Unit", jurisdiction="KZ")
    liaison = _contact_ready(ctx, person, unit)
    when = ctx.now.replace(microsecond=0)
    assert refusal(lambda: meetings.arrange(ctx, person, _meeting(unit, when, "", liaison))) \
        == {MinorReason.BEST_INTERESTS_MISSING.value}
    row = meetings.arrange(ctx, person, _meeting(unit, when, BEST, liaison))
    details = dict(meetings.for_person(ctx, person))[row]
    assert details["is_child"] is True and details["best_interests"] == BEST
    adult = persons.register(ctx, names=["H"], date_of_birth="1990-03-03", phones=[],
                             profile={"dob_source": "document"})
    liaison = _contact_ready(ctx, adult, unit)  # the newly designated liaison
    assert meetings.arrange(ctx, adult, _meeting(unit, when, "", liaison)) is not None


def test_a_meeting_arranged_by_a_child_is_about_a_child(ctx):
    """Arranged at 17 for a day after the 18th birthday: she is a child when the decision
    is taken, so the child rules hold."""
    person = persons.register(ctx, names=["I"], date_of_birth="2008-12-10", phones=[],
                              profile={"dob_source": "document"})
    unit = police_units.create(ctx, name="Unit", jurisdiction="KZ")
    at_17 = replace(ctx, now=datetime(2026, 12, 1, 9, 0))
    liaison = _contact_ready(at_17, person, unit)
    after = datetime(2026, 12, 15, 10, 0)
    assert refusal(lambda: meetings.arrange(at_17, person, _meeting(unit, after, "", liaison))) \
        == {MinorReason.BEST_INTERESTS_MISSING.value}
    at_18 = replace(ctx, now=datetime(2026, 12, 11, 9, 0))
    assert meetings.arrange(at_18, person, _meeting(unit, after, "", liaison)) is not None


def test_the_nightly_job_creates_the_review_task(app):
    """The scheduled job finds a consent given as a child whose person is now 18."""
    from casework import jobs
    from casework.extensions import db

    with freeze_time("2026-06-01 09:00:00"), app.app_context():
        c = service_ctx(app, "c" * 32)
        person = persons.register(c, names=["J"], date_of_birth="2008-07-01", phones=[],
                                  profile={"dob_source": "document"})
        unit = police_units.create(c, name="Unit", jurisdiction="KZ")
        record_consent(app, c, person, unit, **CHILD_FIELDS)
        db.session.commit()
        person_id = person.id
    with freeze_time("2026-06-30 09:00:00"):
        assert jobs.review_coming_of_age(app) == 0
    with freeze_time("2026-07-01 09:00:00"):
        assert jobs.review_coming_of_age(app) == 1
        assert jobs.review_coming_of_age(app) == 0
    with app.app_context():
        kinds = db.session.scalars(select(Task.kind).where(Task.person_id == person_id)).all()
        assert kinds == ["review_consent_turned_18"]
