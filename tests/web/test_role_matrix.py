"""Role x page matrix for the administration, audit and API surfaces (security.md 6.2).

Each role gets exactly the status in the table, and every refusal leaves one
``access.denied`` row naming the actor and the endpoint.
"""

from __future__ import annotations

import pytest

from tests.support import (
    audit_rows,
    bearer,
    csrf_token,
    login,
    make_staff,
    make_token,
)

ROLES = ["caseworker", "psychologist", "legal_adviser", "liaison", "director", "auditor"]

# (method, url template, endpoint, role that may use it)
PAGES = [
    ("GET", "/admin/staff", "admin.staff_list", "director"),
    ("GET", "/admin/staff/new", "admin.staff_create", "director"),
    ("GET", "/admin/staff/{target}", "admin.staff_detail", "director"),
    ("GET", "/audit/", "audit.index", "auditor"),
    ("POST", "/audit/verify", "audit.verify", "auditor"),
]
API = [
    ("GET", "/api/v1/staff", "api.staff", "director"),
    ("GET", "/api/v1/audit/events", "api.audit_events", "auditor"),
    ("POST", "/api/v1/audit/verify", "api.audit_verify", "auditor"),
    ("GET", "/api/v1/me", "api.me", None),  # every role
]


def _denials(app, actor):
    return [row for row in audit_rows(app, "access.denied") if row.actor == actor]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "endpoint", "allowed_role"), PAGES,
                         ids=[p[1] for p in PAGES])
def test_html_pages(app, client, role, method, url, endpoint, allowed_role):
    target = make_staff(app, "caseworker")
    user = make_staff(app, role)
    assert login(client, app, user).status_code == 200
    url = url.format(target=target.public_id)
    data = None
    if method == "POST":
        data = {"csrf_token": csrf_token(client.get("/").get_data(as_text=True))}
    before = _denials(app, user.public_id)
    response = client.open(url, method=method, data=data)
    after = _denials(app, user.public_id)
    expected = 200 if role == allowed_role else 403
    assert response.status_code == expected
    if expected == 403:
        assert len(after) == len(before) + 1
        row = after[-1]
        assert (row.action, row.outcome, row.object_ref) == ("access.denied", "forbidden",
                                                             endpoint)
        assert row.request_id and row.request_id == response.headers["X-Request-Id"]
        # The refusal page says nothing about what is behind it.
        assert target.email not in response.get_data(as_text=True)
    else:
        assert after == before
    # Refused or not, the member of staff stays signed in.
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "endpoint", "allowed_role"), API,
                         ids=[p[1] for p in API])
def test_api(app, client, role, method, url, endpoint, allowed_role):
    other = make_staff(app, "psychologist")
    user = make_staff(app, role)
    token = make_token(app, user)
    before = _denials(app, user.public_id)
    response = client.open(url, method=method, headers=bearer(token))
    after = _denials(app, user.public_id)
    expected = 200 if allowed_role in (None, role) else 403
    assert response.status_code == expected
    assert response.is_json
    if expected == 403:
        assert response.get_json() == {"error": "forbidden"}
        assert len(after) == len(before) + 1
        row = after[-1]
        assert (row.outcome, row.object_ref) == ("forbidden", endpoint)
        assert row.request_id == response.headers["X-Request-Id"]
    else:
        assert after == before
        body = response.get_data(as_text=True)
        if endpoint == "api.staff":
            emails = {item["email"] for item in response.get_json()}
            assert {user.email, other.email} <= emails
        elif endpoint == "api.me":
            assert response.get_json()["id"] == user.public_id
            assert other.email not in body
