"""Issue 4's browser acceptance, through the real UI in Chromium (CSRF on).

A caseworker registers a person, screens them, gives the pre-interview notice, records and
signs off an interview, and turns it into a thematic intelligence entry: first with the
person's name in it (refused, nothing saved), then generalised (saved, waiting for a
privacy review). Only the caseworker account is made outside the browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Browsing, LiveServer
from tests.e2e.test_first_login import sign_in
from tests.support import make_staff

pytestmark = pytest.mark.e2e

FULL_NAME = "Айгүл Нұрланқызы Садықова"
ALIAS = "Aigul Sadykova"
CASE_CODE = re.compile(r"S-[A-Z0-9]{6}")
REFERENCE = re.compile(r"I-[A-Z0-9]{6}")
GENERIC_TEXT = ("Women in their twenties are recruited through online job advertisements "
                "promising work in restaurants abroad; on arrival their passports are taken "
                "and they are told they owe a debt for travel.")


def row_counts(app: Any) -> dict[str, int]:
    """Row counts of every table that exists in both databases (tables of models that are
    not migrated yet are skipped, unlike tests.support.table_counts)."""
    from sqlalchemy import func, inspect, select

    from casework.extensions import db

    counts: dict[str, int] = {}
    with app.app_context():
        for bind_key, metadata in db.metadatas.items():
            engine = db.engines[bind_key]
            present = set(inspect(engine).get_table_names())
            with engine.connect() as conn:
                for table in metadata.sorted_tables:
                    if table.name in present:
                        counts[f"{bind_key or 'casework'}.{table.name}"] = conn.scalar(
                            select(func.count()).select_from(table)) or 0
    return counts


def flash_success(page: Any) -> str:
    return page.locator("p.flash.success").first.inner_text()


def register_person(page: Any) -> str:
    page.locator("header nav").get_by_role("link", name="People").click()
    page.wait_for_url("**/persons/")
    page.get_by_role("link", name="Register a person").click()
    page.get_by_label("Full name").fill(FULL_NAME)
    page.get_by_label("Other names and spellings (one per line)").fill(ALIAS)
    page.get_by_label("Date of birth (DD.MM.YYYY), if known").fill("14.03.1998")
    page.get_by_label("Source of the date of birth").select_option("document")
    # Rule 122: the gender radio starts empty.
    gender = page.get_by_role("group", name="Gender")
    assert gender.get_by_role("radio").evaluate_all(
        "radios => radios.filter(r => r.checked).length") == 0
    gender.get_by_label("Female").check()
    page.get_by_label("Phone numbers (one per line)").fill("+7 701 555 12 34")
    page.get_by_label("Placement").fill("Partner shelter, Almaty")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/persons/S-[A-Z0-9]{6}$"))
    heading = page.locator("main h1").inner_text()
    match = CASE_CODE.search(heading)
    assert match, heading
    assert FULL_NAME in heading
    return match.group(0)


def test_caseworker_registers_screens_interviews_and_writes_thematic_intel(
        live_server: LiveServer, browsing: Browsing,
        screenshot: Callable[[Any, str], Path]) -> None:
    app = live_server.app
    caseworker = make_staff(app, "caseworker")
    page = browsing.new_page()

    # 1. Password, then TOTP.
    sign_in(page, app, caseworker)

    # 2. Register a person.
    case_code = register_person(page)
    identity = page.locator("#identity")
    assert ALIAS in identity.inner_text()
    # Entered as DD.MM.YYYY; the record page shows it as ISO (1998-03-14).
    assert re.search(r"14\.03\.1998|1998-03-14", identity.inner_text())
    assert "Female" in identity.inner_text()
    assert "Partner shelter, Almaty" in identity.inner_text()
    assert "+7 701 555 12 34" in page.locator("#contact").inner_text()

    # 3. Search from the People page, in Latin spelling.
    page.locator("header nav").get_by_role("link", name="People").click()
    page.get_by_label("Name, date of birth or phone number").fill("Aigul")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/persons/search")
    results = page.locator("ul.results")
    assert case_code in results.inner_text()
    results.get_by_role("link", name=case_code).click()
    page.wait_for_url(f"**/persons/{case_code}")

    # 4. Screening.
    page.get_by_role("link", name="Screen", exact=True).click()
    page.wait_for_url(f"**/persons/{case_code}/screening")
    page.get_by_label("Legal context").fill(
        "Recruited for restaurant work abroad; no lawful contract was ever signed.")
    page.get_by_label("The perpetrators: what was the purpose of their conduct?").fill(
        "To profit from her unpaid work and keep her in debt.")
    page.get_by_label("The person's own perspective").fill(
        "She felt she had no choice because of the debt and the missing passport.")
    page.get_by_role("group", name="Act").get_by_label("Recruitment").check()
    page.get_by_role("group", name="Means (not required for a child)") \
        .get_by_label("Deception").check()
    page.get_by_role("group", name="Purpose").get_by_label("Forced labour or services").check()
    page.get_by_label("No, the person could not leave or end it").check()
    page.get_by_role("group", name="Outcome").get_by_label("Trafficking").check()
    page.get_by_label("Why this outcome").fill(
        "Act, means and purpose are all present, and she could not leave.")
    page.get_by_role("button", name="Record the screening").click()
    page.wait_for_url(f"**/persons/{case_code}#screening")
    assert "The screening was recorded." in flash_success(page)
    screening = page.locator("#screening")
    assert "Trafficking" in screening.locator("ol.history").inner_text()
    assert "Not screened yet" not in screening.inner_text()
    screenshot(page, "casework-record")

    # 5. The notice, then the interview.
    page.get_by_role("link", name="Start an interview").click()
    page.wait_for_url(f"**/persons/{case_code}/notice")
    notices = page.locator("blockquote.notice")
    assert notices.count() == 3
    assert sorted(notices.evaluate_all("els => els.map(e => e.lang)")) == ["en", "kk", "ru"]
    assert "What you tell us stays confidential" in \
        page.locator("blockquote.notice[lang=en]").inner_text()
    for code in ("kk", "ru"):
        other = page.locator(f"blockquote.notice[lang={code}]").inner_text()
        assert other.strip() and re.search(r"[А-Яа-яӘәҒғҚқҢңӨөҰұҮүІі]", other), (code, other)
    page.get_by_label("Language the notice was given in").select_option(label="Kazakh")
    page.get_by_label("Understood and agreed to continue").check()
    page.get_by_role("button", name="Record the answer").click()
    page.wait_for_url(re.compile(rf"/persons/{case_code}/interviews/new\?notice="))
    held_on = page.get_by_label("Date", exact=True).input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", held_on), held_on
    page.get_by_label("Who was interviewed").select_option(label="The person themself")
    page.get_by_label("Where", exact=True).select_option(label="Shelter")
    page.get_by_label("What the person said").fill(
        "Aigul answered an online advert for kitchen work abroad. At the border the "
        "employer took her passport and said she owed the cost of the journey.")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(rf"/persons/{case_code}/interviews/[^/]+$"))
    interview_url = page.url
    assert "saved as a draft" in flash_success(page)
    assert page.locator("dl.facts").get_by_text("Draft", exact=True).count() == 1
    page.locator("summary", has_text="Sign off and lock").click()
    page.get_by_label("Yes, I am sure").check()
    page.get_by_role("button", name="Sign off and lock").click()
    page.wait_for_url(interview_url)
    assert "Signed off" in flash_success(page)
    facts = page.locator("dl.facts").inner_text()
    # Issue 13.11: DD.MM.YYYY HH:MM in the organisation's zone, labelled.
    assert re.search(r"Signed off on \d{2}\.\d{2}\.\d{4} \d{2}:\d{2} \(Asia/Almaty\); locked",
                     facts), facts
    content_hash = page.locator("code.hash").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash) or len(content_hash) >= 32, content_hash
    assert page.get_by_role("button", name="Sign off and lock").count() == 0
    assert page.get_by_role("link", name="Edit", exact=True).count() == 0
    assert page.get_by_role("button", name="Add an addendum").count() == 1
    screenshot(page, "casework-interview")

    # 6. Intelligence from the interview: a thematic entry naming her is refused.
    page.get_by_role("link", name="Create an intelligence entry from this interview").click()
    page.wait_for_url(re.compile(r"/interviews/[^/]+/intel$"))
    assert "A person we support" in page.locator("p.fixed").inner_text()
    page.get_by_label("Thematic: identifies no specific person or event").check()
    page.get_by_label("Subject area").select_option(label="Recruitment methods")
    page.get_by_label("The intelligence", exact=True).fill(
        "Aigul was recruited through an online job advertisement for restaurant work "
        "abroad.")
    page.get_by_label("When").fill("2026")
    page.get_by_label("How precise is the time").select_option(label="Year")
    page.get_by_label("Where", exact=True).fill("Kazakhstan")
    page.get_by_label("How precise is the place").select_option(label="Country")
    before = row_counts(app)
    assert "intel.intel_entries" in before and "casework.interviews" in before, sorted(before)
    page.get_by_role("button", name="Save the entry").click()
    refusal = page.locator("div.intel-blocked")
    refusal.wait_for()
    refused_url = page.url
    assert refused_url.endswith("/intel")
    assert "Not saved: this thematic entry could identify someone" in refusal.inner_text()
    assert "Contains the person's name" in refusal.inner_text()
    assert "aigul" in refusal.locator("ul.intel-matches").inner_text().lower()
    changed = {name: (before[name], count) for name, count in row_counts(app).items()
               if before.get(name) != count}
    assert set(changed) <= {"casework.audit_events"}, changed  # only the refusal's audit event
    screenshot(page, "casework-intel-refused")

    # The entered values survive the refusal; generalise the text and save again.
    assert page.get_by_label("Thematic: identifies no specific person or event").is_checked()
    assert page.get_by_label("When").input_value() == "2026"
    page.get_by_label("The intelligence", exact=True).fill(GENERIC_TEXT)
    page.get_by_label("Thematic: identifies no specific person or event").check()
    page.get_by_role("button", name="Save the entry").click()
    page.wait_for_url(re.compile(r"/intel/I-[A-Z0-9]{6}$"))
    heading = page.locator("main h1").inner_text()
    reference = REFERENCE.search(heading)
    assert reference, heading
    assert f"Intelligence entry {reference.group(0)} created" in flash_success(page)
    facts = page.locator("dl.facts")
    assert facts.locator("dd.privacy-pending").inner_text().strip() == \
        "Waiting for a privacy review"
    assert "Thematic" in facts.locator("span.badge").inner_text()
    assert "2026 (Year)" in facts.inner_text()
    assert "Kazakhstan (Country)" in facts.inner_text()
    assert page.locator("div.intel-text").inner_text().strip() == GENERIC_TEXT
    assert "a colleague must review it for privacy" in page.locator("main").inner_text()
    for secret in (FULL_NAME, ALIAS, "Aigul", case_code):
        assert secret not in page.content(), secret
    screenshot(page, "casework-intel-entry")

    # 7. No console errors or CSP violations anywhere on the way. The refused save answers
    # 422 on purpose and Chromium logs that status for the document; nothing else may appear.
    problems = [m for m in browsing.problems.messages
                if not (m.startswith(f"console error on {refused_url} ")
                        and "status of 422" in m and m.count("Failed to load resource") == 1)]
    assert problems == [], "\n".join(problems)
    assert len(browsing.problems.messages) - len(problems) <= 1
