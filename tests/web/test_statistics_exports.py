"""Statistics downloads and API (issue 15, items 4-5): step-up, audit, suppression as shown,
k-anonymity, and a canary: identifiers planted in every encrypted field never leave."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from casework.domain.casenotes import NoteKind, ServiceType
from casework.domain.screening import (
    Act,
    CouldLeave,
    Means,
    Outcome,
    Purpose,
    ScreeningInput,
)
from casework.extensions import db
from casework.services import casenotes, persons, screenings, statistics
from tests.support import (
    audit_rows,
    bearer,
    csrf_token,
    current_code,
    forget_last_totp_step,
    login,
    make_staff,
    make_token,
    service_ctx,
)

EXPORTS = ("/statistics/export.csv?period=all", "/statistics/export.xlsx?period=all",
           "/statistics/export-htcds.csv", "/statistics/misp-taxonomy.json")


@pytest.fixture(autouse=True)
def _fresh_report():
    statistics.forget_cached()
    yield
    statistics.forget_cached()


def _step_up(client, app, user, next_url: str):
    forget_last_totp_step(app, user.public_id)
    page = client.get(f"/auth/step-up?next={next_url}")
    return client.post("/auth/step-up", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "password": user.password,
        "code": current_code(user.totp_secret), "next": next_url})


def _screening(marker: str) -> ScreeningInput:
    return ScreeningInput(
        outcome=Outcome.TRAFFICKING, is_child=False, legal_context=f"Legal {marker}",
        perpetrators=f"Perpetrator {marker}", person_perspective=f"Perspective {marker}",
        acts=frozenset({Act.RECRUITMENT}), means=frozenset({Means.DECEPTION}),
        purposes=frozenset({Purpose.FORCED_LABOUR}), could_leave=CouldLeave.NO,
        indicators=frozenset({"deceptive_recruitment"}), rationale=f"Rationale {marker}")


def _plant(app, count: int) -> list[str]:
    """People whose every encrypted field carries a unique identifier; returns them all."""
    planted: list[str] = []
    with app.app_context():
        ctx = service_ctx(app)
        for i in range(count):
            marker = f"Kanareyka{i:03d}Zx"
            phone = f"+7 701 93{i:03d} 47"
            born = f"19{60 + i % 30}-0{1 + i % 9}-2{i % 8}"
            consent = "yes" if i % 7 else ("no" if i % 2 else None)
            profile = {"gender": "female", "nationality": "Kazakhstan", "estimated_age": 30,
                       "contact": f"Contact {marker}", "code_word": f"Word{marker}",
                       "placement": f"Shelter {marker}", "safe_times": f"Times {marker}",
                       "do_not_contact": f"Uncle {marker}",
                       "documents_held": f"Passport {marker}",
                       "guardian": f"Guardian {marker}", "child_views": f"Views {marker}"}
            if consent:
                profile["statistics_consent"] = consent
            person = persons.register(ctx, names=[f"Name {marker}", f"Алиас{marker}"],
                                      date_of_birth=born, phones=[phone], profile=profile)
            screenings.record(ctx, person, _screening(marker))
            casenotes.add(ctx, person, kind=NoteKind.SERVICE, body=f"Note {marker}",
                          occurred_on=ctx.now.date() - timedelta(days=1),
                          service_type=ServiceType.MEDICAL)
            day, month, year = born[8:], born[5:7], born[:4]
            planted += [marker, f"Name {marker}", f"Алиас{marker}", phone,
                        phone.replace(" ", ""), born, f"{day}.{month}.{year}",
                        person.case_code]
        db.session.commit()
    return planted


def _texts_of(name: str, body: bytes) -> list[bytes]:
    """The bytes to scan: an XLSX is a zip, so its XML parts are scanned unpacked."""
    if name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [archive.read(part) for part in archive.namelist()]
    return [body]


def test_every_export_needs_step_up_and_is_audited(app, client) -> None:
    director = make_staff(app, "director")
    login(client, app, director)
    for url in EXPORTS:
        response = client.get(url)
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/auth/step-up"
    assert audit_rows(app, "statistics.export") == []
    done = _step_up(client, app, director, EXPORTS[1])
    assert done.status_code == 302 and done.location.endswith(EXPORTS[1])
    for url in EXPORTS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "attachment" in response.headers["Content-Disposition"]
    assert sorted(r.outcome for r in audit_rows(app, "statistics.export")) == \
        ["csv", "htcds", "misp_taxonomy", "xlsx"]


@pytest.mark.parametrize("role", ["caseworker", "auditor", "liaison"])
def test_exports_and_api_are_refused_to_other_roles(app, client, role) -> None:
    user = make_staff(app, role)
    login(client, app, user)
    for url in EXPORTS:
        assert client.get(url).status_code == 403
    token = make_token(app, user)
    assert app.test_client().get("/api/v1/statistics",
                                 headers=bearer(token)).status_code == 403


def test_canary_no_identifier_leaves_in_any_export(app, client) -> None:
    planted = _plant(app, 40)
    director = make_staff(app, "director")
    login(client, app, director)
    _step_up(client, app, director, "/statistics/")
    outputs: dict[str, bytes] = {}
    for url in EXPORTS:
        response = client.get(url)
        assert response.status_code == 200, url
        outputs[url] = response.data
    page = client.get("/statistics/?period=all")
    outputs["page"] = page.data
    for key in ("registered", "outcome", "exploitation", "nationality_region", "services",
                "gender", "age_band", "consents"):
        outputs[f"chart {key}"] = client.get(f"/statistics/charts/{key}.svg").data
    api = app.test_client()
    token = make_token(app, director)
    summary = api.get("/api/v1/statistics", headers=bearer(token))
    assert summary.status_code == 200
    outputs["api summary"] = summary.data
    for key, periods in summary.get_json()["periods"].items():
        for period in periods:
            answer = api.get(f"/api/v1/statistics/{key}?period={period}",
                             headers=bearer(token))
            assert answer.status_code == 200
            outputs[f"api {key} {period}"] = answer.data

    # Not vacuous: the tables count the people and the HTCDS release holds records.
    htcds = outputs["/statistics/export-htcds.csv"].decode()
    rows = [r for r in csv.reader(io.StringIO(htcds)) if r and r[0] != "#"]
    assert rows[0][0] == "yearOfRegistration" and len(rows) - 1 >= 11
    assert "Forced labour" in page.get_data(as_text=True)
    for name, body in outputs.items():
        for text in _texts_of(name, body):
            for needle in planted:
                for encoded in (needle.encode(), needle.encode("utf-16-le"),
                                json.dumps(needle).encode()):
                    assert encoded not in text, (name, needle)


def _table(api, token, key: str, period: str) -> dict:
    answer = api.get(f"/api/v1/statistics/{key}?period={period}", headers=bearer(token))
    assert answer.status_code == 200
    return answer.get_json()


def test_a_rare_nationality_is_never_shown_nor_derivable_in_exports(app, client) -> None:
    with app.app_context():
        ctx = service_ctx(app)
        for i in range(21):
            persons.register(ctx, names=[f"P{i}"], date_of_birth=None, phones=[],
                             profile={"gender": "female", "estimated_age": 30,
                                      "statistics_consent": "yes",
                                      "nationality": "Uzbekistan" if i % 3 else
                                      "Kazakhstan"})
        persons.register(ctx, names=["Rare"], date_of_birth=None, phones=[],
                         profile={"gender": "female", "estimated_age": 30,
                                  "statistics_consent": "yes", "nationality": "Afghanistan"})
        db.session.commit()
    director = make_staff(app, "director")
    login(client, app, director)
    _step_up(client, app, director, "/statistics/")
    token = make_token(app, director)
    api = app.test_client()
    periods = api.get("/api/v1/statistics", headers=bearer(token)).get_json()["periods"]
    published = {p: _table(api, token, "nationality_region", p)
                 for p in periods["nationality_region"]}
    for table in published.values():
        cells = {row["category"]: row["count"] for row in table["rows"]}
        assert cells["southern_asia"] == {"shown": "fewer_than_k", "value": None}
        others = [c for name, c in cells.items() if name != "southern_asia"]
        # Total minus the rest would give the one person away: something else is hidden.
        assert table["total"]["value"] is None or any(c["value"] is None for c in others)
    # The registration series by month is about everybody, so one person moves nothing
    # there; the spreadsheet and CSV show the same protected text, never "1".
    text = client.get("/statistics/export.csv?period=all").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    southern = [r for r in rows if len(r) == 3 and r[1] == "Southern Asia"]
    assert southern and all(r[2] == "fewer than 5" for r in southern)
    book = client.get("/statistics/export.xlsx?period=all").data
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(book)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("k" in str(v[0]) or "5" in str(v[0]) for v in values[:5])
    assert all(row[2] == "fewer than 5" for row in values
               if len(row) >= 3 and row[1] == "Southern Asia")
    assert any(row[1] == "Southern Asia" for row in values if len(row) >= 3)


def test_api_openapi_lists_statistics_and_bad_input_is_4xx(app, client) -> None:
    director = make_staff(app, "director")
    token = make_token(app, director)
    api = app.test_client()
    spec = api.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/statistics/{key}" in spec["paths"]
    for url in ("/api/v1/statistics/nothing", "/api/v1/statistics/outcome?period=month-2026-1",
                "/api/v1/statistics/outcome?period=year-20x6",
                "/api/v1/statistics/outcome?period=%00"):
        answer = api.get(url, headers=bearer(token))
        assert 400 <= answer.status_code < 500, url
    assert api.get("/api/v1/statistics").status_code == 401


def test_person_form_records_statistics_consent(app, client) -> None:
    caseworker = make_staff(app, "caseworker")
    login(client, app, caseworker)
    page = client.get("/persons/new")
    html = page.get_data(as_text=True)
    assert "May their de-identified data be counted in statistics?" in html
    response = client.post("/persons/new", data={
        "csrf_token": csrf_token(html), "full_name": "Test Person", "gender": "female",
        "statistics_consent": "no"})
    assert response.status_code == 302
    code = response.location.rstrip("/").rsplit("/", 1)[-1]
    with app.app_context():
        from sqlalchemy import select

        from casework.models import Person
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        ctx = service_ctx(app)
        assert persons.read(ctx, person).profile["statistics_consent"] == "no"
    edit = client.get(f"/persons/{code}/edit").get_data(as_text=True)
    checked = re.findall(r'<input[^>]*name="statistics_consent"[^>]*>', edit)
    assert [tag for tag in checked if "checked" in tag] == \
        [tag for tag in checked if 'value="no"' in tag]
    response = client.post(f"/persons/{code}/edit", data={
        "csrf_token": csrf_token(edit), "full_name": "Test Person", "gender": "female",
        "statistics_consent": ""})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        assert "statistics_consent" not in persons.read(service_ctx(app), person).profile
    bad = client.post(f"/persons/{code}/edit", data={
        "csrf_token": csrf_token(edit), "full_name": "Test Person", "gender": "female",
        "statistics_consent": "maybe"})
    assert bad.status_code == 422
