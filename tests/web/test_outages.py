"""Outages look like outages (issue 16.6): a database that cannot be reached gives a
translated 503 page with Retry-After (JSON on the API), never a bare 500; the readiness
endpoint names the failed check and nothing else; nothing is let through unauthenticated."""

from __future__ import annotations

import contextlib
import logging

import pytest

from tests.support import bearer, isolated_instance, login, make_staff, make_token, post_form
from tests.web.test_intel_pages import THEMATIC

WORDS = {"en": "Senim is temporarily unavailable",
         "ru": "Сенім временно недоступен",
         "kk": "Сенім уақытша қолжетімсіз"}


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    with isolated_instance(tmp_path_factory.mktemp("outage")) as application:
        yield application


@contextlib.contextmanager
def unreachable(app, bind):
    """Every new connection to one database fails the way a stopped server does."""
    from casework.extensions import db

    with app.app_context():
        engine = db.engines[bind]
    dbapi = engine.dialect.loaded_dbapi
    real = engine.dialect.connect

    def refuse(*args, **kwargs):
        raise dbapi.OperationalError("connection refused")

    engine.dialect.connect = refuse  # type: ignore[method-assign]
    engine.dispose()
    try:
        yield
    finally:
        engine.dialect.connect = real  # type: ignore[method-assign]
        engine.dispose()


def assert_outage_page(response, lang="en"):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert WORDS[lang] in body
    assert "Internal Server Error" not in body


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_casework_database_down_gives_the_translated_outage_page(inst, lang, caplog):
    user = make_staff(inst, "caseworker")
    client = inst.test_client()
    assert login(client, inst, user).status_code == 200
    with unreachable(inst, None), caplog.at_level(logging.INFO, logger="senim.web"):
        # Signed in (the session lookup fails first) and anonymous (the login page).
        assert_outage_page(client.get("/persons/", headers={"Accept-Language": lang}), lang)
        anonymous = inst.test_client()
        assert_outage_page(anonymous.post("/auth/login", data={"email": user.email},
                                          headers={"Accept-Language": lang}), lang)
    assert "event=service.unavailable cause=OperationalError" in caplog.text
    assert "connection refused" not in caplog.text  # the cause's name, never its text
    # Back up: the same session works again; nothing was bypassed meanwhile.
    assert client.get("/persons/").status_code == 200


def test_intel_database_down_mid_request_and_write(inst):
    from tests.web.test_two_database_writes import counts

    user = make_staff(inst, "caseworker")
    client = inst.test_client()
    login(client, inst, user)
    page = client.get("/intel/new").get_data(as_text=True)
    before = counts(inst)
    with unreachable(inst, "intel"):
        assert_outage_page(client.get("/intel/"))
        from tests.support import csrf_token

        response = client.post("/intel/new", data={"csrf_token": csrf_token(page),
                                                    **THEMATIC})
        assert_outage_page(response)
        assert "Nothing you entered was saved" in response.get_data(as_text=True)
    after = counts(inst)
    assert (after["entries"], after["created"]) == (before["entries"], before["created"])
    assert post_form(client, "/intel/new", data=THEMATIC).status_code == 302


def test_api_gets_json_503_and_no_authentication_bypass(inst):
    user = make_staff(inst, "caseworker")
    token = make_token(inst, user)
    with unreachable(inst, None):
        for headers in (bearer(token), {}, bearer("forged")):
            response = inst.test_client().get("/api/v1/persons", headers=headers)
            assert response.status_code == 503
            assert response.get_json() == {"error": "unavailable"}
            assert response.headers["Retry-After"]


def test_readiness_names_the_failed_check_and_nothing_else(inst):
    client = inst.test_client()
    assert client.get("/health/live").get_json() == {"status": "live"}
    assert client.get("/health/ready").get_json() == {"status": "ready"}
    for bind, name in ((None, "database_casework"), ("intel", "database_intel")):
        with unreachable(inst, bind):
            response = client.get("/health/ready")
            assert response.status_code == 503
            assert response.get_json() == {"status": "unavailable", "failed": [name]}
            assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 200


def test_readiness_reports_migrations_behind_and_locked_keys(inst, monkeypatch):
    from tests.support import db_execute

    real = db_execute(inst, "SELECT version_num FROM alembic_version")[0].version_num
    db_execute(inst, "UPDATE alembic_version SET version_num = 'e73b3a2fb82a'")
    try:
        response = inst.test_client().get("/health/ready")
        assert (response.status_code, response.get_json()["failed"]) == (503, ["migrations"])
    finally:
        db_execute(inst, "UPDATE alembic_version SET version_num = :v", v=real)
    keys = inst.extensions.pop("senim.keys")
    try:
        response = inst.test_client().get("/health/ready")
        assert (response.status_code, response.get_json()["failed"]) == (503, ["key_file"])
    finally:
        inst.extensions["senim.keys"] = keys


def test_an_application_whose_databases_are_on_a_closed_port(tmp_path):
    """Started while PostgreSQL is down (nothing listens on the port): pages, API and
    readiness all say so; nothing is a 500."""
    from casework import create_app
    from tests.conftest import make_settings
    from tests.support import dispose

    closed = "postgresql+psycopg://senim@127.0.0.1:9/senim?connect_timeout=2"
    app = create_app(make_settings(tmp_path, database_url=closed,
                                   intel_database_url=closed + "&application_name=intel"))
    try:
        client = app.test_client()
        assert_outage_page(client.post("/auth/login", data={"email": "x@y.kz"}))
        assert_outage_page(client.get("/persons/"))
        response = client.get("/api/v1/persons", headers=bearer("anything"))
        assert (response.status_code, response.get_json()) == (503, {"error": "unavailable"})
        response = client.get("/health/ready")
        assert response.status_code == 503
        assert response.get_json()["failed"] == ["database_casework", "database_intel"]
    finally:
        dispose(app)
