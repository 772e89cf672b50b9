"""Issue 5's browser acceptance, through the real UI in Chromium (CSRF on).

A psychologist clears the person for a legal consultation; a legal adviser reads the police
unit's assessment, records the consultation and a witness-protection review; a caseworker
records a written consent with its signed form and then withdraws it in one step. Only the
three accounts, the person (assigned to all three) and an assessed police unit are made
outside the browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Browsing, LiveServer
from tests.e2e.test_first_login import sign_in
from tests.support import make_staff, service_ctx

pytestmark = pytest.mark.e2e

FULL_NAME = "Жанар Тулегенова"
UNIT_NAME = "Anti-Trafficking Unit, Almaty"
SIGNED_FORM = b"%PDF-1.4 signed consent"
ISO_DAY = r"\d{2}\.\d{2}\.\d{4}"  # shown as DD.MM.YYYY (issue 13.11)


def build_case(app: Any, staff: list[Any]) -> tuple[str, str]:
    """A person assigned to every account in ``staff`` and a unit with a current
    assessment; returns (case code, unit public id)."""
    from casework.domain.legal import UNIT_QUESTIONS, UnitRecommendation
    from casework.extensions import db
    from casework.services import access, accounts, persons, police_units

    with app.app_context():
        c = service_ctx(app, actor=staff[0].public_id)
        person = persons.register(c, names=[FULL_NAME, "Zhanar Tulegenova"],
                                  date_of_birth="1994-02-02", phones=[],
                                  profile={"gender": "female"})
        for member in staff:
            access.assign(c, person, accounts.by_public_id(c, member.public_id))
        unit = police_units.create(c, name=UNIT_NAME, jurisdiction="KZ")
        answers = {q: {"answer": "partly", "note": ""} for q in UNIT_QUESTIONS}
        answers["corruption_risk"] = {"answer": "no", "note": "No known leaks in 2025."}
        police_units.assess(c, unit, answers=answers,
                            recommendation=UnitRecommendation.CAUTION,
                            valid_until=c.now.date() + timedelta(days=180))
        db.session.commit()
        return person.case_code, unit.public_id


def open_record(page: Any, case_code: str) -> None:
    """People → the case code, as a member of staff would."""
    page.locator("header nav").get_by_role("link", name="People").click()
    page.wait_for_url("**/persons/")
    page.get_by_role("link", name=case_code).click()
    page.wait_for_url(f"**/persons/{case_code}")
    assert case_code in page.locator("main h1").inner_text()


def flash_success(page: Any) -> str:
    return page.locator("p.flash.success").first.inner_text()


def test_clearance_consultation_witness_review_consent_and_withdrawal(
        live_server: LiveServer, browsing: Browsing,
        screenshot: Callable[[Any, str], Path], tmp_path: Path) -> None:
    app = live_server.app
    caseworker = make_staff(app, "caseworker")
    psychologist = make_staff(app, "psychologist")
    adviser = make_staff(app, "legal_adviser")
    case_code, unit_id = build_case(app, [caseworker, psychologist, adviser])

    # 1. The psychologist clears the person for a legal consultation.
    page = browsing.new_page()
    sign_in(page, app, psychologist)
    open_record(page, case_code)
    consent_section = page.locator("#consent")
    assert "Not cleared" in consent_section.inner_text()
    assert consent_section.get_by_role("link", name="Record a written consent").count() == 0
    consent_section.get_by_text("Clear for a consultation").click()
    consent_section.get_by_label("Why the person is ready for a consultation about the "
                                 "police").fill("Sleeping again; ready to hear the options.")
    consent_section.get_by_role("button", name="Clear", exact=True).click()
    page.wait_for_url(f"**/persons/{case_code}#consent")
    assert "Cleared: the legal adviser may now talk" in flash_success(page)
    cleared = page.locator("#consent").inner_text()
    assert re.search(rf"Cleared by Test psychologist on {ISO_DAY}", cleared), cleared
    assert "A psychologist has cleared this person" in page.locator("#legal").inner_text()

    # 2a. The legal adviser reads the unit's assessment and records a consultation.
    page = browsing.new_page()
    sign_in(page, app, adviser)
    open_record(page, case_code)
    page.locator("#legal").get_by_role("link", name="Legal consultation").click()
    page.wait_for_url(f"**/persons/{case_code}/legal/consultation")
    assert page.locator("p.flash.error").count() == 0, "cleared, so no warning"
    unit_details = page.locator("section#units details").filter(has_text=UNIT_NAME)
    assert unit_details.count() == 1  # the only unit on this live server
    assert unit_details.locator("summary span.badge").inner_text().strip() == \
        "Cooperation with caution"
    unit_details.locator("summary").click()
    assessment = unit_details.locator("div.legal-assessment")
    assessment.wait_for()
    assert "No known leaks in 2025." in assessment.inner_text()
    assert assessment.locator("table.legal-answers tbody tr").count() == 10
    page.get_by_label("Police unit discussed").select_option(unit_id)
    options = page.locator("fieldset.legal-options input[type=checkbox]")
    assert options.count() == 5
    for index in range(5):
        options.nth(index).check()
    notices = page.locator("fieldset.legal-notices input[type=checkbox]")
    assert notices.count() == 7
    for index in range(notices.count()):
        notices.nth(index).check()
    page.get_by_role("group", name="The person's decision") \
        .get_by_label("Give information through our organisation").check()
    page.get_by_label("Notes").fill("She wants the unit to hear it from us, not from her.")
    screenshot(page, "consent-legal-consultation")
    page.get_by_role("button", name="Record the consultation").click()
    page.wait_for_url(f"**/persons/{case_code}#legal")
    assert "The consultation and the person's decision were recorded." in flash_success(page)
    legal_section = page.locator("#legal")
    assert "Give information through our organisation" in \
        legal_section.locator("ol.legal-decisions li.current").inner_text()
    assert f"Unit discussed: {UNIT_NAME}" in \
        legal_section.locator("ul.legal-consultations").inner_text()

    # 2b. The witness-protection review.
    legal_section.get_by_role("link", name="Witness protection").click()
    page.wait_for_url(f"**/persons/{case_code}/legal/witness")
    assert "No review yet." in page.locator("#history").inner_text()
    page.get_by_label("Personal safety of the person and their family").fill(
        "Her brother still lives in the village the recruiter comes from.")
    page.get_by_label("Confidentiality, and fear of disgrace if others find out").fill(
        "Afraid her parents will learn what kind of work it was.")
    page.get_by_label("Fear of being in the traffickers' presence").fill(
        "Will not sit in the same room as the recruiter.")
    page.get_by_label("Availability: Testimony by video link").select_option("available")
    page.get_by_label("Status: Testimony by video link").select_option("recommended")
    page.get_by_label("Availability: Relocation to another area") \
        .select_option("in_law_only")
    page.get_by_label("Availability: No face-to-face confrontation with the accused") \
        .select_option("available")
    page.get_by_label("Status: No face-to-face confrontation with the accused") \
        .select_option("requested")
    # Issue 9: the limits of protection, told and recorded (rules 43, 45, 46, 99).
    for told in ("A pseudonym or a hidden name does not fully protect",
                 "Protection in the proceedings may be given only if the person cooperates",
                 "Whether there is an agreement with the police and prosecution"):
        page.get_by_label(told).check()
    page.get_by_label("Our recommendation").fill("Testify only by video link.")
    page.get_by_label("The person's own view").fill("Would testify if she never sees him.")
    deadline = date.today() + timedelta(days=14)
    page.get_by_label("Next deadline").fill(deadline.isoformat())
    page.get_by_role("button", name="Save a new version").click()
    page.wait_for_url(f"**/persons/{case_code}/legal/witness")
    assert "A new version of the witness-protection review was saved." in flash_success(page)
    version = page.locator("#history details.legal-version").first
    summary = version.locator("summary").inner_text()
    assert f"next deadline {deadline.strftime('%d.%m.%Y')}" in summary and "Test legal_adviser" in \
        summary, summary
    saved = version.inner_text()
    for text in ("Will not sit in the same room as the recruiter.",
                 "Testify only by video link.", "Would testify if she never sees him."):
        assert text in saved, text
    video = version.locator("tr").filter(has_text="Testimony by video link").inner_text()
    assert "Available" in video and "Recommended by us" in video, video
    confrontation = version.locator("tr").filter(
        has_text="No face-to-face confrontation").inner_text()
    assert "Requested" in confrontation, confrontation
    # The form is pre-filled from the latest version, so the next review changes only news.
    assert page.get_by_label("Status: Testimony by video link").input_value() == "recommended"

    # 3. The caseworker records the written consent with its signed form.
    signed_form = tmp_path / "signed-consent.pdf"
    signed_form.write_bytes(SIGNED_FORM)
    page = browsing.new_page()
    sign_in(page, app, caseworker)
    open_record(page, case_code)
    consent_section = page.locator("#consent")
    assert "No consent recorded. Nothing about this person may be shared." in \
        consent_section.inner_text()
    consent_section.get_by_role("link", name="Record a written consent").click()
    page.wait_for_url(f"**/persons/{case_code}/consents/new")
    purposes = page.get_by_role("group", name="What the information may be used for")
    purposes.get_by_label("To investigate and prosecute the traffickers").check()
    purposes.get_by_label("To rescue other people who are still being exploited").check()
    recipients = page.get_by_role("group", name="Which police units may receive it")
    assert UNIT_NAME in recipients.inner_text()
    recipients.locator(f"input[value='{unit_id}']").check()
    page.get_by_role("group", name="What may be shared", exact=True) \
        .get_by_label("Specific information about the case").check()
    # Rule 13: identity is never suggested, so both boxes start (and stay) empty.
    assert not page.get_by_label("The person's name and identity data may be shared") \
        .is_checked()
    for group in ("Before deciding", "About their data"):
        boxes = page.get_by_role("group", name=group, exact=True).get_by_role("checkbox")
        assert boxes.count() >= 4, group
        for index in range(boxes.count()):
            boxes.nth(index).check()
    page.get_by_label("Language the consent was explained in").select_option(label="Russian")
    page.get_by_label("Witness (name and role), if any").fill("Dana Sadyk (caseworker)")
    page.get_by_label("The signed consent form (PDF or photo)").set_input_files(
        str(signed_form))
    screenshot(page, "consent-form")
    page.get_by_role("button", name="Record the consent").click()
    # The upload goes through senim.js (progress shown), not a page navigation: wait for the
    # consent's own address, not the form's (issue 13.7).
    page.wait_for_url(re.compile(rf"/persons/{case_code}/consents/(?!new$)[^/]+$"))
    consent_url = page.url
    assert "The consent was recorded and the signed form encrypted." in flash_success(page)
    status = page.locator("p.consent-status")
    assert status.locator("span.badge").inner_text().strip() == "Active"
    assert "No end date." in status.inner_text()
    facts = page.locator("dl.facts").first.inner_text()
    for text in ("To investigate and prosecute the traffickers", UNIT_NAME,
                 "Specific information about the case", "Must not be shared", "Russian",
                 "Dana Sadyk (caseworker)"):
        assert text in facts, (text, facts)
    assert page.locator("ul.notices li.not-given").count() == 3  # the optional group
    download = page.get_by_role("link", name="Download the signed form")
    href = download.get_attribute("href")
    assert href and f"/persons/{case_code}/attachments/" in href, href
    response = page.request.get(href)
    assert response.status == 200 and response.body() == SIGNED_FORM
    screenshot(page, "consent-detail-active")

    # 4. Withdrawal: one button, one confirmation, nothing asked.
    withdraw = page.locator("section.consent-withdraw")
    withdraw.locator("summary").click()
    withdraw.get_by_role("button", name="Yes, withdraw it now").click()
    page.wait_for_url(consent_url)
    assert "The consent was withdrawn. Nothing more will be shared under it." in \
        flash_success(page)
    assert "No disclosure was being prepared under this consent." in \
        page.locator("p.flash.success").all_inner_texts()
    status = page.locator("p.consent-status")
    assert status.locator("span.badge").inner_text().strip() == "Withdrawn"
    assert re.search(rf"Withdrawn on {ISO_DAY} \d{{2}}:\d{{2}} by Test caseworker\. "
                     "Nothing may be shared under it.", status.inner_text()), \
        status.inner_text()
    assert page.locator("section.consent-withdraw").count() == 0
    assert page.get_by_role("link", name="Download the signed form").count() == 1
    screenshot(page, "consent-detail-withdrawn")

    # History is kept: the record page still lists the consent, marked withdrawn.
    page.get_by_role("link", name=f"Back to {case_code}").click()
    page.wait_for_url(f"**/persons/{case_code}#consent")
    ledger = page.locator("#consent ul.ledger li")
    assert ledger.count() == 1
    entry = ledger.first.inner_text()
    assert "Withdrawn" in entry and re.search(rf"withdrawn on {ISO_DAY}", entry), entry
    link = ledger.first.get_by_role("link").get_attribute("href")
    assert link and consent_url.endswith(link), (link, consent_url)
    screenshot(page, "consent-record-section")

    # 5. No console errors or CSP violations anywhere on the way.
    assert browsing.problems.messages == [], "\n".join(browsing.problems.messages)
