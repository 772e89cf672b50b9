"""Deny by default, proven over the whole URL map (security.md 6.1).

The cases are generated from ``app.url_map`` at collection time, so a new route is tested
the moment it is added: public views may answer anything but a server error, every other
HTML view sends an anonymous visitor to the sign-in page, every other API view answers 401.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from flask import Flask

from casework import create_app
from casework.web.security import ATTR, PUBLIC, check_endpoints, public
from tests.conftest import make_settings
from tests.support import (
    audit_rows,
    csrf_token,
    is_login_redirect,
    table_counts,
)

DUMMY = "0123456789abcdef0123456789abcdef"
SAMPLES = {"int": "1", "float": "1.0", "uuid": "01234567-89ab-cdef-0123-456789abcdef"}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def inventory(app: Flask) -> list[tuple[str, str, str, str]]:
    """(kind, method, url, endpoint) for every rule and method of the application."""
    cases = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static":
            kind = "public"
            url = "/static/senim.css"
        else:
            kind = ("public" if getattr(view, ATTR, None) == PUBLIC
                    else "api" if rule.rule.startswith("/api/") else "html")
            url = re.sub(r"<(?:([a-z_]+)(?:\([^)]*\))?:)?[a-z_]+>",
                         lambda m: SAMPLES.get(m.group(1) or "", DUMMY), rule.rule)
        assert "<" not in url, url
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            cases.append((kind, method, url, rule.endpoint))
    return cases


with tempfile.TemporaryDirectory() as _root:
    CASES = inventory(create_app(make_settings(Path(_root))))


def test_inventory_is_not_empty_and_covers_every_kind():
    kinds = {kind for kind, *_ in CASES}
    assert kinds == {"public", "html", "api"}
    assert len(CASES) >= 25


def test_inventory_matches_the_application_under_test(app):
    assert sorted(inventory(app)) == sorted(CASES)


def _ids(case: tuple[str, str, str, str]) -> str:
    kind, method, url, _ = case
    return f"{kind}-{method}-{url}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_anonymous_request(app, client, case):
    kind, method, url, endpoint = case
    before = table_counts(app, exclude=("staff_sessions",))
    response = client.open(url, method=method)
    if kind == "public":
        assert response.status_code < 500, response.get_data(as_text=True)[:300]
        return
    if kind == "api":
        assert response.status_code == 401
        assert response.is_json and response.get_json() == {"error": "authentication_required"}
        assert "Set-Cookie" not in response.headers
    elif method == "GET":
        assert is_login_redirect(response), (response.status_code, response.location)
    else:
        # flask-wtf checks CSRF before the gate runs: a token-less POST is refused as a
        # forged form, which also redirects to the sign-in page and changes nothing.
        assert is_login_redirect(response), (response.status_code, response.location)
        assert table_counts(app, exclude=("staff_sessions",)) == before
        return
    denied = [row for row in audit_rows(app, "access.denied") if row.object_ref == endpoint]
    assert len(denied) == 1
    assert (denied[0].outcome, denied[0].actor) == ("anonymous", None)


HTML_POSTS = [case for case in CASES if case[0] == "html" and case[1] != "GET"]


@pytest.mark.parametrize("case", HTML_POSTS, ids=_ids)
def test_anonymous_post_with_a_valid_csrf_token_is_stopped_by_the_gate(app, client, case):
    """Past the CSRF check, the access gate itself refuses and audits the attempt."""
    _, method, url, endpoint = case
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    before = table_counts(app, exclude=("staff_sessions",))
    response = client.open(url, method=method, data={"csrf_token": token, "back": "/"})
    assert is_login_redirect(response), (response.status_code, response.location)
    after = table_counts(app, exclude=("staff_sessions",))
    assert after.pop("casework.audit_events") == before.pop("casework.audit_events") + 1
    after.pop("casework.audit_chain_heads"), before.pop("casework.audit_chain_heads")
    assert after == before
    denied = audit_rows(app, "access.denied")
    assert [(r.object_ref, r.outcome, r.actor) for r in denied] == [
        (endpoint, "anonymous", None)]


def test_every_endpoint_declares_a_permission(app):
    for name, view in app.view_functions.items():
        if name != "static":
            assert hasattr(view, ATTR), name


def test_check_endpoints_refuses_a_new_unguarded_route(tmp_path):
    application = create_app(make_settings(tmp_path))
    check_endpoints(application)  # the real application passes

    @application.route("/forgotten")
    def forgotten() -> str:
        return "no permission declared"

    with pytest.raises(RuntimeError, match="forgotten"):
        check_endpoints(application)


def test_check_endpoints_accepts_a_declared_route(tmp_path):
    application = create_app(make_settings(tmp_path))

    @application.route("/declared")
    @public
    def declared() -> str:
        return "public on purpose"

    check_endpoints(application)


def test_unguarded_blueprint_route_is_refused_at_start_up(tmp_path, monkeypatch):
    """create_app itself refuses to build an application with an unguarded endpoint."""
    from flask import Blueprint

    import casework.web as web

    extra = Blueprint("extra", __name__)

    @extra.route("/extra")
    def unguarded() -> str:
        return "oops"

    original = web.register_web

    def register_with_extra(application: Flask) -> None:
        application.register_blueprint(extra)
        original(application)

    monkeypatch.setattr(web, "register_web", register_with_extra)
    with pytest.raises(RuntimeError, match="extra.unguarded"):
        create_app(make_settings(tmp_path))
