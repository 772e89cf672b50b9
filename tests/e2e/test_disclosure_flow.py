"""Issue 6's browser acceptance, through the real UI in Chromium (CSRF on).

The caseworker drafts a disclosure request, the liaison (on a phone-sized screen) approves it
with a step-up, downloads the encrypted package and records the police's feedback "release",
and the caseworker then sees the urgent safety task. Only the world (unit with an MoU in
force, rota, person with consent, risk assessment and intelligence) and the authenticator
enrolment are made outside the browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Browsing, LiveServer
from tests.e2e.test_first_login import assert_no_browser_errors, current_code, sign_in
from tests.services.disclosure_support import build_world
from tests.support import StaffLogin, enrol_existing, forget_last_totp_step, service_ctx

pytestmark = pytest.mark.e2e

WORLD_PASSWORD = "correct horse battery 99"
WITHHELD = "Sapar bus company"
PHONE = {"width": 390, "height": 844}
REFERENCE = re.compile(r"D-[A-Z0-9]+")


@dataclass
class Facts:
    unit: str
    unit_name: str
    identity: Any  # pyrage.x25519.Identity of the receiving unit
    thematic: str
    specific: str
    consent: str
    risk: str
    case_code: str
    person_names: tuple[str, ...]
    caseworker: StaffLogin
    liaison: StaffLogin


def make_world(app: Any) -> Facts:
    from casework.extensions import db

    with app.app_context():
        c = service_ctx(app)
        w = build_world(c, app.extensions["senim.settings"].attachments_path)
        db.session.commit()
        facts = dict(unit=w.unit.public_id, unit_name=w.unit.name, identity=w.identity,
                     thematic=w.thematic.reference, specific=w.specific.reference,
                     consent=w.consent.public_id, risk=w.risk.public_id,
                     case_code=w.person.case_code,
                     person_names=("Жанар Тулегенова", "Zhanar Tulegenova", "Tulegenova"))
        caseworker, liaison = w.caseworker.public_id, w.liaison.public_id
    return Facts(**facts, caseworker=enrol_existing(app, caseworker, WORLD_PASSWORD),
                 liaison=enrol_existing(app, liaison, WORLD_PASSWORD))


def entry_group(page: Any, reference: str) -> Any:
    """The fieldset of one intelligence entry on the draft form."""
    return page.locator("fieldset.disclosure-entry").filter(
        has=page.locator("legend", has_text=reference))


def choose(group: Any, legend: str, value: str) -> None:
    """Pick a radio button of the group with this legend (issue 13.5: labels in full)."""
    group.get_by_role("group", name=legend).locator(f'input[value="{value}"]').check()


def flash(page: Any, category: str) -> str:
    return " ".join(page.locator(f"p.flash.{category}").all_inner_texts())


def test_draft_approve_with_step_up_download_feedback_release_urgent_task(
        live_server: LiveServer, browsing: Browsing,
        screenshot: Callable[[Any, str], Path]) -> None:
    import pyrage

    from casework.services import packages

    app = live_server.app
    f = make_world(app)

    # 1. The caseworker drafts the request.
    cw = browsing.new_page()
    sign_in(cw, app, f.caseworker)
    cw.locator("header nav").get_by_role("link", name="Disclosures").click()
    cw.wait_for_url("**/disclosures/")
    assert cw.locator("main h1").inner_text() == "My disclosure requests"
    cw.get_by_role("link", name="New disclosure request").click()
    cw.wait_for_url("**/disclosures/new")
    cw.locator(f'main a[href$="unit={f.unit}"]').click()
    cw.wait_for_url(f"**/disclosures/new?unit={f.unit}")
    assert f.unit_name in cw.locator("main h1").inner_text()

    cw.get_by_label("Purpose of the disclosure").select_option(
        label="Investigate and prosecute traffickers")
    thematic, specific = entry_group(cw, f.thematic), entry_group(cw, f.specific)
    assert thematic.count() == 1 and specific.count() == 1
    thematic.get_by_label("Include this entry").check()
    choose(thematic, "Consent it relies on", f.consent)
    choose(thematic, "Risk assessment it relies on", "")
    specific.get_by_label("Include this entry").check()
    choose(specific, "Consent it relies on", f.consent)
    choose(specific, "Risk assessment it relies on", f.risk)
    specific.get_by_label(re.compile(r"^Details to withhold")).fill(WITHHELD)
    cw.get_by_role("button", name="Save as draft").click()
    cw.wait_for_url(re.compile(r"/disclosures/D-[A-Z0-9]+$"))
    reference = REFERENCE.search(cw.url).group(0)  # type: ignore[union-attr]
    assert "saved as a draft" in flash(cw, "success")
    assert cw.locator("p.disclosure-state").inner_text() == "Draft"

    # Every check passes; the preview shows the text as it will leave, without the phrase.
    checks = cw.locator("ul.disclosure-checks > li")
    assert checks.count() > 0
    assert cw.locator("ul.disclosure-checks > li.fail").count() == 0, \
        cw.locator("ul.disclosure-checks").inner_text()
    assert "Every check passes." in flash(cw, "success")
    items = cw.locator("article.disclosure-item")
    assert items.count() == 2
    texts = items.locator(".intel-text").all_inner_texts()
    assert not any(WITHHELD in text or "Sapar" in text for text in texts), texts
    assert any("[withheld]" in text for text in texts), texts
    assert any("night bus" in text for text in texts), texts
    # Only the drafter is told what was withheld.
    assert WITHHELD in cw.locator("article.disclosure-item .hint").all_inner_texts()[-1]
    cw.get_by_role("button", name="Submit to the liaison").click()
    cw.wait_for_url(f"**/disclosures/{reference}")
    assert "Submitted" in flash(cw, "success")
    assert cw.locator("p.disclosure-state").inner_text() == "Waiting for the liaison"

    # 2. The liaison, on a phone, approves with a step-up and downloads the package.
    li = browsing.new_page(viewport=PHONE, is_mobile=True, has_touch=True,
                           device_scale_factor=2)
    sign_in(li, app, f.liaison)
    li.locator("details.menu > summary").click()  # issue 13.8: the menu folds on a phone
    li.locator("header nav").get_by_role("link", name="Disclosures").click()
    li.wait_for_url("**/disclosures/")
    assert li.locator("main h1").inner_text() == "Disclosures waiting for a decision"
    card = li.locator("ul.disclosure-cards li").filter(has_text=reference)
    assert card.count() == 1
    assert "Waiting for the liaison" in card.inner_text()
    assert f.unit_name in card.inner_text()
    assert_fits_width(li)
    screenshot(li, "disclosure-liaison-queue-phone")
    card.get_by_role("link").click()
    li.wait_for_url(f"**/disclosures/{reference}")
    assert li.locator("ul.disclosure-checks > li.fail").count() == 0
    assert_hides_the_person(li, f)
    assert_fits_width(li)
    screenshot(li, "disclosure-liaison-request-phone")

    li.get_by_role("button", name="Approve").click()
    li.wait_for_url("**/auth/step-up**")
    assert li.locator("main h1").inner_text() == "Confirm it is you"
    # Issue 13.2: the step-up page names the action, and confirming carries it out.
    assert f"Approve {reference} to {f.unit_name}" in li.locator("main").inner_text()
    forget_last_totp_step(app, f.liaison.public_id)
    li.fill("#password", f.liaison.password)
    li.fill("#code", current_code(f.liaison.totp_secret))
    screenshot(li, "disclosure-liaison-step-up-phone")
    li.get_by_role("button", name="Confirm and carry out").click()
    li.wait_for_url(f"**/disclosures/{reference}")
    assert "Approved and released" in flash(li, "success"), flash(li, "error")
    assert li.locator("p.disclosure-state").inner_text() == "Released"
    package_name = li.locator("dl.disclosure-package code").first.inner_text().strip()
    screenshot(li, "disclosure-liaison-released-phone")

    with li.expect_download() as info:
        li.get_by_role("button", name="Download the encrypted package").click()
    download = info.value
    assert download.suggested_filename == package_name
    data = Path(download.path()).read_bytes()
    files = packages.open_and_verify(data, str(f.identity))
    plain = b"".join(files.values())
    assert b"night bus" in plain
    assert b"[withheld]" in plain
    assert b"Sapar" not in plain
    for name in f.person_names:
        assert name.encode() not in plain
    assert f.case_code.encode() not in plain
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(data, [pyrage.x25519.Identity.generate()])
    li.reload()
    assert "2 downloads left" in li.locator("div.disclosure-actions").inner_text()

    # 3. The police report that a suspect was released.
    li.get_by_label("What did the police report?").select_option("release")
    li.get_by_label("Note").fill("Unit phoned at 02:10: the controller was released on bail.")
    li.get_by_role("button", name="Record feedback").click()
    li.wait_for_url(f"**/disclosures/{reference}")
    assert "urgent safety task" in flash(li, "success")
    history = li.locator("ul.disclosure-feedback").inner_text()
    assert "Release: a suspect is free again" in history
    assert "released on bail" in history
    assert_hides_the_person(li, f)

    # 4. The caseworker, in a fresh browser, sees the urgent task and the notification.
    cw2 = browsing.new_page()
    sign_in(cw2, app, f.caseworker)
    cw2.locator("header nav").get_by_role("link", name="Tasks").click()
    cw2.wait_for_url("**/tasks/")
    banner = cw2.locator("p.task-banner")
    assert banner.count() == 1
    assert "A suspect was released" in banner.inner_text()
    urgent = cw2.locator("ul.tasks li.task.urgent").filter(
        has_text="A suspect was released: review this person's safety now")
    assert urgent.count() == 1
    assert f.case_code in urgent.inner_text()
    assert reference in urgent.inner_text()
    # The urgent tasks come first.
    assert "urgent" in (cw2.locator("ul.tasks li.task").first.get_attribute("class") or "")
    screenshot(cw2, "disclosure-caseworker-tasks")
    cw2.locator("header nav").get_by_role("link", name="Notifications").click()
    cw2.wait_for_url("**/notifications/")
    notice = cw2.locator("ul.notifications li.urgent").filter(
        has_text=f"A suspect was released. Review the safety of {f.case_code} now.")
    assert notice.count() == 1

    # 5. Nothing went wrong inside the browser (console errors, CSP violations).
    assert_no_browser_errors(browsing)


def assert_hides_the_person(page: Any, f: Facts) -> None:
    """The liaison must never learn who the intelligence came from, nor what was withheld."""
    html = page.content()
    assert "Sapar" not in html
    assert f.case_code not in html
    for name in f.person_names:
        assert name not in html


def assert_fits_width(page: Any) -> None:
    """Nothing forces sideways scrolling on a phone."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the phone screen"
