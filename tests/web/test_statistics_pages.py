"""The statistics page (issue 15): who may see it, what it shows, bad input."""

from __future__ import annotations

import pytest

from casework.services import statistics
from tests.support import login, make_staff


@pytest.fixture(autouse=True)
def _fresh_report():
    statistics.forget_cached()
    yield
    statistics.forget_cached()


@pytest.mark.parametrize("role", ["director", "legal_adviser"])
def test_director_and_legal_adviser_see_statistics(app, client, role) -> None:
    login(client, app, make_staff(app, role))
    page = client.get("/statistics/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Screening outcome" in html and "statistics/charts/outcome.svg" in html
    assert "who were not asked yet" in html
    chart = client.get("/statistics/charts/outcome.svg?period=all")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert "sandbox" in chart.headers["Content-Security-Policy"]
    assert b"<script" not in chart.data
    series = client.get("/statistics/charts/registered.svg?by=month")
    assert series.status_code == 200


@pytest.mark.parametrize("role", ["caseworker", "psychologist", "liaison", "auditor"])
def test_other_roles_are_refused(app, client, role) -> None:
    login(client, app, make_staff(app, role))
    assert client.get("/statistics/").status_code == 403
    assert client.get("/statistics/charts/outcome.svg").status_code == 403


@pytest.mark.parametrize("url", [
    "/statistics/?period=year-20x6", "/statistics/?period=%00", "/statistics/?by=day",
    "/statistics/?period=year-1999", "/statistics/charts/nothing.svg",
    "/statistics/charts/outcome.svg?period=month-2026-13",
    "/statistics/charts/registered.svg?by=decade",
])
def test_bad_input_is_a_4xx(app, client, url) -> None:
    login(client, app, make_staff(app, "director"))
    assert 400 <= client.get(url).status_code < 500
