"""API: the intelligence store (issue 4) through bearer tokens."""

from __future__ import annotations

import pytest

from tests.support import audit_rows, bearer, make_staff, make_token
from tests.web.test_intel_pages import intel_count

BODY = {
    "kind": "thematic", "subject_area": "routes", "source_type": "partner_organisation",
    "source_evaluation": "2", "intel_assessment": "C", "handling_code": "P",
    "statement": "assessment", "text": "Transit now runs through small border crossings.",
    "tags": ["phase:transit"], "time": "2024", "time_granularity": "year",
    "place": "Southern Kazakhstan", "place_granularity": "region",
}
INCOMING = {**{k: v for k, v in BODY.items() if k != "source_type"}, "kind": "specific",
            "received_from": "Border unit 7", "source_evaluation": "1",
            "intel_assessment": "B", "handling_code": "C"}


def token_for(app, role):
    user = make_staff(app, role)
    return user, bearer(make_token(app, user))


def test_create_list_get_and_review(app, client):
    author, headers = token_for(app, "caseworker")
    created = client.post("/api/v1/intel/entries", json=BODY, headers=headers)
    assert created.status_code == 200, created.get_json()
    entry = created.get_json()
    reference = entry["reference"]
    assert entry["grading"] == "2/C/P"
    assert (entry["kind"], entry["direction"], entry["privacy_status"]) == (
        "thematic", "own", "pending")
    assert entry["text"] == BODY["text"]
    assert entry["tags"] == ["phase:transit"]

    listed = client.get("/api/v1/intel/entries?direction=own", headers=headers).get_json()
    assert [e["reference"] for e in listed] == [reference]
    assert "text" not in listed[0]
    assert "source_type" not in listed[0]
    assert client.get("/api/v1/intel/entries?direction=incoming",
                      headers=headers).get_json() == []
    assert client.get("/api/v1/intel/entries?kind=specific", headers=headers).get_json() == []
    assert client.get("/api/v1/intel/entries?kind=secret", headers=headers).status_code == 400

    _, reader = token_for(app, "legal_adviser")
    got = client.get(f"/api/v1/intel/entries/{reference}", headers=reader)
    assert got.status_code == 200
    assert got.get_json()["place"] == "Southern Kazakhstan"
    assert client.get("/api/v1/intel/entries/I-NOPE00", headers=reader).status_code == 404
    assert client.post(f"/api/v1/intel/entries/{reference}/review",
                       headers=reader).status_code == 403

    own = client.post(f"/api/v1/intel/entries/{reference}/review", headers=headers)
    assert own.status_code == 422
    assert own.get_json() == {"error": "refused", "reasons": ["privacy_review_by_author"],
                              "matches": []}
    assert [r.outcome for r in audit_rows(app, "intel.privacy_review")] == ["denied"]

    _, liaison = token_for(app, "liaison")
    reviewed = client.post(f"/api/v1/intel/entries/{reference}/review", headers=liaison)
    assert reviewed.status_code == 200
    assert reviewed.get_json()["privacy_status"] == "cleared"
    again = client.post(f"/api/v1/intel/entries/{reference}/review", headers=liaison)
    assert again.status_code == 422
    assert again.get_json()["reasons"] == ["privacy_review_not_pending"]


@pytest.mark.parametrize("body", [
    b"{not json", b"[1, 2]", b"null", b'"text"',
], ids=["broken", "list", "null", "string"])
def test_malformed_json_is_a_400(app, client, body):
    _, headers = token_for(app, "caseworker")
    response = client.post("/api/v1/intel/entries", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request"}
    assert intel_count(app) == 0


@pytest.mark.parametrize("changes", [
    {"kind": "secret"}, {"subject_area": "weather"}, {"source_type": "victim_or_close_person"},
    {"source_evaluation": "9"}, {"intel_assessment": "Z"}, {"handling_code": "X"},
    {"statement": "rumour"}, {"time_granularity": "century"}, {"place_granularity": "day"},
    {"tags": "phase:transit"}, {"tags": [1]}, {"text": 5}, {"kind": None},
    {"unexpected": "field"}, {"text": "x" * 20001},
], ids=lambda c: next(iter(c)))
def test_unknown_or_wrong_values_are_a_400(app, client, changes):
    _, headers = token_for(app, "caseworker")
    response = client.post("/api/v1/intel/entries", json={**BODY, **changes},
                           headers=headers)
    assert response.status_code == 400, response.get_json()
    assert intel_count(app) == 0


def test_missing_required_field_is_a_400(app, client):
    _, headers = token_for(app, "caseworker")
    body = {k: v for k, v in BODY.items() if k != "subject_area"}
    assert client.post("/api/v1/intel/entries", json=body, headers=headers).status_code == 400


def test_thematic_with_a_phone_is_refused_with_reasons(app, client):
    _, headers = token_for(app, "caseworker")
    response = client.post("/api/v1/intel/entries", headers=headers, json={
        **BODY, "text": "The driver's number is +7 701 555 12 34.",
        "time_granularity": "day"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "refused"
    assert body["reasons"] == ["identifier_phone_number", "identifier_time_too_precise"]
    assert "+7 701 555 12 34" in body["matches"]
    assert intel_count(app) == 0
    assert [r.outcome for r in audit_rows(app, "intel.thematic_blocked")] == ["denied"]


def test_empty_text_is_refused_by_the_service(app, client):
    _, headers = token_for(app, "caseworker")
    response = client.post("/api/v1/intel/entries", json={**BODY, "text": "   "},
                           headers=headers)
    assert response.status_code == 422
    assert response.get_json()["reasons"] == ["intel_text_empty"]


def test_unknown_tag_is_refused_by_the_service(app, client):
    _, headers = token_for(app, "caseworker")
    response = client.post("/api/v1/intel/entries", json={**BODY, "tags": ["phase:nowhere"]},
                           headers=headers)
    assert response.status_code == 422
    assert response.get_json()["reasons"] == ["intel_unknown_tag"]


def test_specific_may_hold_identifying_details(app, client):
    _, headers = token_for(app, "caseworker")
    response = client.post("/api/v1/intel/entries", headers=headers, json={
        **BODY, "kind": "specific", "text": "Passport N12345678, phone +7 701 555 12 34.",
        "time": "2024-05-17", "time_granularity": "day"})
    assert response.status_code == 200
    assert response.get_json()["privacy_status"] == "not_needed"


def test_incoming_by_the_liaison(app, client):
    _, liaison = token_for(app, "liaison")
    response = client.post("/api/v1/intel/incoming", json=INCOMING, headers=liaison)
    assert response.status_code == 200, response.get_json()
    entry = response.get_json()
    assert (entry["direction"], entry["source_type"], entry["received_from"],
            entry["grading"]) == ("incoming", "law_enforcement", "Border unit 7", "1/B/C")
    incoming = client.get("/api/v1/intel/entries?direction=incoming", headers=liaison)
    assert [e["reference"] for e in incoming.get_json()] == [entry["reference"]]
    assert client.get("/api/v1/intel/entries?direction=own",
                      headers=liaison).get_json() == []

    bad = client.post("/api/v1/intel/incoming", json={**INCOMING, "received_from": ""},
                      headers=liaison)
    assert bad.status_code == 422
    assert bad.get_json()["reasons"] == ["intel_incoming_needs_sender"]
    missing = {k: v for k, v in INCOMING.items() if k != "received_from"}
    assert client.post("/api/v1/intel/incoming", json=missing,
                       headers=liaison).status_code == 400
    with_source = {**INCOMING, "source_type": "open_sources"}
    assert client.post("/api/v1/intel/incoming", json=with_source,
                       headers=liaison).status_code == 400
    assert client.post("/api/v1/intel/incoming", data=b"{", headers=liaison,
                       content_type="application/json").status_code == 400


@pytest.mark.parametrize("role", ["caseworker", "psychologist", "legal_adviser", "liaison",
                                  "director", "auditor"])
def test_api_role_matrix(app, client, role):
    _, headers = token_for(app, role)
    listing = client.get("/api/v1/intel/entries", headers=headers).status_code
    create = client.post("/api/v1/intel/entries", json=BODY, headers=headers).status_code
    incoming = client.post("/api/v1/intel/incoming", json=INCOMING,
                           headers=headers).status_code
    read = role in {"caseworker", "legal_adviser", "liaison"}
    write = role in {"caseworker", "liaison"}
    assert listing == (200 if read else 403)
    assert create == (200 if write else 403)
    assert incoming == (200 if role == "liaison" else 403)


def test_openapi_lists_the_intelligence_operations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert set(paths["/api/v1/intel/entries"]) == {"get", "post"}
    assert set(paths["/api/v1/intel/entries/{reference}"]) == {"get", "put"}
    assert set(paths["/api/v1/intel/entries/{reference}/review"]) == {"post"}
    assert set(paths["/api/v1/intel/incoming"]) == {"post"}
    post = paths["/api/v1/intel/entries"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert "victim_or_close_person" not in schema["properties"]["source_type"]["enum"]
    assert post["x-senim-permission"] == "intel.write"
    assert "requestBody" in paths["/api/v1/intel/incoming"]["post"]
    assert paths["/api/v1/intel/incoming"]["post"]["x-senim-permission"] == "intel.incoming"


def test_openapi_matches_the_url_map(app):
    """Every registered operation is served, and every /api/v1 route is registered."""
    from casework.web.api.registry import OPERATIONS

    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1")
            for argument in rule.arguments:
                path = path.replace(f"<{argument}>", "{" + argument + "}")
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    registered = {(op.path, op.method) for op in OPERATIONS}
    intel = {p for p in registered if p[0].startswith("/intel/")}
    assert len(intel) == 6
    assert intel <= served
    assert {p for p in served if p[0].startswith("/intel/")} == intel
