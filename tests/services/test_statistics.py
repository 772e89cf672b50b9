"""Statistics from the records (issue 15, item 1): who is counted, what is counted, and
that small counts never show (item 2)."""

from __future__ import annotations

from casework.domain.screening import (
    Act,
    CouldLeave,
    Means,
    Outcome,
    Purpose,
    ScreeningInput,
)
from casework.domain.statistics import aggregates_of
from casework.domain.suppression import Shown, feasible_range
from casework.extensions import db
from casework.services import persons, screenings, statistics
from tests.support import isolated_instance, service_ctx

SCREENING = ScreeningInput(
    outcome=Outcome.TRAFFICKING, is_child=False, legal_context="Article 128.",
    perpetrators="An employer abroad.", person_perspective="Could not leave.",
    acts=frozenset({Act.RECRUITMENT}), means=frozenset({Means.DECEPTION}),
    purposes=frozenset({Purpose.FORCED_LABOUR}), could_leave=CouldLeave.NO,
    indicators=frozenset({"deceptive_recruitment"}), rationale="Deceived and held.")
CANARY = "Канарейка Тестовна"


def _person(ctx, *, consent: str | None, gender="female", nationality="Kazakhstan",
            age=25, screened=True):
    person = persons.register(ctx, names=[CANARY], date_of_birth=None, phones=["+77015550000"])
    profile = {"gender": gender, "nationality": nationality, "estimated_age": age}
    if consent:
        profile["statistics_consent"] = consent
    persons.write_profile(ctx, person, profile)
    if screened:
        screenings.record(ctx, person, SCREENING)
    return person


def test_counts_only_people_who_agreed_and_hides_small_counts(tmp_path) -> None:
    with isolated_instance(tmp_path) as app, app.app_context():
        ctx = service_ctx(app)
        for _ in range(12):
            _person(ctx, consent="yes")
        _person(ctx, consent="yes", gender="male", nationality="Atlantis", age=40)
        _person(ctx, consent="no")
        _person(ctx, consent=None)
        db.session.commit()

        report = statistics.report(service_ctx(app), k=5)

    assert report.counted_people == 13
    assert (report.exclusions.refused, report.exclusions.not_asked) == (1, 1)
    everything = ("all",)
    outcome = report.tables["outcome"]
    assert outcome.cell("trafficking", everything).value == 13
    assert outcome.total(everything).value == 13
    # The one person from elsewhere is never shown, neither directly nor as the total
    # minus the rest: whatever is published leaves at least two possible values.
    for key, rare in (("nationality_region", "other"), ("gender", "male")):
        table = report.tables[key]
        assert table.cell(rare, everything).shown is Shown.FEWER_THAN_K
        low, high = feasible_range(len(table.categories) * len(table.months),
                                   aggregates_of(table), table.result, (rare, everything))
        assert high - low >= 1
    assert report.tables["nationality_region"].total(everything).value == 13
    ages = report.tables["age_band"]
    assert ages.cell("39-47", everything).shown is Shown.FEWER_THAN_K
    assert ages.cell("24-26", everything).shown is Shown.WITHHELD  # else 13 - 12 = 1
    assert CANARY not in repr(report) and "7701" not in repr(report)


def test_open_and_closed_cases(tmp_path) -> None:
    """Issue 15: open while someone is assigned, closed when every assignment ended."""
    from datetime import datetime

    from casework.models import Assignment
    from tests.support import make_staff

    with isolated_instance(tmp_path) as app:
        worker = make_staff(app, "caseworker")
        with app.app_context():
            ctx = service_ctx(app)
            from sqlalchemy import select

            from casework.models import Staff
            staff = db.session.scalar(select(Staff).where(Staff.public_id == worker.public_id))
            people = [_person(ctx, consent="yes") for _ in range(12)]
            for index, person in enumerate(people):
                ended = datetime(2026, 1, 1) if index < 6 else None
                db.session.add(Assignment(person_id=person.id, staff_id=staff.id,
                                          ended_at=ended))
            db.session.commit()
            report = statistics.report(service_ctx(app), k=5)
    table = report.tables["case_status"]
    assert table.cell("open", ("all",)).value == 6
    assert table.cell("closed", ("all",)).value == 6


def test_shredded_people_are_not_counted(tmp_path) -> None:
    with isolated_instance(tmp_path) as app, app.app_context():
        ctx = service_ctx(app)
        people = [_person(ctx, consent="yes") for _ in range(6)]
        db.session.commit()
        people[0].names_ciphertext = None  # what shredding leaves behind
        db.session.commit()
        report = statistics.report(service_ctx(app), k=5)
    assert report.counted_people == 5
    assert report.tables["outcome"].cell("trafficking", ("all",)).value == 5
