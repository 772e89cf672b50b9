"""Issue 10's browser acceptance: the liaison records that a suspect was released; the
caseworker's home page shows the urgent task at the top, the menu counts it, and the
person's page carries the banner, on a desktop and on a phone (390x844).

The world (unit with an MoU in force, rota, person with consent and intelligence) and the
released package are made outside the browser; the feedback and everything after it go
through the real UI in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Browsing, LiveServer
from tests.e2e.test_disclosure_flow import PHONE, assert_fits_width, flash
from tests.e2e.test_first_login import assert_no_browser_errors, sign_in
from tests.web.test_disclosure_pages import make_world, release

pytestmark = pytest.mark.e2e

RELEASED = "A suspect was released: review this person's safety now"


def check_caseworker_sees_it(page: Any, case_code: str) -> None:
    # Signed in, the home page is the dashboard; the urgent task is the first thing to do.
    first = page.locator("section#now ul.tasks > li").first
    assert RELEASED in first.inner_text()
    assert case_code in first.inner_text()
    assert "Urgent" in first.inner_text()
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d \(Asia/Almaty\)", first.inner_text())
    # The menu counts the open tasks, with a label screen readers announce (on a phone
    # the menu folds behind its button, issue 13.8).
    menu = page.locator("details.menu > summary")
    if menu.is_visible():
        menu.click()
    tasks_link = page.locator("header nav").get_by_role(
        "link", name=re.compile(r"^Tasks.*\(2 open tasks\)"))
    assert tasks_link.count() == 1
    assert tasks_link.locator(".nav-count").inner_text().strip().startswith("2")
    assert page.locator("header nav").get_by_role(
        "link", name=re.compile(r"Notifications.*unread notification")).count() == 1
    if menu.is_visible():
        menu.click()  # fold it again: open, it lies over the page
    # From the task to the person's page: the banner is there, with a link to the task.
    first.get_by_role("link", name=case_code).click()
    page.wait_for_url(f"**/persons/{case_code}")
    banner = page.locator("p.person-banner")
    assert banner.count() >= 1
    text = banner.first.inner_text()
    assert "Urgent" in text and RELEASED in text and "(Asia/Almaty)" in text
    banner.first.get_by_role("link", name="Open the task").click()
    page.wait_for_url("**/tasks/")
    assert page.locator("ul.tasks li.task.urgent").filter(has_text=RELEASED).count() == 1


def test_release_of_a_suspect_reaches_the_caseworkers_dashboard_menu_and_person_page(
        live_server: LiveServer, browsing: Browsing,
        screenshot: Callable[[Any, str], Path]) -> None:
    app = live_server.app
    f = make_world(app)
    reference, _client = release(app, f)

    # 1. The liaison, on a phone, records the police's feedback: a suspect was released.
    li = browsing.new_page(viewport=PHONE, is_mobile=True, has_touch=True,
                           device_scale_factor=2)
    sign_in(li, app, f.liaison)
    assert li.locator("main h1").inner_text().startswith("Welcome")
    assert "You are on call now." in li.locator("main").inner_text()
    assert_fits_width(li)
    li.goto(f"/disclosures/{reference}")
    li.get_by_label("What did the police report?").select_option("release")
    li.get_by_label("Note").fill("Unit phoned at 02:10: the controller was released on bail.")
    li.get_by_role("button", name="Record feedback").click()
    li.wait_for_url(f"**/disclosures/{reference}")
    assert "urgent safety task" in flash(li, "success")
    # The liaison never learns who the task is about.
    li.goto("/")
    assert f.case_code not in li.content()

    # 2. The caseworker, at a desk.
    cw = browsing.new_page()
    sign_in(cw, app, f.caseworker)
    screenshot(cw, "dashboard-caseworker-after-release")
    check_caseworker_sees_it(cw, f.case_code)

    # 3. The same on a phone screen, with nothing wider than the screen.
    phone = browsing.new_page(viewport=PHONE, is_mobile=True, has_touch=True,
                              device_scale_factor=2)
    sign_in(phone, app, f.caseworker)
    assert_fits_width(phone)
    assert phone.locator("section#now").is_visible()
    screenshot(phone, "dashboard-caseworker-after-release-phone")
    box = phone.locator("section#now ul.tasks > li").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    check_caseworker_sees_it(phone, f.case_code)
    assert_fits_width(phone)
    screenshot(phone, "dashboard-tasks-phone")

    assert_no_browser_errors(browsing)
