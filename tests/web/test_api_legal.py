"""Legal API: police units (legal advisers and the director), decisions (legal advisers);
no operation exposes privileged notes."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support import bearer, make_staff, make_token
from tests.web.test_legal_pages import CANARY, make_person, make_unit, service_ctx


def test_units_for_advisers_and_the_director_only(app, client):
    from casework.domain.legal import UnitRecommendation

    unit = make_unit(app, recommendation=UnitRecommendation.NOT_RECOMMENDED,
                     note="Shared a file with a suspect")
    make_unit(app, assessed=False, name="Border police, Khorgos")
    for role in ("legal_adviser", "director"):
        headers = bearer(make_token(app, make_staff(app, role)))
        listing = client.get("/api/v1/units", headers=headers)
        assert listing.status_code == 200
        by_name = {u["name"]: u for u in listing.get_json()}
        assert by_name["Anti-Trafficking Unit, Almaty"]["recommendation"] == \
            "cooperation_not_recommended"
        assert by_name["Border police, Khorgos"]["recommendation"] is None
        detail = client.get(f"/api/v1/units/{unit}/assessment", headers=headers).get_json()
        assert detail["assessment"]["answers"]["corruption_risk"] == {
            "answer": "partly", "note": "Shared a file with a suspect"}
        assert client.get("/api/v1/units/nope/assessment", headers=headers).status_code == 404
    for role in ("liaison", "caseworker", "psychologist", "auditor"):
        headers = bearer(make_token(app, make_staff(app, role)))
        for url in ("/api/v1/units", f"/api/v1/units/{unit}/assessment"):
            response = client.get(url, headers=headers)
            assert response.status_code == 403, (role, url)
            assert response.get_json() == {"error": "forbidden"}
            assert "Shared a file" not in response.get_data(as_text=True)


def test_decisions_history_and_validation(app, client):
    from casework.models import LegalDecision

    adviser = make_staff(app, "legal_adviser")
    code = make_person(app, adviser)
    headers = bearer(make_token(app, adviser))
    url = f"/api/v1/persons/{code}/legal/decisions"
    assert client.get(url, headers=headers).get_json() == []
    for value, note in (("act_as_witness", "Ready after the video-link promise."),
                        ("do_nothing", "Changed her mind after threats.")):
        created = client.post(url, headers=headers, json={"decision": value, "note": note})
        assert created.status_code == 201
        assert created.get_json()["decision"] == value
    history = client.get(url, headers=headers).get_json()
    assert [d["decision"] for d in history] == ["do_nothing", "act_as_witness"]
    assert history[0]["note"] == "Changed her mind after threats."
    for body in ({"decision": "sue_everyone"}, {"decision": None}, {"note": "no decision"},
                 {"decision": "do_nothing", "note": 7}, ["do_nothing"]):
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 400, body
    malformed = client.post(url, headers={**headers, "Content-Type": "application/json"},
                            data=b"{not json")
    assert malformed.status_code == 400 and malformed.is_json
    from casework.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LegalDecision)) == 2


def test_decisions_follow_the_record_rules(app, client):
    adviser = make_staff(app, "legal_adviser")
    code = make_person(app, adviser)
    url = f"/api/v1/persons/{code}/legal/decisions"
    stranger = bearer(make_token(app, make_staff(app, "legal_adviser")))
    assert client.get(url, headers=stranger).status_code == 403
    assert client.post(url, headers=stranger, json={"decision": "do_nothing"}).status_code \
        == 403
    for role in ("caseworker", "psychologist", "liaison", "director", "auditor"):
        headers = bearer(make_token(app, make_staff(app, role)))
        assert client.get(url, headers=headers).status_code == 403, role
        assert client.post(url, headers=headers,
                           json={"decision": "do_nothing"}).status_code == 403, role
    assert client.get("/api/v1/persons/S-NOPE00/legal/decisions",
                      headers=bearer(make_token(app, adviser))).status_code == 404


def test_no_operation_exposes_privileged_notes(app, client):
    from casework.extensions import db
    from casework.models import Person
    from casework.services import accounts, legal

    adviser = make_staff(app, "legal_adviser")
    code = make_person(app, adviser)
    with app.app_context():
        c = service_ctx(app, actor=adviser.public_id)
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        legal.add_privileged_note(c, accounts.by_public_id(c, adviser.public_id), person,
                                  CANARY)
        db.session.commit()
    document = client.get("/api/v1/openapi.json").get_json()
    assert not [p for p in document["paths"] if "privileged" in p.lower()]
    headers = bearer(make_token(app, adviser))
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "GET" in (rule.methods or ()):
            url = rule.rule.replace("<case_code>", code)
            body = client.get(url, headers=headers).get_data(as_text=True)
            assert CANARY not in body, url
