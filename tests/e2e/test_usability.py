"""Issue 13's browser acceptance (points 6-10, 12; Debian's Chromium, CSP on).

Desktop 1366x768 and phone 390x844; the main pages of every demo role in kk, ru and en;
an axe-core scan of those pages (see usability_support for how axe-core is obtained).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Browsing
from tests.e2e.test_first_login import assert_no_browser_errors
from tests.e2e.usability_support import (
    DESKTOP,
    LANGUAGES,
    PHONE,
    SIZES,
    Demo,
    axe_source,
    axe_violations,
    demo,
    horizontal_overflow,
    main_pages,
    open_as,
)

pytestmark = pytest.mark.e2e
__all__ = ["demo"]  # the session fixture, imported so pytest finds it here


# --- point 8: the phone layout ----------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_phone_header_is_one_line_and_the_menu_folds(demo: Demo, browsing: Browsing,
                                                     language: str) -> None:
    page = open_as(browsing, demo, "director", size=PHONE, language=language)
    header = page.locator("header.top").bounding_box()
    assert header["height"] <= 64, f"header is {header['height']}px high"
    nav = page.locator("header nav")
    assert not nav.is_visible(), "the menu is folded on a phone"
    page.locator("details.menu > summary").click()
    assert nav.is_visible()
    links = nav.get_by_role("link")
    assert links.count() >= 5
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    links.nth(1).click()
    page.wait_for_load_state()
    assert not page.locator("header nav").is_visible(), "a new page starts folded again"
    assert horizontal_overflow(page) == 0
    assert_no_browser_errors(browsing)


def test_desktop_menu_shows_without_a_button(demo: Demo, browsing: Browsing) -> None:
    page = open_as(browsing, demo, "director", size=DESKTOP)
    assert page.locator("header nav").is_visible()
    assert not page.locator("details.menu > summary").is_visible()
    assert page.locator("form.logout button").is_visible()


def test_the_menu_works_without_javascript(demo: Demo, browsing: Browsing) -> None:
    page = browsing.new_page(viewport=PHONE, base_url=demo.url, java_script_enabled=False)
    from tests.e2e.test_first_login import sign_in

    sign_in(page, demo.app, demo.users["caseworker"])
    assert not page.locator("header nav").is_visible()
    page.locator("details.menu > summary").click()
    assert page.locator("header nav").is_visible()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_skip_to_content(demo: Demo, browsing: Browsing, size: str) -> None:
    page = open_as(browsing, demo, "caseworker", size=SIZES[size])
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible(), "the skip link shows when it has the focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


@pytest.mark.parametrize("language", LANGUAGES)
def test_liaison_pages_fit_a_phone(demo: Demo, browsing: Browsing, language: str) -> None:
    """Queue, review, approval (the step-up page) and feedback: no sideways scrolling."""
    page = open_as(browsing, demo, "liaison", size=PHONE, language=language)
    wide = {}
    for path in ("/disclosures/", f"/disclosures/{demo.submitted}",
                 f"/auth/step-up?next=/disclosures/{demo.submitted}",
                 f"/disclosures/{demo.released}"):
        page.goto(path)
        overflow = horizontal_overflow(page)
        if overflow:
            wide[path] = overflow
    assert not wide, f"wider than the phone ({language}): {wide}"
    assert_no_browser_errors(browsing)


# --- point 9: only what a role can do ---------------------------------------------------

def test_the_psychologist_is_not_offered_what_she_cannot_do(demo: Demo,
                                                            browsing: Browsing) -> None:
    page = open_as(browsing, demo, "psychologist", size=DESKTOP)
    page.goto("/persons/")
    assert page.get_by_role("link", name="Register a person").count() == 0
    page.goto(f"/persons/{demo.case_code}")
    assert page.get_by_role("link", name="Edit record").count() == 0
    for link in page.locator("main a[href^='/']").all():
        href = link.get_attribute("href")
        if "/attachments/" in (href or ""):
            continue
        response = page.request.get(href)
        assert response.status != 403, href


# --- point 6: one confirmation pattern ----------------------------------------------------

@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_ending_a_designation_confirms_and_warns(demo: Demo, browsing: Browsing,
                                                 size: str) -> None:
    page = open_as(browsing, demo, "director", size=SIZES[size])
    page.goto("/roster/")
    box = page.locator("details.confirm").first
    box.locator("summary").click()
    body = box.locator("form.confirm-body")
    assert body.is_visible()
    assert "This cannot be undone." in body.inner_text()
    button = body.get_by_role("button")
    button.click()  # the required box is not ticked: the browser keeps the form
    assert page.url.endswith("/roster/")
    assert body.locator("input[name=confirmed]").evaluate("el => !el.validity.valid")
    assert horizontal_overflow(page) == 0
    assert_no_browser_errors(browsing)


def test_an_unconfirmed_post_is_refused(demo: Demo, browsing: Browsing) -> None:
    page = open_as(browsing, demo, "director", size=DESKTOP)
    page.goto("/roster/")
    form = page.locator("details.confirm form").first
    with page.expect_navigation():
        form.evaluate("f => { f.querySelector('input[name=confirmed]').remove(); f.submit(); }")
    assert "Nothing was changed" in page.locator("main").inner_text()
    page.goto("/roster/")
    assert page.locator("details.confirm").count() >= 1  # still designated


# --- point 7: feedback after every action ------------------------------------------------

def test_download_confirms_and_shows_the_new_count(demo: Demo, browsing: Browsing) -> None:
    page = open_as(browsing, demo, "liaison", size=DESKTOP)
    page.goto(f"/disclosures/{demo.released}")
    before = int(re.search(r"\d+", page.locator(
        "dl.disclosure-package dd").nth(4).inner_text()).group(0))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the encrypted package").click()
    assert download.value.suggested_filename.endswith(".age")
    page.wait_for_selector("p.flash.success")
    message = page.locator("p.flash.success").inner_text()
    assert f"Downloads left: {before - 1}." in message, message
    after = page.locator("dl.disclosure-package dd").nth(4).inner_text()
    assert after.strip() == str(before - 1)
    assert_no_browser_errors(browsing)


def test_buttons_are_disabled_while_the_form_is_sent(demo: Demo, browsing: Browsing) -> None:
    """senim.js: the first press disables the form's buttons and a second submission of the
    same form is stopped. The page's own listener runs first; this test's listener (on the
    window, so after it) counts what would really be sent and then keeps the page here."""
    page = open_as(browsing, demo, "caseworker", size=DESKTOP)
    page.goto("/account/")
    page.evaluate("""() => { window.__sent = 0;
        window.addEventListener('submit', e => {
            if (!e.defaultPrevented) { window.__sent += 1; } e.preventDefault(); }); }""")
    page.locator("form.logout button").click()
    page.wait_for_function(
        "document.querySelector('form.logout button').disabled === true")
    assert page.locator("form.logout").get_attribute("aria-busy") == "true"
    page.evaluate("document.querySelector('form.logout').requestSubmit()")
    assert page.evaluate("window.__sent") == 1, "the second submission was stopped"
    assert_no_browser_errors(browsing)


# --- point 10: readable for people ---------------------------------------------------------

def test_audit_trail_reads_as_people_and_fits_a_laptop(demo: Demo, browsing: Browsing) -> None:
    page = open_as(browsing, demo, "auditor", size=DESKTOP)
    page.goto("/audit/")
    table = page.locator("table.audit")
    assert "Opened a page" in table.inner_text()
    assert re.search(r"(Timur Auditor|Aruzhan Caseworker|Ainur Director)", table.inner_text())
    page.locator("#audit-action").select_option("auth.login")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit tbody tr")
    assert rows.count() >= 1
    assert all("auth.login" in rows.nth(i).inner_text() for i in range(rows.count()))
    assert horizontal_overflow(page) == 0
    assert_no_browser_errors(browsing)


def test_mou_page_shows_labels(demo: Demo, browsing: Browsing) -> None:
    page = open_as(browsing, demo, "director", size=DESKTOP)
    page.goto("/mou/")
    page.locator("main a[href*='/mou/versions/']").first.click()
    text = page.locator("#scope").inner_text()
    assert "The person's name" in text
    assert page.locator("#scope code.ref", has_text="victim_name").count() == 1


# --- point 12: the pre-interview notice -----------------------------------------------------

def test_the_notice_blocks_are_labelled(demo: Demo, browsing: Browsing) -> None:
    page = open_as(browsing, demo, "caseworker", size=PHONE, language="ru")
    page.goto(f"/persons/{demo.case_code}/notice")
    headings = page.locator("h2.notice-language").all_inner_texts()
    assert [h.split(" ")[0] for h in headings] == ["Қазақша", "Русский", "English"]
    offered = page.locator("select[name=language] option").evaluate_all(
        "options => options.map(o => o.value)")
    assert offered == ["kk", "ru", "en"]
    assert horizontal_overflow(page) == 0


# --- the main pages of every role, in every language; axe-core -------------------------------

ROLES = ["caseworker", "psychologist", "legal_adviser", "liaison", "director", "auditor"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_main_pages_of_each_role(demo: Demo, browsing: Browsing, role: str,
                                 language: str) -> None:
    """Every main page opens (no 4xx/5xx), has no console error, and at phone width has no
    sideways scrolling."""
    page = open_as(browsing, demo, role, size=PHONE, language=language)
    problems = []
    for path in main_pages(demo)[role]:
        response = page.goto(path)
        if response is None or response.status >= 400:
            problems.append(f"{path}: {response.status if response else 'no answer'}")
            continue
        if horizontal_overflow(page) > 0:
            problems.append(f"{path}: {horizontal_overflow(page)}px too wide")
    assert not problems, problems
    assert_no_browser_errors(browsing)


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_no_violation_on_main_pages(demo: Demo, browsing: Browsing, role: str,
                                              size: str) -> None:
    source = axe_source()
    page = open_as(browsing, demo, role, size=SIZES[size])
    found = {}
    for path in main_pages(demo)[role]:
        page.goto(path)
        violations = axe_violations(page, source)
        if violations:
            found[path] = violations
    assert not found, found
    assert_no_browser_errors(browsing)
