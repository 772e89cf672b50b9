"""The input attacks of issue 11 (item 6), one by one, on the real pages.

Each failed on the code before: an id over 64 characters (a 500 on PostgreSQL, the raw id
in the audit trail on SQLite), a NUL byte in a field stored in clear (a 500 on
PostgreSQL), an undecodable form byte (the session ended as if the CSRF token were
missing), a session row for every anonymous visit, and the development server's banner.
"""

from __future__ import annotations

import http.client
import threading
from pathlib import Path

from tests.support import (
    audit_rows,
    bearer,
    csrf_token,
    db_execute,
    login,
    make_staff,
    make_token,
    post_form,
    session_cookie,
    session_cookie_name,
    table_counts,
)

LONG_ID = "x" * 200


def _session_rows(app) -> int:
    return db_execute(app, "SELECT count(*) FROM staff_sessions")[0][0]


def _rejected(app) -> list:
    return audit_rows(app, "request.rejected")


def test_an_over_long_id_is_404_audited_without_the_id(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    for url in (f"/persons/{LONG_ID}", f"/persons/{LONG_ID}/interviews/{LONG_ID}"):
        response = client.get(url)
        assert response.status_code == 404
    token = make_token(app, user)
    assert client.get(f"/api/v1/persons/{LONG_ID}", headers=bearer(token)).status_code == 404
    rows = _rejected(app)
    assert [(r.actor, r.outcome) for r in rows] == [(user.public_id, "id_too_long")] * 3
    assert [r.object_ref for r in rows] == ["persons.detail", "records.interview",
                                            "api.persons_get"]
    assert not any(LONG_ID[:32] in str(tuple(r)) for r in audit_rows(app))
    assert client.get("/").status_code == 200


def test_a_nul_byte_in_a_field_stored_in_clear_is_400_and_changes_nothing(app, client):
    director = make_staff(app, "director")
    login(client, app, director)
    page = client.get("/admin/staff/new")
    before = table_counts(app, exclude=("audit_events", "audit_chain_heads", "staff_sessions"))
    response = client.post("/admin/staff/new", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": "nul.byte@test.senim.kz", "display_name": "Aigul\x00Sadykova",
        "role": "caseworker"})
    assert response.status_code == 400
    assert table_counts(app, exclude=("audit_events", "audit_chain_heads",
                                      "staff_sessions")) == before
    assert [(r.actor, r.outcome, r.object_ref) for r in _rejected(app)] == [
        (director.public_id, "malformed_form", "admin.staff_create")]
    assert client.get("/admin/staff").status_code == 200


def test_a_nul_byte_in_an_api_body_is_400(app, client):
    user = make_staff(app, "caseworker")
    token = make_token(app, user)
    before = table_counts(app, exclude=("audit_events", "audit_chain_heads"))
    response = client.post("/api/v1/persons", headers=bearer(token),
                           json={"names": ["Aigul\x00"], "gender": "female"})
    assert response.status_code == 400 and response.get_json() == {"error": "bad_request"}
    assert table_counts(app, exclude=("audit_events", "audit_chain_heads")) == before
    assert [(r.actor, r.outcome) for r in _rejected(app)] == [(user.public_id,
                                                                "malformed_json")]


def test_an_invalid_utf8_byte_in_a_form_is_400_and_keeps_the_session(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    cookie = session_cookie(client, app)
    token = csrf_token(client.get("/persons/").get_data(as_text=True))
    response = client.post("/persons/search", content_type="application/x-www-form-urlencoded",
                           data=f"csrf_token={token}&query=Ai".encode() + b"\xffgul")
    assert response.status_code == 400
    assert "Your form had expired" not in response.get_data(as_text=True)
    assert session_cookie(client, app) == cookie
    assert client.get("/").status_code == 200
    assert [(r.actor, r.outcome) for r in _rejected(app)] == [(user.public_id,
                                                                "malformed_form")]
    # The same form, well formed, still works with the same token: nothing was revoked.
    again = client.post("/persons/search", data={"csrf_token": token, "query": "Aigul"})
    assert again.status_code == 200


def test_an_invalid_multipart_filename_is_400_and_keeps_the_session(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    token = csrf_token(client.get("/persons/").get_data(as_text=True))
    body = (b"--b0\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            + token.encode() + b"\r\n--b0\r\nContent-Disposition: form-data; name=\"file\"; "
            b"filename=\"\xff.pdf\"\r\n\r\n%PDF-1.4\r\n--b0--\r\n")
    response = client.post("/persons/search", data=body,
                           content_type="multipart/form-data; boundary=b0")
    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_a_nul_byte_in_the_user_agent_is_not_a_server_error(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    response = client.get("/", headers={"User-Agent": "Mozilla\x00/5.0"})
    assert response.status_code == 200
    agents = [row[0] for row in db_execute(app, "SELECT user_agent FROM staff_sessions")]
    assert agents and all("\x00" not in agent for agent in agents)


def test_anonymous_visits_create_no_session_rows(app, client):
    for _ in range(25):
        assert client.get("/auth/login").status_code == 200
        assert app.test_client().get("/auth/login").status_code == 200
    assert _session_rows(app) == 0
    # The anonymous state (the CSRF token) lives in a signed cookie, and signing in works.
    assert session_cookie(client, app).startswith("a.")
    user = make_staff(app, "caseworker")
    login(client, app, user)
    assert _session_rows(app) == 1
    assert not session_cookie(client, app).startswith("a.")


def test_a_forged_anonymous_cookie_is_ignored(app, client):
    client.get("/auth/login")
    name = session_cookie_name(app)
    forged = app.test_client()
    forged.set_cookie(name, "a." + session_cookie(client, app)[2:-4] + "AAAA")
    page = forged.get("/auth/login")
    # Its token is not the one in the forged cookie, so the old form cannot be replayed.
    response = post_form(forged, "/auth/login", data={"email": "x@test.senim.kz",
                                                      "password": "wrong password 42"})
    assert page.status_code == 200 and response.status_code in (200, 302)
    assert _session_rows(app) == 0


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_development_server_sends_no_banner(app):
    from casework.cli_serve import make_quiet_server

    server = make_quiet_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in ("/auth/login", "/no/such/page", "/static/senim.css"):
            response = _get(server.server_port, path)
            assert response.getheader("Server") is None, path
            assert not any("werkzeug" in value.lower() or "python/" in value.lower()
                           for _, value in response.getheaders()), path
    finally:
        server.shutdown()
        server.server_close()


def test_make_run_serves_without_the_banner():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "senim serve" in run and "flask run" not in run.replace("$(FLASK) senim", "")


def test_an_id_that_is_not_id_shaped_is_not_copied_into_the_audit_trail(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    assert client.get("/persons/Айгүл Садықова").status_code == 404
    views = audit_rows(app, "view.persons.detail")
    assert [r.object_ref for r in views] == ["~malformed"]
    assert not any("Айгүл" in str(tuple(r)) for r in audit_rows(app))
