"""Every bad input is a 4xx, on every route, for a signed-in user (issue 11, item 6).

Walks the whole URL map (the route inventory's approach) as a member of staff whose role
may use the route, and sends it: a 200-character id, a NUL byte, and invalid UTF-8 in the
path, the query string, a form (urlencoded and multipart, values and filenames) and a
JSON body. None may answer 500, each is refused (400/404) with an audit entry naming the
signed-in actor and never the input, and the session survives all of them.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from casework import create_app
from casework.domain.roles import Permission, Role, can
from casework.web.security import ATTR, PUBLIC
from tests.conftest import make_settings
from tests.support import bearer, csrf_token, db_execute, login, make_staff, make_token

PARAM = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?[a-z_]+>")
LONG_ID = "a" * 200


def _routes() -> list[tuple[str, str, str, str]]:
    """(method, rule, endpoint, role) for every rule and method but static files."""
    with tempfile.TemporaryDirectory() as root:
        application = create_app(make_settings(Path(root)))
    cases = []
    for rule in application.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        needed = getattr(application.view_functions[rule.endpoint], ATTR)
        role = (Role.CASEWORKER if needed == PUBLIC
                else next(r for r in Role if can(r, Permission(needed))))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            cases.append((method, rule.rule, rule.endpoint, role.value))
    return cases


ROUTES = _routes()


def _url(rule: str, value: str) -> str:
    return PARAM.sub(value, rule)


def _multipart(boundary: str, parts: list[tuple[bytes, bytes | None, bytes]]) -> bytes:
    body = b""
    for name, filename, value in parts:
        disposition = b'form-data; name="' + name + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        body += (b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition
                 + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + value + b"\r\n")
    return body + b"--" + boundary.encode() + b"--\r\n"


def _attacks(method: str, rule: str, token: str) -> list[tuple[str, dict]]:
    """(label, client.open keyword arguments) of every malformed request for one route."""
    has_param = PARAM.search(rule) is not None
    url = _url(rule, "0123456789abcdef0123456789abcdef")
    attacks: list[tuple[str, dict]] = [
        # WSGI hands the raw query string over as latin-1 text, one character a byte.
        ("nul in query", {"path": url, "environ_overrides": {"QUERY_STRING": "q=a%00b"}}),
        ("bad utf-8 in query", {"path": url, "environ_overrides": {
            "QUERY_STRING": "q=%FF%FE"}}),
        ("raw bad byte in query", {"path": url, "environ_overrides": {
            "QUERY_STRING": "q=\xff"}}),
    ]
    if has_param:
        attacks += [
            ("long id", {"path": _url(rule, LONG_ID)}),
            ("nul in id", {"path": _url(rule, "ab\x00cd")}),
            ("bad utf-8 in id", {"path": url, "environ_overrides": {
                "PATH_INFO": _url(rule, "ab\xffcd")}}),
        ]
    if method == "GET":
        return attacks
    form = [("csrf_token", token), ("back", "/")]
    attacks += [
        ("bad utf-8 in form", {"path": url, "content_type": "application/x-www-form-urlencoded",
                               "data": f"csrf_token={token}&back=/&text=ab".encode()
                               + b"\xff\xfe"}),
        ("escaped bad utf-8 in form", {
            "path": url, "content_type": "application/x-www-form-urlencoded",
            "data": f"csrf_token={token}&back=/&text=ab%FF".encode()}),
        ("nul in form", {"path": url, "data": {**dict(form), "text": "ab\x00cd"}}),
    ]
    boundary = "senimboundary42"
    parts = [(b"csrf_token", None, token.encode()), (b"back", None, b"/")]
    for label, extra in (
        ("bad utf-8 in multipart field", (b"text", None, b"ab\xffcd")),
        ("nul in multipart field", (b"text", None, b"ab\x00cd")),
        ("bad utf-8 in multipart filename", (b"file", b"scan\xff.pdf", b"%PDF-1.4 x")),
        ("nul in multipart filename", (b"file", b"scan\x00.pdf", b"%PDF-1.4 x")),
    ):
        attacks.append((label, {"path": url, "data": _multipart(boundary, [*parts, extra]),
                                "content_type": f"multipart/form-data; boundary={boundary}"}))
    for label, body in (("bad utf-8 in json", b'{"text": "ab\xff", "names": ["\xfe"]}'),
                        ("nul in json", b'{"text": "ab\\u0000cd", "names": ["a\\u0000"]}'),
                        ("lone surrogate in json", b'{"query": "ab\\ud800", "names": ["x"]}'),
                        ("deep json", b"[" * 100_000 + b"]" * 100_000)):
        attacks.append((label, {"path": url, "data": body, "content_type": "application/json"}))
    return attacks


ROLES = sorted({role for *_, role in ROUTES})


def _rejections(app) -> tuple[int, tuple | None]:
    rows = db_execute(app, "SELECT actor, object_ref, outcome, object_type FROM audit_events "
                           "WHERE action = 'request.rejected' ORDER BY seq DESC")
    return len(rows), (tuple(rows[0]) if rows else None)


@pytest.mark.parametrize("role", ROLES)
def test_malformed_input_is_refused_everywhere_and_the_session_survives(app, client, role):
    """One signed-in member of staff per role walks every route that role may use."""
    user = make_staff(app, role)
    login(client, app, user)
    home = client.get("/")
    assert home.status_code == 200
    token = csrf_token(home.get_data(as_text=True))
    api_headers = bearer(make_token(app, user))
    walked = 0
    for method, rule, endpoint, route_role in ROUTES:
        if route_role != role:
            continue
        headers = api_headers if rule.startswith("/api/") else {}
        for label, kwargs in _attacks(method, rule, token):
            where = (method, rule, label)
            before, _ = _rejections(app)
            response = client.open(method=method, headers=headers, **kwargs)
            assert response.status_code in (400, 404), (*where, response.status_code)
            count, row = _rejections(app)
            assert count == before + 1, where
            actor, object_ref, _outcome, _type = row
            # The health probes carry no session (what a proxy or monitor calls): no actor.
            assert actor == (None if rule.startswith("/health/") else user.public_id), where
            assert object_ref in (endpoint, "unmatched"), (*where, object_ref)
            assert LONG_ID not in str(row) and "\x00" not in str(row), where
            walked += 1
        # The session is intact: still signed in with the same cookie.
        assert client.get("/").status_code == 200, (method, rule)
    assert walked >= 3
