"""API: consent ledger (read, withdraw), risk assessments (read), psychologist clearance."""

from __future__ import annotations

import io

from sqlalchemy import select

from casework.domain.consent import NOTICES_29, NOTICES_HTCDS, Purpose, ShareLevel
from tests.support import bearer, make_staff, make_token, service_ctx

PDF = b"%PDF-1.4 signed consent form"


def _person(app, client, token) -> str:
    response = client.post("/api/v1/persons", headers=bearer(token), json={
        "names": ["Мадина Ерланқызы"], "gender": "female", "date_of_birth": "1999-09-09"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["case_code"]


def _setup(app, client):
    """A caseworker with a person, a unit, a consent and a risk assessment."""
    from casework.extensions import db
    from casework.models import Person
    from casework.services import consents, police_units, risk

    worker = make_staff(app, "caseworker")
    token = make_token(app, worker)
    code = _person(app, client, token)
    with app.app_context():
        c = service_ctx(app, actor=worker.public_id)
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        unit = police_units.create(c, name="Unit 7", jurisdiction="KZ")
        consent = consents.record(
            c, app.extensions["senim.settings"].attachments_path, person,
            consents.ConsentInput(
                purposes=frozenset({Purpose.INVESTIGATION}),
                recipient_units=frozenset({unit.public_id}), share_level=ShareLevel.SPECIFIC,
                identity_allowed=False, identity_at_persons_request=False, valid_until=None,
                notices=frozenset(NOTICES_29 + NOTICES_HTCDS), language="ru",
                interpreter="", witness="Aida"),
            form_stream=io.BytesIO(PDF), form_filename="form.pdf", max_bytes=100_000)
        risk.record(c, person, risk.RiskInput(
            unit=unit, categories={"case_significant_details": "dates",
                                   "personal_identity_data": "name",
                                   "details_known_only_to_the_person": "scar"},
            unit_assessment_note="", harm_to_others="sister", staff_safety="low",
            residual="high", mitigations="withhold dates"))
        db.session.commit()
        return worker, token, code, consent.public_id


def test_consent_ledger_and_risk_assessments(app, client):
    _, token, code, consent_id = _setup(app, client)
    ledger = client.get(f"/api/v1/persons/{code}/consents", headers=bearer(token))
    assert ledger.status_code == 200
    [item] = ledger.get_json()
    assert item["id"] == consent_id and item["status"] == "active"
    assert item["scope"]["purposes"] == ["investigate_traffickers"]
    assert item["scope"]["share_level"] == "specific" and item["signed_form"]
    form = client.get(f"/api/v1/persons/{code}/attachments/{item['signed_form']}",
                      headers=bearer(token))
    assert form.status_code == 200 and form.data == PDF
    risks = client.get(f"/api/v1/persons/{code}/risk-assessments", headers=bearer(token))
    assert risks.status_code == 200
    [assessment] = risks.get_json()
    assert assessment["residual"] == "high" and assessment["valid"] is True
    assert assessment["unit"]["name"] == "Unit 7"
    assert assessment["content"]["mitigations"] == "withhold dates"


def test_object_rules_are_those_of_the_pages(app, client):
    _, _, code, _ = _setup(app, client)
    other = make_token(app, make_staff(app, "caseworker"))
    for url in (f"/api/v1/persons/{code}/consents", f"/api/v1/persons/{code}/risk-assessments"):
        refused = client.get(url, headers=bearer(other))
        assert refused.status_code == 403 and refused.get_json() == {"error": "not_assigned"}
        assert b"Aida" not in refused.data
    missing = client.get("/api/v1/persons/S-XXXXXX/consents", headers=bearer(other))
    assert missing.status_code == 404 and missing.is_json
    for role in ("liaison", "director", "auditor"):
        token = make_token(app, make_staff(app, role))
        for method, url in (("GET", f"/api/v1/persons/{code}/consents"),
                            ("GET", f"/api/v1/persons/{code}/risk-assessments"),
                            ("POST", f"/api/v1/persons/{code}/consents/x/withdraw"),
                            ("POST", f"/api/v1/persons/{code}/clearance")):
            response = client.open(url, method=method, headers=bearer(token), json={})
            assert response.status_code == 403, (role, url)
            assert response.get_json() == {"error": "forbidden"}


def test_withdraw_through_the_api(app, client):
    from casework.extensions import db
    from casework.models import Consent, DisclosureItem, DisclosureRequest, Person, PoliceUnit

    worker, token, code, consent_id = _setup(app, client)
    with app.app_context():
        consent = db.session.scalar(select(Consent).where(Consent.public_id == consent_id))
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        unit = db.session.scalar(select(PoliceUnit))
        request = DisclosureRequest(reference="D-API001", unit_id=unit.id, purpose="x",
                                    status="draft", drafted_by=worker.public_id)
        db.session.add(request)
        db.session.flush()
        db.session.add(DisclosureItem(request_id=request.id, entry_public_id="f" * 32,
                                      person_id=person.id, consent_id=consent.id))
        db.session.commit()
    url = f"/api/v1/persons/{code}/consents/{consent_id}/withdraw"
    bad = client.post(url, headers={**bearer(token), "Content-Type": "application/json"},
                      data="{not json")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_json"
    assert client.post(url, headers=bearer(token), json=[1]).status_code == 400
    unknown = client.post(f"/api/v1/persons/{code}/consents/{'0' * 32}/withdraw",
                          headers=bearer(token))
    assert unknown.status_code == 404
    done = client.post(url, headers=bearer(token))
    assert done.status_code == 200
    body = done.get_json()
    assert body["consent"]["status"] == "withdrawn" and body["stopped"] == ["D-API001"]
    assert body["consent"]["withdrawn_by"] == worker.public_id
    again = client.post(url, headers=bearer(token), json={})
    assert again.status_code == 409 and again.get_json()["reasons"] == ["consent_withdrawn"]
    ledger = client.get(f"/api/v1/persons/{code}/consents", headers=bearer(token)).get_json()
    assert [c["status"] for c in ledger] == ["withdrawn"]  # history kept


def test_clearance_through_the_api(app, client):
    from casework.extensions import db
    from casework.models import Clearance, Person, Staff
    from casework.services import access

    worker, token, code, _ = _setup(app, client)
    psychologist = make_staff(app, "psychologist")
    psy = make_token(app, psychologist)
    url = f"/api/v1/persons/{code}/clearance"
    assert client.post(url, headers=bearer(psy), json={}).status_code == 403  # not assigned
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.case_code == code))
        staff = db.session.scalar(select(Staff).where(Staff.public_id ==
                                                      psychologist.public_id))
        access.assign(service_ctx(app), person, staff)
        db.session.commit()
    assert client.post(url, headers=bearer(token), json={}).status_code == 403  # caseworker
    bad = client.post(url, headers={**bearer(psy), "Content-Type": "application/json"},
                      data="[")
    assert bad.status_code == 400
    assert client.post(url, headers=bearer(psy), json={"note": 5}).status_code == 400
    assert client.post(url, headers=bearer(psy), json={"note": "x" * 4001}).status_code == 400
    done = client.post(url, headers=bearer(psy), json={"note": "Ready to talk about it."})
    assert done.status_code == 201 and done.get_json()["psychologist"] == psychologist.public_id
    again = client.post(url, headers=bearer(psy), json={})
    assert again.status_code == 409
    assert again.get_json()["reasons"] == ["legal_already_cleared"]
    with app.app_context():
        assert len(db.session.scalars(select(Clearance)).all()) == 1


def test_openapi_documents_the_consent_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/persons/{case_code}/consents"]) == {"get"}
    assert set(paths["/api/v1/persons/{case_code}/consents/{consent_id}/withdraw"]) == {"post"}
    assert set(paths["/api/v1/persons/{case_code}/risk-assessments"]) == {"get"}
    clearance = paths["/api/v1/persons/{case_code}/clearance"]["post"]
    assert clearance["x-senim-permission"] == "clearance.write"
