"""Security headers on every kind of response: 200, 302, 403, 404, 405, 500 and static
(security.md 6.18)."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import InternalServerError

from casework.web.security import CSP, public
from tests.support import dispose, fresh_app, login, make_staff, post_form

EXPECTED_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                "font-src 'self'; connect-src 'self'; form-action 'self'; "
                "frame-ancestors 'none'; base-uri 'none'")
HSTS = "max-age=63072000; includeSubDomains"


def assert_security_headers(response, *, static: bool = False) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Server" not in headers
    assert "X-Powered-By" not in headers
    if static:
        assert "no-store" not in headers.get("Cache-Control", "")
    else:
        assert headers["Cache-Control"] == "no-store"
        assert headers["Pragma"] == "no-cache"


def test_the_policy_is_the_strict_one():
    assert CSP == EXPECTED_CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP


def test_200_login_page(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert_security_headers(response)
    assert len(response.headers["X-Request-Id"]) == 16
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests


def test_200_signed_in_page(app, client):
    login(client, app, make_staff(app, "caseworker"))
    response = client.get("/account/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_302_redirect_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert_security_headers(response)


def test_403_forbidden(app, client):
    login(client, app, make_staff(app, "caseworker"))
    response = client.get("/admin/staff")
    assert response.status_code == 403
    assert_security_headers(response)


def test_404_not_found(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_security_headers(response)


def test_405_method_not_allowed(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert_security_headers(response)


def test_401_api(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert_security_headers(response)


def test_static_files_keep_the_headers_but_may_be_cached(client):
    response = client.get("/static/senim.css")
    assert response.status_code == 200
    assert_security_headers(response, static=True)
    response.close()


def test_logout_clears_site_data(app, client):
    login(client, app, make_staff(app, "caseworker"))
    response = post_form(client, "/", "/auth/logout")
    assert response.status_code == 302
    # The session cookie is deleted; the known-device cookie stays (issue 11, point 4).
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert any(h.startswith("senim=;") for h in response.headers.getlist("Set-Cookie"))
    assert_security_headers(response)


@pytest.fixture(scope="module")
def failing_app(tmp_path_factory):
    application = fresh_app(tmp_path_factory.mktemp("failing"))

    @application.route("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("secret detail: victim Aigerim N1234567")

    @application.route("/boom-api")
    @public
    def boom_http() -> str:
        raise InternalServerError()

    yield application
    dispose(application)


def test_500_keeps_the_headers_and_leaks_nothing(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)
    body = response.get_data(as_text=True)
    assert "Aigerim" not in body and "N1234567" not in body and "Traceback" not in body


def test_500_from_an_http_exception_keeps_the_headers(failing_app):
    response = failing_app.test_client().get("/boom-api")
    assert response.status_code == 500
    assert_security_headers(response)


@pytest.fixture(scope="module")
def secure_app(tmp_path_factory):
    application = fresh_app(tmp_path_factory.mktemp("secure"), secure_cookies=True)
    yield application
    dispose(application)


@pytest.mark.parametrize("url", ["/auth/login", "/", "/no/such/page", "/static/senim.css"])
def test_hsts_when_secure_cookies_are_on(secure_app, url):
    response = secure_app.test_client().get(url, base_url="https://senim.example")
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert_security_headers(response, static=url.startswith("/static/"))
    response.close()
