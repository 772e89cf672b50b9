"""API tokens and the OpenAPI document (issue 2, item 7)."""

from __future__ import annotations

import re

from flask import Flask

from casework.services.tokens import PREFIX
from casework.web.security import public
from tests.support import (
    audit_rows,
    bearer,
    csrf_token,
    db_execute,
    dispose,
    fresh_app,
    login,
    make_staff,
    make_token,
    post_form,
)


def cli_token(app, email: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["senim", "api-token", "create", "--user", email,
                                                "--name", "nightly export"])
    return result.exit_code, result.output.strip()


def test_cli_token_works_as_bearer(app, client):
    user = make_staff(app, "liaison")
    code, token = cli_token(app, user.email)
    assert code == 0
    assert re.fullmatch(rf"{PREFIX}[A-Za-z0-9_-]{{43}}", token)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {"id": user.public_id, "email": user.email,
                                   "name": "Test liaison", "role": "liaison", "active": True}
    assert "Set-Cookie" not in response.headers  # the API never opens a cookie session
    created = audit_rows(app, "api_token.create")
    assert len(created) == 1 and created[0].actor == user.public_id


def test_cli_refuses_unknown_and_inactive_accounts(app):
    code, output = cli_token(app, "nobody@test.senim.kz")
    assert code != 0 and "no active account" in output
    user = make_staff(app, "caseworker")
    db_execute(app, "UPDATE staff SET is_active = :f WHERE public_id = :p", f=False,
               p=user.public_id)
    code, output = cli_token(app, user.email)
    assert code != 0 and PREFIX not in output


def test_bad_tokens_are_401(app, client):
    user = make_staff(app, "caseworker")
    token = make_token(app, user)
    for headers in ({}, {"Authorization": token}, {"Authorization": f"Basic {token}"},
                    bearer(token[:-1] + ("A" if token[-1] != "A" else "B")),
                    bearer("snm_" + "x" * 200), bearer(""), bearer(token.upper())):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json() == {"error": "authentication_required"}
    assert client.get("/api/v1/me", headers={"Authorization": f"bearer  {token}"}
                      ).status_code == 200  # the scheme is case-insensitive


def test_revoked_token_is_401(app, client):
    user = make_staff(app, "caseworker")
    code, token = cli_token(app, user.email)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    login(client, app, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    action = re.search(r'action="(/account/tokens/[0-9a-f]{32}/revoke)"', page).group(1)
    response = client.post(action, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert len(audit_rows(app, "api_token.revoke")) == 1


def test_cannot_revoke_somebody_elses_token(app, client):
    owner = make_staff(app, "caseworker")
    token = make_token(app, owner)
    other = make_staff(app, "caseworker")
    login(client, app, other)
    public_id = db_execute(app, "SELECT public_id FROM api_tokens")[0].public_id
    response = post_form(client, "/account/tokens", f"/account/tokens/{public_id}/revoke")
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_token_of_a_person_who_must_change_password_is_refused(app, client):
    user = make_staff(app, "caseworker")
    token = make_token(app, user)
    db_execute(app, "UPDATE staff SET must_change_password = :t WHERE public_id = :p", t=True,
               p=user.public_id)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_is_stored_hashed_and_shown_once(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    response = post_form(client, "/account/tokens", data={"name": "my script"})
    body = response.get_data(as_text=True)
    token = re.search(rf'<code class="secret">({PREFIX}[A-Za-z0-9_-]+)</code>', body).group(1)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    rows = db_execute(app, "SELECT * FROM api_tokens")
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored and token[10:] not in stored
    assert rows[0].prefix == token[:10]
    assert token not in client.get("/account/tokens").get_data(as_text=True)
    assert token not in " ".join(" ".join(str(v) for v in r) for r in audit_rows(app))


def test_forbidden_for_the_role_is_403_json(app, client):
    token = make_token(app, make_staff(app, "caseworker"))
    response = client.get("/api/v1/staff", headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json() == {"error": "forbidden"}


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found"}


# --- OpenAPI --------------------------------------------------------------------------


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every /api/v1 rule in the URL map, except the document."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def documented(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


# Operations that create something answer 201 (and document it; issue 11, item 7).
CREATED = {"post_persons", "post_persons_{case_code}_clearance",
           "post_persons_{case_code}_legal_decisions"}


def test_openapi_is_3_1_and_matches_the_url_map_exactly(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    routes = api_routes(app)
    assert routes  # the comparison is not between two empty sets
    assert documented(document) == routes
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["security"] == [{"bearer": []}], (path, method)
            created = operation["operationId"] in CREATED
            assert ("201" if created else "200") in operation["responses"], (path, method)
            assert "401" in operation["responses"] and "400" in operation["responses"]
            assert operation["x-senim-permission"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http",
                                                                   "scheme": "bearer"}


def test_an_unlisted_api_route_is_detected(tmp_path):
    application = fresh_app(tmp_path)
    try:
        @application.route("/api/v1/undocumented")
        @public
        def undocumented() -> dict[str, str]:
            return {"status": "secret"}

        document = application.test_client().get("/api/v1/openapi.json").get_json()
        missing = api_routes(application) - documented(document)
        assert missing == {("/api/v1/undocumented", "get")}
    finally:
        dispose(application)
