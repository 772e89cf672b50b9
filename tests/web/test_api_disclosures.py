"""API for disclosure requests: draft, read (checks with reason codes, preview), submit,
feedback. No approval and no download in the API; malformed input is 400, never 500."""

from __future__ import annotations

import pytest

from tests.support import bearer, make_staff, make_token
from tests.web.test_disclosure_pages import make_world, release, tasks_for


def draft_body(f, **changes):
    body = {"unit": f.unit, "purpose": "investigate_traffickers", "tlp": "TLP:AMBER+STRICT",
            "handling_code": "C",
            "items": [{"entry_reference": f.thematic, "consent_id": f.consent},
                      {"entry_reference": f.specific, "consent_id": f.consent,
                       "risk_id": f.risk, "withhold": ["Sapar"]}]}
    body.update(changes)
    return body


def test_draft_read_submit_and_the_queue(app, client):
    f = make_world(app)
    cw = bearer(make_token(app, f.caseworker))
    response = client.post("/api/v1/disclosures", json=draft_body(f), headers=cw)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    reference = body["reference"]
    assert body["state"] == "draft" and body["passed"] is True
    assert {c["label"] for c in body["checks"]} >= {"consent", "risk", "cumulative", "MOU-01"}
    texts = " ".join(p["text"] for p in body["preview"])
    assert "[withheld]" in texts and "Sapar" not in texts

    mine = client.get("/api/v1/disclosures", headers=cw).get_json()
    assert [r["reference"] for r in mine] == [reference]
    stale = client.post(f"/api/v1/disclosures/{reference}/submit",
                        json={"seen_version": body["version"] + 5}, headers=cw)
    assert stale.status_code == 409
    submitted = client.post(f"/api/v1/disclosures/{reference}/submit",
                            json={"seen_version": body["version"]}, headers=cw)
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"

    liaison = bearer(make_token(app, f.liaison))
    queue = client.get("/api/v1/disclosures", headers=liaison).get_json()
    assert reference in [r["reference"] for r in queue]
    detail = client.get(f"/api/v1/disclosures/{reference}", headers=liaison)
    assert detail.status_code == 200
    raw = detail.get_data(as_text=True)
    for secret in ("Zhanar", "Tulegenova", f.case_code, "Sapar"):
        assert secret not in raw, secret


def test_a_missing_consent_shows_the_reason_code_and_submit_is_refused(app, client):
    f = make_world(app)
    cw = bearer(make_token(app, f.caseworker))
    body = client.post("/api/v1/disclosures", json=draft_body(f, purpose="rescue_victims"),
                       headers=cw).get_json()
    assert body["passed"] is False
    consent = [c for c in body["checks"] if c["label"] == "consent"]
    assert consent and all("consent_purpose_not_covered" in c["reasons"] for c in consent)
    refused = client.post(f"/api/v1/disclosures/{body['reference']}/submit",
                          json={"seen_version": body["version"]}, headers=cw)
    assert refused.status_code == 422
    assert "disclosure_checks_failing" in refused.get_json()["reasons"]


@pytest.mark.parametrize("payload", [
    "not json", "[]", '{"unit": 1}', None,
])
def test_malformed_bodies_are_400(app, client, payload):
    user = make_staff(app, "caseworker")
    headers = {**bearer(make_token(app, user)), "Content-Type": "application/json"}
    response = client.post("/api/v1/disclosures", data=payload or "", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize("change", [
    {"purpose": "revenge"}, {"tlp": "TLP:PURPLE"}, {"handling_code": "X"},
    {"emergency": "yes"}, {"items": []}, {"items": [{"entry": "I-1"}]},
    {"items": [{"entry_reference": 5}]}, {"items": [{"entry_reference": "I-1",
                                                     "withhold": {"a": 1}}]},
    {"surprise": True},
])
def test_bad_enums_and_shapes_are_400(app, client, change):
    f = make_world(app)
    cw = bearer(make_token(app, f.caseworker))
    response = client.post("/api/v1/disclosures", json=draft_body(f, **change), headers=cw)
    assert response.status_code == 400, response.get_json()


def test_unknown_entry_or_unit(app, client):
    f = make_world(app)
    cw = bearer(make_token(app, f.caseworker))
    unknown = client.post("/api/v1/disclosures", headers=cw, json=draft_body(
        f, items=[{"entry_reference": "I-NOPE99"}]))
    assert unknown.status_code == 422
    assert unknown.get_json()["reasons"] == ["disclosure_entry_unknown"]
    assert client.post("/api/v1/disclosures", headers=cw,
                       json=draft_body(f, unit="0" * 32)).status_code == 404


def test_submit_needs_a_version(app, client):
    f = make_world(app)
    cw = bearer(make_token(app, f.caseworker))
    reference = client.post("/api/v1/disclosures", json=draft_body(f),
                            headers=cw).get_json()["reference"]
    for payload in ({}, {"seen_version": "1"}, {"seen_version": True}):
        assert client.post(f"/api/v1/disclosures/{reference}/submit", json=payload,
                           headers=cw).status_code == 400


def test_no_approval_and_no_download_in_the_api(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = [p for p in document["paths"] if p.startswith("/api/v1/disclosures")]
    assert paths and not any("approve" in p or "download" in p for p in paths)
    summary = document["paths"]["/api/v1/disclosures"]["post"]["summary"]
    assert "step-up" in summary and "download" in summary


def test_feedback_by_the_liaison_creates_tasks(app, client):
    f = make_world(app)
    reference, _ = release(app, f)
    liaison = bearer(make_token(app, f.liaison))
    bad = client.post(f"/api/v1/disclosures/{reference}/feedback", headers=liaison,
                      json={"kind": "celebration"})
    assert bad.status_code == 400
    response = client.post(f"/api/v1/disclosures/{reference}/feedback", headers=liaison,
                           json={"kind": "arrest", "note": "Two arrested."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["feedback"][0]["kind"] == "arrest"
    assert ("inform_person_arrest", False) in tasks_for(app, f.person_id)
    # The drafter and the director do not record police feedback.
    for user in (f.caseworker, f.director):
        denied = client.post(f"/api/v1/disclosures/{reference}/feedback",
                             headers=bearer(make_token(app, user)), json={"kind": "charge"})
        assert denied.status_code == 403


def test_feedback_before_release_is_409(app, client):
    f = make_world(app)
    cw = bearer(make_token(app, f.caseworker))
    reference = client.post("/api/v1/disclosures", json=draft_body(f),
                            headers=cw).get_json()["reference"]
    response = client.post(f"/api/v1/disclosures/{reference}/feedback",
                           headers=bearer(make_token(app, f.liaison)), json={"kind": "arrest"})
    assert response.status_code == 409


@pytest.mark.parametrize("role", ["psychologist", "auditor"])
def test_roles_without_disclosure_get_403(app, client, role):
    user = make_staff(app, role)
    headers = bearer(make_token(app, user))
    assert client.get("/api/v1/disclosures", headers=headers).status_code == 403
    assert client.post("/api/v1/disclosures", json={}, headers=headers).status_code == 403


def test_another_drafter_cannot_read_the_request(app, client):
    f = make_world(app)
    cw = bearer(make_token(app, f.caseworker))
    reference = client.post("/api/v1/disclosures", json=draft_body(f),
                            headers=cw).get_json()["reference"]
    other = bearer(make_token(app, make_staff(app, "legal_adviser")))
    assert client.get(f"/api/v1/disclosures/{reference}", headers=other).status_code == 403
    assert client.get("/api/v1/disclosures/D-NOPE99", headers=other).status_code == 404
