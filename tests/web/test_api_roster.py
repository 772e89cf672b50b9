"""API: who is on call now (liaison, director), my tasks (care roles), MoUs in force."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.support import bearer, make_staff, make_token, service_ctx
from tests.web.test_legal_pages import make_person
from tests.web.test_mou_pages import make_unit, register_version, terms_toml
from tests.web.test_roster_tasks_pages import make_task, named_liaison


def _roster(app, liaison, *, hours=3):
    from casework.extensions import db
    from casework.services import accounts, roster

    with app.app_context():
        c = service_ctx(app, actor="d" * 32)
        staff = accounts.by_public_id(c, liaison.public_id)
        roster.designate(c, staff, "liaison")
        now = datetime.now(UTC).replace(tzinfo=None)
        roster.add_shift(c, staff, now - timedelta(hours=1), now + timedelta(hours=hours))
        db.session.commit()


def test_on_duty_and_gaps(app, client):
    aigerim = named_liaison(app, "Aigerim Liaison")
    _roster(app, aigerim)
    for role in ("liaison", "director"):
        response = client.get("/api/v1/roster/on-duty",
                              headers=bearer(make_token(app, make_staff(app, role))))
        assert response.status_code == 200, role
        body = response.get_json()
        assert body["on_duty"] == [{"id": aigerim.public_id, "name": "Aigerim Liaison",
                                    "designation": "liaison"}]
        assert len(body["gaps"]) == 1
        gap = body["gaps"][0]
        starts = datetime.fromisoformat(gap["starts_at"])
        assert starts.tzinfo is not None
        assert timedelta(hours=2) < starts - datetime.now(UTC) < timedelta(hours=4)
    for role in ("caseworker", "psychologist", "legal_adviser", "auditor"):
        response = client.get("/api/v1/roster/on-duty",
                              headers=bearer(make_token(app, make_staff(app, role))))
        assert response.status_code == 403, role
        assert response.get_json() == {"error": "forbidden"}


def test_nobody_on_duty_is_one_long_gap(app, client):
    response = client.get("/api/v1/roster/on-duty",
                          headers=bearer(make_token(app, make_staff(app, "liaison"))))
    body = response.get_json()
    assert body["on_duty"] == [] and len(body["gaps"]) == 1


def test_my_tasks(app, client):
    worker = make_staff(app, "caseworker")
    case_code = make_person(app, worker)
    make_task(app, case_code, "inform_person_charge", due=timedelta(hours=2))
    urgent = make_task(app, case_code, "urgent_safety_after_release", urgent=True)
    body = client.get("/api/v1/tasks", headers=bearer(make_token(app, worker))).get_json()
    assert [(t["kind"], t["urgent"], t["case_code"]) for t in body] == [
        ("urgent_safety_after_release", True, case_code),
        ("inform_person_charge", False, case_code)]
    assert body[0]["id"] == urgent and datetime.fromisoformat(body[0]["due"]).tzinfo
    other = make_staff(app, "caseworker")
    assert client.get("/api/v1/tasks", headers=bearer(make_token(app, other))).get_json() == []
    for role in ("liaison", "director", "auditor"):
        response = client.get("/api/v1/tasks",
                              headers=bearer(make_token(app, make_staff(app, role))))
        assert response.status_code == 403, role


def test_active_mou_per_unit(app, client):
    with_mou = make_unit(app, name="Unit with an MoU")
    without = make_unit(app, name="Unit without an MoU")
    version_id = register_version(app, with_mou, terms_toml())
    for role in ("liaison", "director"):
        response = client.get("/api/v1/mou/active",
                              headers=bearer(make_token(app, make_staff(app, role))))
        assert response.status_code == 200
        by_unit = {u["unit"]: u for u in response.get_json()}
        assert by_unit[with_mou]["mou"]["id"] == version_id
        assert by_unit[with_mou]["mou"]["version"] == 1
        assert by_unit[with_mou]["mou"]["code"] == "MOU-DEMO-POLICE-01"
        assert by_unit[with_mou]["mou"]["expires_on"] == (
            date.today() + timedelta(days=365)).isoformat()
        assert by_unit[without]["mou"] is None
    for role in ("caseworker", "legal_adviser", "auditor"):
        response = client.get("/api/v1/mou/active",
                              headers=bearer(make_token(app, make_staff(app, role))))
        assert response.status_code == 403, role


def test_operations_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, permission in (("/api/v1/roster/on-duty", "disclosure.review"),
                             ("/api/v1/tasks", "tasks"),
                             ("/api/v1/mou/active", "disclosure.review")):
        assert paths[path]["get"]["x-senim-permission"] == permission
