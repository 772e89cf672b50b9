"""The HTCDS / CTDC record-level release (issue 15, item 4): only people who agreed, k-
anonymous over the quasi-identifiers, counts of generalised and left-out records."""

from __future__ import annotations

from datetime import date

import pytest

from casework.domain.kanonymity import smallest_class
from casework.domain.statistics import PersonFacts, StatisticsConsent
from casework.services.statistics_export import COLUMNS, record_of, release

YES = StatisticsConsent.YES
QUASI = ("gender", "ageBroad", "majorityStatus", "citizenshipRegion", "yearOfRegistration")


def _facts(n: int, *, consent=YES, gender="female", band="24-26", region="central_asia",
           year=2025, outcome="trafficking", minor=False) -> list[PersonFacts]:
    return [PersonFacts(registered=date(year, 3, 1), statistics_consent=consent,
                        gender=gender, age_band=band, minor=minor,
                        nationality_region=region, outcome=outcome,
                        exploitation=("forced_labour",), means=("deception", "threat"))
            for _ in range(n)]


def test_a_uniform_group_is_released_whole() -> None:
    out = release(_facts(12), k=11)
    assert (len(out.rows), out.generalised, out.suppressed) == (12, 0, 0)
    assert set(out.rows[0]) == set(COLUMNS)
    assert out.rows[0]["vic_TraffickingStatus"] == "Actual"
    assert out.rows[0]["vic_TypeOfExploitation"] == "forced labour"
    assert out.rows[0]["vic_MethodsOfControl"] == "false promises;physical threats"
    assert out.rows[0]["isForcedLabour"] == "1" and out.rows[0]["isSexualExploit"] == "0"


def test_fewer_than_k_people_release_nothing() -> None:
    out = release(_facts(10), k=11)
    assert out.rows == [] and out.suppressed == 10 and out.considered == 10


def test_only_people_who_agreed_are_considered() -> None:
    people = _facts(12) + _facts(3, consent=StatisticsConsent.NO) + \
        _facts(2, consent=StatisticsConsent.NOT_ASKED)
    out = release(people, k=11)
    assert out.considered == 12 and len(out.rows) == 12
    assert (out.excluded_refused, out.excluded_not_asked) == (3, 2)


@pytest.mark.parametrize("k", [5, 11])
def test_rare_people_are_generalised_or_left_out_and_every_class_has_k(k) -> None:
    people = (_facts(20) + _facts(15, gender="male", band="30-38", year=2024)
              + _facts(1, region="southern_asia") + _facts(1, band="9-17", minor=True))
    out = release(people, k=k)
    assert out.generalised + out.suppressed >= 2
    assert len(out.rows) + out.suppressed == 37
    assert smallest_class(out.rows, QUASI) >= k
    assert not any(row["citizenshipRegion"] == "southern_asia" for row in out.rows)


def test_a_row_holds_nothing_finer_than_a_region_or_a_year() -> None:
    row = record_of(_facts(1)[0])
    assert row["year_of_registration"] == "2025"
    assert all("2025-03" not in value for value in row.values())


def test_the_demo_history_fills_the_charts_without_hiding_everything(tmp_path) -> None:
    from casework.domain.roles import Role
    from casework.domain.suppression import Shown
    from casework.extensions import db
    from casework.services import accounts, demo_history, statistics, statistics_export
    from tests.support import isolated_instance, service_ctx

    with isolated_instance(tmp_path) as app, app.app_context():
        ctx = service_ctx(app)
        staff, _ = accounts.create_staff(ctx, email="cw@test.senim.kz", display_name="Cw",
                                         role=Role.CASEWORKER,
                                         password="a long demo passphrase 1")
        assert demo_history.load(ctx, staff) == 150
        db.session.commit()
        report = statistics.report(service_ctx(app), k=5)
        export = statistics_export.htcds(service_ctx(app), k=11)
    assert report.counted_people >= 110
    assert report.exclusions.refused > 0 and report.exclusions.not_asked > 0
    everything = ("all",)
    for key in ("outcome", "exploitation", "gender", "age_band", "nationality_region",
                "services"):
        table = report.tables[key]
        shown = [c for c in table.categories
                 if table.cell(c, everything).shown is Shown.VALUE]
        assert len(shown) >= 2, key
    quarters = [p for p in report.tables["registered"].periods if p[0] == "quarter"]
    assert sum(report.tables["registered"].total(p).shown is Shown.VALUE
               for p in quarters) >= len(quarters) // 2
    assert len(export.rows) >= 0.8 * export.considered
