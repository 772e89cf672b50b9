"""CSRF protection stays on: a POST without a valid token changes nothing and ends the
session (security.md 6.17; SecureDrop's behaviour, with the protection enabled in tests)."""

from __future__ import annotations

import pytest

from tests.support import (
    csrf_token,
    db_execute,
    is_login_redirect,
    login,
    make_staff,
    session_cookie,
    session_rows,
    staff_row,
    table_counts,
)

FLASH = "Your form had expired or did not come from this site."

# name -> (role signed in or None for anonymous, url, form data without the token)
TARGETS = {
    "login": (None, "/auth/login", {"email": "{email}", "password": "{password}"}),
    "logout": ("caseworker", "/auth/logout", {}),
    "language": ("caseworker", "/language", {"language": "ru", "next": "/"}),
    "admin-create": ("director", "/admin/staff/new", {
        "email": "new.person@test.senim.kz", "display_name": "New Person",
        "role": "caseworker"}),
    "token-create": ("liaison", "/account/tokens", {"name": "my script"}),
}


def _foreign_token(app) -> str:
    """A genuine token, but from somebody else's session."""
    other = app.test_client()
    return csrf_token(other.get("/auth/login").get_data(as_text=True))


TOKENS = {
    "missing": lambda app: None,
    "bad": lambda app: "IjRmYzQ4ZDk1NjQ2YzRjOTYi.ZzZzZw.forgedforgedforgedforged",
    "empty": lambda app: "",
    "foreign": _foreign_token,
}


@pytest.mark.parametrize("token_kind", list(TOKENS))
@pytest.mark.parametrize("target", list(TARGETS))
def test_post_without_a_valid_token_is_refused(app, client, target, token_kind):
    role, url, template = TARGETS[target]
    user = make_staff(app, role or "caseworker")
    if role:
        login(client, app, user)
    else:
        client.get("/auth/login")  # an anonymous session with its own token exists
    data = {k: v.format(email=user.email, password=user.password) for k, v in template.items()}
    token = TOKENS[token_kind](app)
    if token is not None:
        data["csrf_token"] = token
    cookie_before = session_cookie(client, app)
    assert cookie_before
    before = table_counts(app, exclude=("staff_sessions",))

    response = client.post(url, data=data)

    assert is_login_redirect(response), (response.status_code, response.location)
    assert table_counts(app, exclude=("staff_sessions",)) == before
    assert staff_row(app, user.public_id).preferred_language is None
    # The session is destroyed: its row is gone and the old cookie is no longer honoured.
    assert session_rows(app, user.public_id) == []
    assert session_cookie(client, app) != cookie_before
    page = client.get("/auth/login")
    assert FLASH in page.get_data(as_text=True)
    assert is_login_redirect(client.get("/"))
    replay = app.test_client()
    replay.set_cookie("senim", cookie_before)
    assert is_login_redirect(replay.get("/"))


def test_the_same_posts_with_the_token_do_work(app, client):
    """Control: the refusals above are about the token, not about the requests."""
    director = make_staff(app, "director")
    login(client, app, director)
    page = client.get("/admin/staff/new").get_data(as_text=True)
    response = client.post("/admin/staff/new", data={
        "csrf_token": csrf_token(page), **TARGETS["admin-create"][2]})
    assert response.status_code == 302  # requested; it waits for a second director
    assert db_execute(app, "SELECT 1 FROM staff WHERE email = 'new.person@test.senim.kz'")
    response = client.post("/language", data={
        "csrf_token": csrf_token(page), "language": "ru", "next": "/"})
    assert response.status_code == 302
    assert staff_row(app, director.public_id).preferred_language == "ru"


def test_api_post_needs_no_csrf_token_but_a_bearer_token(app, client):
    """The API is exempt from CSRF because cookies do not authenticate it."""
    auditor = make_staff(app, "auditor")
    login(client, app, auditor)
    # A signed-in browser session is worth nothing on the API.
    response = client.post("/api/v1/audit/verify")
    assert response.status_code == 401


def test_get_requests_change_nothing(app, client):
    """Safe methods are safe: browsing every page of a director changes no table except the
    audit trail (page views) and the session."""
    director = make_staff(app, "director")
    target = make_staff(app, "caseworker")
    login(client, app, director)
    before = table_counts(app, exclude=("staff_sessions", "audit_events",
                                        "audit_chain_heads"))
    for url in ("/", "/account/", "/account/password", "/account/sessions",
                "/account/tokens", "/admin/staff", "/admin/staff/new",
                f"/admin/staff/{target.public_id}", "/auth/step-up",
                "/auth/login", "/auth/code", "/auth/enrol", "/auth/recovery",
                "/healthz", "/api/v1/openapi.json"):
        assert client.get(url).status_code in (200, 302), url
    assert table_counts(app, exclude=("staff_sessions", "audit_events",
                                      "audit_chain_heads")) == before
    assert staff_row(app, target.public_id).is_active
