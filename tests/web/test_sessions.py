"""Server-side sessions (security.md 6.16): fixation, replay after logout, idle and absolute
expiry, revocation on password change and deactivation, the sessions page, cookie flags."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework.models.base import utcnow
from casework.services.sessions import hash_sid
from tests.support import (
    PASSWORD,
    bearer,
    csrf_token,
    db_execute,
    dispose,
    fresh_app,
    is_login_redirect,
    login,
    make_staff,
    make_token,
    post_form,
    session_cookie,
    session_rows,
    update_table,
)

NEW_PASSWORD = "violet lantern orbit harbour 9183"


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("senim", cookie)
    return other


def test_session_id_changes_at_login(app, client):
    user = make_staff(app, "caseworker")
    client.get("/auth/login")
    anonymous = session_cookie(client, app)
    assert anonymous
    login(client, app, user)
    authenticated = session_cookie(client, app)
    assert authenticated and authenticated != anonymous
    # The pre-login id is dead, so a planted cookie gains nothing.
    assert db_execute(app, "SELECT 1 FROM staff_sessions WHERE id_hash = :h",
                      h=hash_sid(anonymous)) == []
    assert is_login_redirect(replay(app, anonymous).get("/"))
    assert signed_in(client)


def test_planted_session_id_is_not_adopted(app, client):
    """A cookie value the server never issued is ignored, not turned into a session."""
    user = make_staff(app, "caseworker")
    planted = "attacker-chosen-session-id-attacker-chosen-session"
    client.set_cookie("senim", planted)
    login(client, app, user)
    assert session_cookie(client, app) != planted
    assert db_execute(app, "SELECT 1 FROM staff_sessions WHERE id_hash = :h",
                      h=hash_sid(planted)) == []


def test_cookie_holds_only_a_random_id_and_the_table_only_its_hash(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    cookie = session_cookie(client, app)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)
    rows = session_rows(app, user.public_id)
    assert len(rows) == 1
    assert rows[0].id_hash == hash_sid(cookie)
    assert cookie not in " ".join(str(v) for v in rows[0])


def test_old_cookie_fails_after_logout(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    cookie = session_cookie(client, app)
    assert replay(app, cookie).get("/").status_code == 200  # control: the copy works
    response = post_form(client, "/", "/auth/logout")
    assert is_login_redirect(response)
    assert session_rows(app, user.public_id) == []
    assert is_login_redirect(replay(app, cookie).get("/"))
    assert is_login_redirect(client.get("/"))


def _age(app, cookie: str, **changes) -> None:
    assert update_table(app, "staff_sessions", changes, id_hash=hash_sid(cookie)) == 1


def test_idle_timeout(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    cookie = session_cookie(client, app)
    _age(app, cookie, last_seen_at=utcnow() - timedelta(minutes=14))
    assert signed_in(client)  # 14 minutes idle: still fine, and the clock is reset
    _age(app, cookie, last_seen_at=utcnow() - timedelta(minutes=16))
    response = client.get("/")
    assert is_login_redirect(response)
    assert session_rows(app, user.public_id) == []
    assert is_login_redirect(replay(app, cookie).get("/"))


def test_idle_session_is_explained_on_the_login_page(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    _age(app, session_cookie(client, app), last_seen_at=utcnow() - timedelta(minutes=16))
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Your session ended after a period without activity" in page
    assert is_login_redirect(client.get("/"))


def test_activity_keeps_the_session_alive(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    cookie = session_cookie(client, app)
    for _ in range(3):
        _age(app, cookie, last_seen_at=utcnow() - timedelta(minutes=14))
        assert signed_in(client)
        row = session_rows(app, user.public_id)[0]
        assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_absolute_timeout(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    cookie = session_cookie(client, app)
    _age(app, cookie, created_at=utcnow() - timedelta(hours=7, minutes=58))
    assert signed_in(client)
    # Active a moment ago, but signed in more than 8 hours ago.
    _age(app, cookie, created_at=utcnow() - timedelta(hours=8, minutes=1),
         last_seen_at=utcnow() - timedelta(seconds=5))
    assert is_login_redirect(client.get("/"))
    assert session_rows(app, user.public_id) == []


def _change_password(client, new: str = NEW_PASSWORD):
    response = post_form(client, "/account/password", data={
        "current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def test_password_change_ends_other_sessions_and_tokens(app, client):
    user = make_staff(app, "caseworker")
    other = app.test_client()
    login(client, app, user)
    login(other, app, user)
    token = make_token(app, user)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    before = session_cookie(client, app)

    _change_password(client)

    assert signed_in(client)  # this session continues ...
    assert session_cookie(client, app) != before  # ... under a new id
    assert is_login_redirect(other.get("/"))
    assert is_login_redirect(replay(app, before).get("/"))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert len(session_rows(app, user.public_id)) == 1


def test_refused_password_change_ends_nothing(app, client):
    user = make_staff(app, "caseworker")
    other = app.test_client()
    login(client, app, user)
    login(other, app, user)
    token = make_token(app, user)
    response = post_form(client, "/account/password", data={
        "current": "not my password at all", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert "Your current password is not correct" in response.get_data(as_text=True)
    assert signed_in(other)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_deactivation_ends_sessions_and_tokens(app, client):
    director = make_staff(app, "director")
    target = make_staff(app, "caseworker")
    theirs = app.test_client()
    login(theirs, app, target)
    token = make_token(app, target)
    assert signed_in(theirs)
    login(client, app, director)
    response = post_form(client, f"/admin/staff/{target.public_id}",
                         f"/admin/staff/{target.public_id}/deactivate")
    assert response.status_code == 302
    assert is_login_redirect(theirs.get("/"))
    assert session_rows(app, target.public_id) == []
    assert theirs.get("/api/v1/me", headers=bearer(token)).status_code == 401
    # Reactivating does not bring the old session or token back.
    post_form(client, f"/admin/staff/{target.public_id}",
              f"/admin/staff/{target.public_id}/reactivate")
    assert is_login_redirect(theirs.get("/"))
    assert theirs.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_sessions_page_lists_own_sessions_and_ends_another(app, client):
    user = make_staff(app, "caseworker")
    stranger = make_staff(app, "caseworker")
    laptop = app.test_client()
    phone = app.test_client()
    login(client, app, user)
    login(laptop, app, user)
    login(phone, app, stranger)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert page.count("This session") == 1
    actions = re.findall(r'action="/account/sessions/([0-9a-f]{32})/revoke"', page)
    own = {row.public_id for row in session_rows(app, user.public_id)}
    theirs = {row.public_id for row in session_rows(app, stranger.public_id)}
    assert len(actions) == 1 and set(actions) < own
    assert not set(actions) & theirs

    response = client.post(f"/account/sessions/{actions[0]}/revoke",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert is_login_redirect(laptop.get("/"))
    assert signed_in(client)
    assert signed_in(phone)
    assert [r.public_id for r in session_rows(app, user.public_id)] == list(own - {actions[0]})


def test_cannot_end_somebody_elses_session(app, client):
    user = make_staff(app, "caseworker")
    stranger = make_staff(app, "caseworker")
    victim = app.test_client()
    login(victim, app, stranger)
    login(client, app, user)
    theirs = session_rows(app, stranger.public_id)[0].public_id
    page = client.get("/account/sessions").get_data(as_text=True)
    response = client.post(f"/account/sessions/{theirs}/revoke",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert signed_in(victim)
    assert len(session_rows(app, stranger.public_id)) == 1


def _set_cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_cookie_flags(app, client):
    user = make_staff(app, "caseworker")
    response = login(client, app, user, follow=False)
    cookies = [c for c in _set_cookie_headers(response) if c.startswith("senim=")]
    assert len(cookies) == 1
    flags = [part.strip() for part in cookies[0].split(";")]
    assert "HttpOnly" in flags
    assert "SameSite=Strict" in flags
    assert "Path=/" in flags
    assert not any(flag.lower().startswith(("domain=", "expires=", "max-age="))
                   for flag in flags)  # a browser-session cookie, never persisted


@pytest.fixture
def secure_app(tmp_path):
    application = fresh_app(tmp_path, secure_cookies=True)
    yield application
    dispose(application)


def test_secure_cookie_uses_the_host_prefix(secure_app):
    client = secure_app.test_client()
    response = client.get("/auth/login", base_url="https://senim.example")
    cookies = _set_cookie_headers(response)
    assert len(cookies) == 1
    assert cookies[0].startswith("__Host-senim=")
    flags = [part.strip() for part in cookies[0].split(";")]
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in flags
    assert not any(flag.lower().startswith("domain=") for flag in flags)


def test_an_unchanged_session_is_touched_at_most_every_30_seconds(app, client):
    # Issue 12: a page view that changes nothing in the session does not rewrite its row
    # when the row was touched moments ago; the idle limit stays 15 minutes within 30 s.
    from freezegun import freeze_time

    user = make_staff(app, "caseworker")
    login(client, app, user)
    cookie = session_cookie(client, app)
    start = utcnow()
    with freeze_time(start) as clock:
        _age(app, cookie, last_seen_at=start)
        clock.tick(timedelta(seconds=20))
        assert signed_in(client)
        assert session_rows(app, user.public_id)[0].last_seen_at == start  # not rewritten
        clock.tick(timedelta(seconds=15))  # 35 s after the last touch
        assert signed_in(client)
        assert session_rows(app, user.public_id)[0].last_seen_at == utcnow()
        # A change to the session is written at once, however recent the touch.
        touched = utcnow()
        clock.tick(timedelta(seconds=5))
        post_form(client, "/account/", "/language", data={"language": "ru"})
        assert session_rows(app, user.public_id)[0].last_seen_at > touched
