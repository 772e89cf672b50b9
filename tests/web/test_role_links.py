"""Issue 13, point 9: show only what a role can do.

Every demo role signs in and walks every page it can reach from its home page. Each link is
followed (GET) and must not answer 403; each form's action (GET or POST) must point at an
endpoint the role is allowed to use (checked against the endpoint's declared permission,
without pressing the button: some buttons cannot be undone).
"""

from __future__ import annotations

import json
import re
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.support import StaffLogin, isolated_instance, login

SKIP_PREFIXES = ("/static/", "/auth/logout", "/api/")
MAX_PAGES = 400
PER_KIND = 3


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.actions: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        elif tag == "form":
            self.actions.append(((found.get("method") or "get").lower(),
                                 found.get("action") or ""))
        elif tag == "button" and found.get("formaction"):
            self.actions.append(("post", found["formaction"] or ""))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("crawl")
    with isolated_instance(root, demo_mode=True) as app:
        out = root / "demo.json"
        result = app.test_cli_runner().invoke(args=["senim", "demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text())
        _assign_care_team(app, data)
        yield app, data


def _assign_care_team(app: Any, data: dict[str, Any]) -> None:
    """The demo gives every person to the caseworker; the psychologist and the legal adviser
    join each case too, so their record pages are crawled as well."""
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Person, Staff
    from casework.services import access
    from tests.support import service_ctx

    with app.app_context():
        director = db.session.scalar(select(Staff).where(Staff.role == "director"))
        c = service_ctx(app, director.public_id if director else None)
        for role in ("psychologist", "legal_adviser"):
            staff = db.session.scalar(select(Staff).where(Staff.role == role))
            for person in db.session.scalars(select(Person)):
                access.assign(c, person, staff)
        db.session.commit()
    assert data["persons"]


def _endpoint_allowed(app: Any, role: str, method: str, path: str) -> tuple[bool, str]:
    from werkzeug.exceptions import HTTPException

    from casework.domain.roles import Role, can
    from casework.web.security import ATTR, PUBLIC

    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method.upper())
    except HTTPException as exc:
        return False, f"no route ({exc.code})"
    needed = getattr(app.view_functions[endpoint], ATTR)
    return (needed == PUBLIC or can(Role(role), needed)), endpoint


def _crawl(app: Any, user: StaffLogin) -> tuple[int, list[str]]:
    client = app.test_client()
    login(client, app, user)
    problems: list[str] = []
    seen: set[str] = {"/"}
    kinds: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    visited = 0
    while queue and visited < MAX_PAGES:
        url, came_from = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code == 403:
            problems.append(f"{url} (linked from {came_from}) answers 403")
            continue
        if response.status_code != 200 or "text/html" not in (response.content_type or ""):
            continue
        parser = _Links()
        parser.feed(response.get_data(as_text=True))
        for method, action in parser.actions:
            target = urlsplit(urljoin(url, action or url)).path
            allowed, endpoint = _endpoint_allowed(app, user.role, method, target)
            if not allowed:
                problems.append(f"form on {url} -> {method.upper()} {target} ({endpoint})")
        for href in parser.links:
            absolute, _ = urldefrag(urljoin(url, href))
            parts = urlsplit(absolute)
            if parts.netloc not in ("", "localhost") or parts.path.startswith(SKIP_PREFIXES):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            # Pages of the same kind differ only by their record: a few of each will do.
            if local in seen:
                continue
            seen.add(local)
            kind = re.sub(r"\b[A-Z]{1,3}-[A-Z0-9]{6,}\b|\d+", "#", re.sub(r"\?.*", "", local))
            kinds[kind] = kinds.get(kind, 0) + 1
            if kinds[kind] <= PER_KIND:
                queue.append((local, url))
    return visited, problems


@pytest.mark.parametrize("role", ["caseworker", "psychologist", "legal_adviser", "liaison",
                                  "director", "auditor"])
def test_no_link_or_form_leads_to_403(demo: Any, role: str) -> None:
    app, data = demo
    record = next(u for u in data["users"] if u["role"] == role)
    public_id = _public_id(app, record["email"])
    user = StaffLogin(record["email"], record["password"], record["totp_secret"], public_id,
                      role)
    visited, problems = _crawl(app, user)
    assert visited > 3, "the crawl did not get past the home page"
    assert not problems, "\n".join(problems)


def _public_id(app: Any, email: str) -> str:
    with app.app_context():
        from casework.services import accounts
        from casework.web.context import ctx

        with app.test_request_context():
            staff = accounts.by_email(ctx(), email)
            assert staff is not None
            return str(staff.public_id)
