"""Sign-in with password and TOTP through the real forms, CSRF on."""

from __future__ import annotations

from tests.support import csrf_token, current_code, login, make_staff, post_form


def test_login_with_totp_reaches_home(app, client):
    user = make_staff(app, "caseworker")
    response = login(client, app, user)
    assert response.status_code == 200
    assert "Welcome, Test caseworker" in response.get_data(as_text=True)


def test_first_login_enrols_totp_and_shows_recovery_codes(app, client):
    user = make_staff(app, "psychologist", enrolled=False)
    page = client.get("/auth/login")
    response = client.post("/auth/login", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": user.email, "password": user.password})
    assert response.location.endswith("/auth/enrol")
    enrol = client.get("/auth/enrol").get_data(as_text=True)
    assert "<svg" in enrol
    # The manual key shown on the page is the pending secret.
    import re

    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', enrol).group(1)
    response = client.post("/auth/enrol", data={
        "csrf_token": csrf_token(enrol), "code": current_code(secret.replace(" ", ""))})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.count("<li><code>") == 10
    assert client.get("/").status_code == 200


def test_wrong_password_and_unknown_user_look_identical(app, client):
    user = make_staff(app, "caseworker")
    wrong = post_form(client, "/auth/login", data={"email": user.email, "password": "x" * 14},
                      follow_redirects=True)
    unknown = post_form(client, "/auth/login", data={"email": "nobody@test.senim.kz",
                                                     "password": "x" * 14},
                        follow_redirects=True)
    assert wrong.status_code == unknown.status_code == 200
    strip = lambda html: html.split('name="csrf_token"')[0] + html.split("</form>")[-1]  # noqa: E731
    assert strip(wrong.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    assert "Sign-in failed" in wrong.get_data(as_text=True)
