"""Shared pieces of the issue 13 browser tests: a demo organisation behind a live server, the
two screen sizes, the three languages, each role's main pages, and axe-core.

axe-core is NOT vendored (fetched code is never committed): at first use it is installed
from the npm registry with the ordinary client into ``tests/.cache/axe`` (git-ignored) and
reused after that; when npm or the registry cannot be reached the scan is skipped with that
reason. It is injected by Playwright through ``page.evaluate`` (DevTools protocol), so the
page keeps its own Content-Security-Policy (``script-src 'self'``) during the scan.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_first_login import sign_in
from tests.support import StaffLogin

ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = ROOT / "tests" / ".cache" / "axe"
AXE_FILE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.10"  # a minor line: patches only

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
LANGUAGES = ("kk", "ru", "en")


@dataclass
class Demo:
    url: str
    app: Any
    users: dict[str, StaffLogin]
    submitted: str  # a disclosure waiting for the liaison
    released: str  # a released one (download, feedback)
    case_code: str


def _public_id(app: Any, email: str) -> str:
    from casework.services import accounts
    from casework.web.context import ctx

    with app.test_request_context():
        staff = accounts.by_email(ctx(), email)
        assert staff is not None
        return str(staff.public_id)


def _submitted_request(app: Any) -> tuple[str, str]:
    """One more request from the demo's person, submitted and waiting for the liaison."""
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import (
        Consent,
        DisclosureRequest,
        Person,
        PoliceUnit,
        RiskAssessment,
        Staff,
    )
    from casework.services import disclosures, intel
    from tests.support import service_ctx

    with app.app_context():
        released = db.session.scalar(select(DisclosureRequest).order_by(
            DisclosureRequest.id).limit(1))
        assert released is not None
        worker = db.session.scalar(select(Staff).where(
            Staff.public_id == released.drafted_by))
        person = db.session.scalar(select(Person).order_by(Person.id).limit(1))
        consent = db.session.scalar(select(Consent).where(Consent.person_id == person.id)
                                    .order_by(Consent.id.desc()).limit(1))
        assessment = db.session.scalar(select(RiskAssessment).where(
            RiskAssessment.person_id == person.id).order_by(RiskAssessment.id.desc()).limit(1))
        unit = db.session.get(PoliceUnit, released.unit_id)
        c = service_ctx(app, worker.public_id)
        entries = intel.entries_for_person(c, person)
        items = [disclosures.ItemInput(e.reference, consent.public_id,
                                       assessment.public_id if e.kind == "specific" else None)
                 for e in entries]
        request = disclosures.draft(c, worker, unit, purpose="investigate_traffickers",
                                    items=items, tlp="TLP:AMBER+STRICT", handling_code="C")
        disclosures.submit(c, worker, request, seen_version=request.version)
        db.session.commit()
        return request.reference, released.reference


def _join_care_team(app: Any, users: dict[str, StaffLogin]) -> None:
    """The demo gives its people to the caseworker; the psychologist and the legal adviser
    join the first person's case, so their journeys reach a record."""
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Person, Staff
    from casework.services import access
    from tests.support import service_ctx

    with app.app_context():
        person = db.session.scalar(select(Person).order_by(Person.id).limit(1))
        for role in ("psychologist", "legal_adviser"):
            staff = db.session.scalar(select(Staff).where(
                Staff.public_id == users[role].public_id))
            access.assign(service_ctx(app), person, staff)
        db.session.commit()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from werkzeug.serving import make_server

    from tests.support import isolated_instance

    root = tmp_path_factory.mktemp("e2e-demo")
    with isolated_instance(root, demo_mode=True) as app:
        out = root / "demo.json"
        result = app.test_cli_runner().invoke(args=["senim", "demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text())
        users = {}
        for record in data["users"]:
            users.setdefault(record["role"], StaffLogin(
                record["email"], record["password"], record["totp_secret"],
                _public_id(app, record["email"]), record["role"]))
        submitted, released = _submitted_request(app)
        _join_care_team(app, users)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Demo(f"http://127.0.0.1:{server.server_port}", app, users, submitted,
                       released, data["persons"][0]["case_code"])
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


# Each role's main pages: the journey a member of staff walks every day.
def main_pages(demo: Demo) -> dict[str, list[str]]:
    person = f"/persons/{demo.case_code}"
    return {
        "caseworker": ["/", "/persons/", person, "/intel/", "/disclosures/", "/tasks/",
                       "/notifications/", "/account/"],
        "psychologist": ["/", "/persons/", person, "/tasks/"],
        "legal_adviser": ["/", "/persons/", person, "/intel/", "/disclosures/", "/units/",
                          "/statistics/"],
        "liaison": ["/", "/disclosures/", f"/disclosures/{demo.submitted}",
                    f"/disclosures/{demo.released}", "/intel/", "/roster/", "/mou/"],
        "director": ["/", "/admin/staff", "/assignments/", "/roster/", "/mou/", "/units/",
                     "/grants/", "/statistics/", "/disclosures/"],
        "auditor": ["/", "/audit/", "/grants/"],
    }


def open_as(browsing: Any, demo: Demo, role: str, *, size: dict[str, int],
            language: str = "en") -> Any:
    page = browsing.new_page(viewport=size, base_url=demo.url)
    page.set_default_navigation_timeout(30_000)  # statistics over two years of demo history
    sign_in(page, demo.app, demo.users[role])
    set_language(page, language)
    return page


def set_language(page: Any, language: str) -> None:
    """The choice is kept with the account, so every test sets it, English included."""
    if page.locator("html").get_attribute("lang") == language:
        return
    menu = page.locator("details.menu")
    if menu.count() and not page.locator("form.lang").first.is_visible():
        menu.locator("summary").click()
    page.locator(f"form.lang button[value={language}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the screen (0 = no sideways scrolling)."""
    return int(page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def axe_source() -> str:
    """axe.min.js from the cache, installing it from the npm registry on first use."""
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("axe-core scan skipped: npm is not installed (apt-get install npm)")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run([npm, "install", "--prefix", str(AXE_DIR), "--no-audit",
                            "--no-fund", "--no-save", f"axe-core@~{AXE_VERSION}"],
                           check=True, capture_output=True, timeout=180)
        except (subprocess.SubprocessError, OSError) as error:
            detail = getattr(error, "stderr", b"") or b""
            pytest.skip("axe-core scan skipped: the npm registry could not be reached "
                        f"({str(detail[-300:], 'utf-8', 'replace').strip() or error})")
        if not AXE_FILE.exists():
            pytest.skip("axe-core scan skipped: npm did not install axe-core")
    return AXE_FILE.read_text(encoding="utf-8")


def axe_violations(page: Any, source: str) -> list[str]:
    """Run axe-core on the page as it is (its own CSP applies to the page's scripts; the
    scan itself is evaluated through the DevTools protocol)."""
    page.evaluate(source + "\n;0")
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' -> '"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))")
    return [str(line) for line in result]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "home"
