"""``mou.checks``: one decision table per rule, terms built from the example with
``dataclasses.replace`` and package facts written out directly; and ``mou.diff.changes``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from mou import RULES, CheckResult, EntryFacts, PackageFacts, evaluate, loads
from mou.checks import (
    APPROVAL_RULES,
    _add_months,
    approvals_sufficient,
    emergency_permitted,
    entry_kinds_permitted,
    handling_code_respected,
    mou_active,
    no_prohibited_fields,
    purpose_permitted,
    recipient_is_party,
    thematic_reviewed,
    tlp_permitted,
)
from mou.diff import changes
from mou.terms import Contact, MouTerms

EXAMPLE = (Path(__file__).resolve().parents[3] / "mou" / "example.toml").read_text()
TERMS = loads(EXAMPLE)
NOW = datetime(2026, 6, 1, 12, 0)
OTHER_KEY = "age1" + "q" * 58

THEMATIC = EntryFacts("thematic", frozenset(), privacy_cleared=True)
THEMATIC_PENDING = EntryFacts("thematic", frozenset(), privacy_cleared=False)
SPECIFIC = EntryFacts("specific", frozenset({"route", "vehicle"}), privacy_cleared=False)


def package(**changes: object) -> PackageFacts:
    base = PackageFacts(
        recipient_code="POL-ATU-DEMO", recipient_key=TERMS.recipient_age_key,
        purpose="investigate_traffickers", tlp="TLP:AMBER+STRICT", handling_code="C",
        entries=(THEMATIC, SPECIFIC), approvers=("liaison",), drafter="caseworker")
    return replace(base, **changes)  # type: ignore[arg-type]


def terms(**changes: object) -> MouTerms:
    return replace(TERMS, **changes)  # type: ignore[arg-type]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59)


# --- every rule passes for a correct package ---------------------------------------------


def test_a_correct_package_passes_every_rule() -> None:
    results = evaluate(TERMS, package(), now=NOW)
    assert [r.rule for r in results] == ["MOU-01", "MOU-02", "MOU-03", "MOU-04", "MOU-05",
                                         "MOU-06", "MOU-07", "MOU-08", "MOU-10"]
    assert all(r.passed and r.reason == "" for r in results), results
    assert evaluate(TERMS, package(), now=NOW, rules=APPROVAL_RULES) == (
        CheckResult("MOU-09", "approval", True, ""),)


def test_rules_list_and_approval_rules_are_separate() -> None:
    assert approvals_sufficient not in RULES and (approvals_sufficient,) == APPROVAL_RULES
    assert len(set(RULES)) == len(RULES) == 9


# --- MOU-01: in force and reviewed ---------------------------------------------------------


@pytest.mark.parametrize(("changes", "now", "expected"), [
    ({}, NOW, CheckResult("MOU-01", "review", True, "")),
    ({}, datetime(2026, 1, 1, 0, 0), CheckResult("MOU-01", "review", True, "")),
    ({}, datetime(2025, 12, 31, 23, 59), CheckResult("MOU-01", "term", False,
                                                     "mou_not_in_force")),
    ({"last_reviewed": date(2027, 6, 1)}, at(date(2027, 12, 31)),
     CheckResult("MOU-01", "review", True, "")),
    ({"last_reviewed": date(2027, 6, 1)}, datetime(2028, 1, 1, 0, 0),
     CheckResult("MOU-01", "term", False, "mou_not_in_force")),
    # Reviewed 2026-01-01 every 12 months: due 2027-01-01, overdue from the day after.
    ({}, at(date(2027, 1, 1)), CheckResult("MOU-01", "review", True, "")),
    ({}, datetime(2027, 1, 2, 0, 0), CheckResult("MOU-01", "review", False,
                                                 "mou_review_overdue")),
    ({"review_every_months": 3}, datetime(2026, 4, 2, 0, 0),
     CheckResult("MOU-01", "review", False, "mou_review_overdue")),
    ({"review_every_months": 3}, at(date(2026, 4, 1)), CheckResult("MOU-01", "review", True,
                                                                   "")),
    # Not in force wins over an overdue review.
    ({"review_every_months": 1}, datetime(2028, 2, 1), CheckResult("MOU-01", "term", False,
                                                                   "mou_not_in_force")),
], ids=["in-force", "first-day", "not-yet", "last-day", "expired", "review-due-today",
        "review-overdue", "quarterly-overdue", "quarterly-due-today", "expired-and-overdue"])
def test_mou_active(changes: dict[str, object], now: datetime, expected: CheckResult) -> None:
    assert mou_active(terms(**changes), package(), now) == expected


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 1), 12, date(2027, 1, 1)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2100, 1, 31), 1, date(2100, 2, 28)),
    (date(2000, 1, 31), 1, date(2000, 2, 29)),
    (date(2026, 8, 31), 1, date(2026, 9, 30)),
    (date(2026, 11, 15), 2, date(2027, 1, 15)),
    (date(2026, 12, 31), 14, date(2028, 2, 29)),
])
def test_review_date_month_arithmetic(day: date, months: int, expected: date) -> None:
    assert _add_months(day, months) == expected


def test_review_overdue_month_end() -> None:
    t = terms(last_reviewed=date(2026, 1, 31), review_every_months=1)
    assert mou_active(t, package(), at(date(2026, 2, 28))).passed
    assert mou_active(t, package(), datetime(2026, 3, 1)).reason == "mou_review_overdue"


# --- MOU-02: the signing unit, its pinned key ----------------------------------------------


@pytest.mark.parametrize(("code", "key", "passed"), [
    ("POL-ATU-DEMO", TERMS.recipient_age_key, True),
    ("POL-OTHER-UNIT", TERMS.recipient_age_key, False),
    ("NGO-SENIM-DEMO", TERMS.recipient_age_key, False),  # the originator is no recipient
    ("pol-atu-demo", TERMS.recipient_age_key, False),
    ("POL-ATU-DEMO", OTHER_KEY, False),
    ("POL-OTHER-UNIT", OTHER_KEY, False),
    ("POL-ATU-DEMO", "", False),
])
def test_recipient_is_party(code: str, key: str, passed: bool) -> None:
    result = recipient_is_party(TERMS, package(recipient_code=code, recipient_key=key), NOW)
    assert result == CheckResult("MOU-02", "parties", passed,
                                 "" if passed else "mou_recipient_not_party")


# --- MOU-03: purpose -------------------------------------------------------------------------


@pytest.mark.parametrize(("purpose", "passed"), [
    ("rescue_victims", True), ("investigate_traffickers", True),
    ("prevention_campaigns", True), ("strategy_and_tactics", True),
    ("research_and_analysis", False), ("refer_to_assistance", False),
    ("resource_allocation", False), ("", False), ("anything", False),
])
def test_purpose_permitted(purpose: str, passed: bool) -> None:
    result = purpose_permitted(TERMS, package(purpose=purpose), NOW)
    assert result == CheckResult("MOU-03", "scope.purposes", passed,
                                 "" if passed else "mou_purpose_not_permitted")


def test_purpose_follows_the_terms_not_a_fixed_list() -> None:
    t = terms(purposes=("research_and_analysis",))
    assert purpose_permitted(t, package(purpose="research_and_analysis"), NOW).passed
    assert not purpose_permitted(t, package(purpose="investigate_traffickers"), NOW).passed


# --- MOU-04: entry kinds -----------------------------------------------------------------


@pytest.mark.parametrize(("kinds", "entries", "passed"), [
    (("thematic", "specific"), (THEMATIC,), True),
    (("thematic", "specific"), (SPECIFIC,), True),
    (("thematic", "specific"), (THEMATIC, SPECIFIC), True),
    (("thematic", "specific"), (), False),  # an empty package is not a package
    (("thematic",), (THEMATIC,), True),
    (("thematic",), (SPECIFIC,), False),
    (("thematic",), (THEMATIC, SPECIFIC), False),
    (("specific",), (THEMATIC,), False),
    (("thematic", "specific"), (EntryFacts("incoming", frozenset(), True),), False),
])
def test_entry_kinds_permitted(kinds: tuple[str, ...], entries: tuple[EntryFacts, ...],
                               passed: bool) -> None:
    result = entry_kinds_permitted(terms(entry_kinds=kinds), package(entries=entries), NOW)
    assert result == CheckResult("MOU-04", "scope.entry_kinds", passed,
                                 "" if passed else "mou_entry_kind_not_permitted")


# --- MOU-05: TLP ------------------------------------------------------------------------------

ALL_TLP = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")


@pytest.mark.parametrize(("entries", "tlp", "allowed", "passed"), [
    # Specific inside: default TLP:AMBER+STRICT is the floor.
    ((SPECIFIC,), "TLP:RED", TERMS.allowed_tlp, True),
    ((SPECIFIC,), "TLP:AMBER+STRICT", TERMS.allowed_tlp, True),
    ((SPECIFIC,), "TLP:AMBER", TERMS.allowed_tlp, False),
    ((SPECIFIC,), "TLP:GREEN", TERMS.allowed_tlp, False),
    ((SPECIFIC,), "TLP:CLEAR", ALL_TLP, False),
    # One specific entry among thematic ones sets the floor for the whole package.
    ((THEMATIC, SPECIFIC), "TLP:AMBER", TERMS.allowed_tlp, False),
    ((THEMATIC, SPECIFIC), "TLP:AMBER+STRICT", TERMS.allowed_tlp, True),
    # Thematic only: default TLP:GREEN is the floor.
    ((THEMATIC,), "TLP:GREEN", TERMS.allowed_tlp, True),
    ((THEMATIC,), "TLP:AMBER", TERMS.allowed_tlp, True),
    ((THEMATIC,), "TLP:RED", TERMS.allowed_tlp, True),
    ((THEMATIC,), "TLP:CLEAR", TERMS.allowed_tlp, False),  # weaker and not allowed
    ((THEMATIC,), "TLP:CLEAR", ALL_TLP, False),  # allowed, but weaker than the default
    # Strong enough but not in the MoU's allowed list.
    ((SPECIFIC,), "TLP:RED", ("TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN"), False),
    ((THEMATIC,), "TLP:AMBER", ("TLP:GREEN", "TLP:RED"), False),
    # Labels that are not TLP 2.0.
    ((THEMATIC,), "TLP:WHITE", TERMS.allowed_tlp, False),
    ((THEMATIC,), "", TERMS.allowed_tlp, False),
    ((SPECIFIC,), "tlp:red", TERMS.allowed_tlp, False),
])
def test_tlp_permitted(entries: tuple[EntryFacts, ...], tlp: str, allowed: tuple[str, ...],
                       passed: bool) -> None:
    result = tlp_permitted(terms(allowed_tlp=allowed), package(entries=entries, tlp=tlp), NOW)
    assert result == CheckResult("MOU-05", "handling.tlp", passed,
                                 "" if passed else "mou_tlp_too_weak")


def test_tlp_floor_follows_the_terms_defaults() -> None:
    strict = terms(tlp_thematic="TLP:AMBER")
    assert not tlp_permitted(strict, package(entries=(THEMATIC,), tlp="TLP:GREEN"), NOW).passed
    assert tlp_permitted(strict, package(entries=(THEMATIC,), tlp="TLP:AMBER"), NOW).passed
    red = terms(tlp_specific="TLP:RED")
    assert not tlp_permitted(red, package(entries=(SPECIFIC,), tlp="TLP:AMBER+STRICT"),
                             NOW).passed


# --- MOU-06: handling code ----------------------------------------------------------------


@pytest.mark.parametrize(("mou_code", "package_code", "passed"), [
    ("C", "C", True), ("C", "P", False), ("P", "P", True), ("P", "C", True),
])
def test_handling_code_respected(mou_code: str, package_code: str, passed: bool) -> None:
    result = handling_code_respected(terms(handling_code=mou_code),
                                     package(handling_code=package_code), NOW)
    assert result == CheckResult("MOU-06", "handling.code", passed,
                                 "" if passed else "mou_handling_code_loosened")


# --- MOU-07: prohibited fields ------------------------------------------------------------


@pytest.mark.parametrize(("fields", "passed"), [
    (frozenset(), True),
    (frozenset({"route", "vehicle"}), True),
    (frozenset({"victim_name"}), False),
    (frozenset({"route", "shelter_location"}), False),
    (frozenset({"victim_date_of_birth"}), False),
    (frozenset({"staff_name"}), False),
    (frozenset({"health_data"}), False),
    (frozenset({"interview_transcript"}), False),
    # Not in the example's list: the MoU decides (consent still guards identity fields).
    (frozenset({"victim_phone"}), True),
])
def test_no_prohibited_fields(fields: frozenset[str], passed: bool) -> None:
    entries = (THEMATIC, EntryFacts("specific", fields, False))
    result = no_prohibited_fields(TERMS, package(entries=entries), NOW)
    assert result == CheckResult("MOU-07", "scope.prohibited_fields", passed,
                                 "" if passed else "mou_prohibited_field")


def test_prohibited_field_in_any_entry_fails_and_list_comes_from_terms() -> None:
    bad = EntryFacts("thematic", frozenset({"victim_name"}), True)
    assert not no_prohibited_fields(TERMS, package(entries=(SPECIFIC, bad)), NOW).passed
    assert no_prohibited_fields(terms(prohibited_fields=()), package(entries=(bad,)),
                                NOW).passed


# --- MOU-08: thematic entries reviewed for privacy ----------------------------------------


@pytest.mark.parametrize(("entries", "passed"), [
    ((THEMATIC,), True),
    ((THEMATIC_PENDING,), False),
    ((THEMATIC, THEMATIC_PENDING), False),
    ((SPECIFIC,), True),  # specific entries need no privacy review
    ((THEMATIC, SPECIFIC), True),
    ((THEMATIC_PENDING, SPECIFIC), False),
    ((), True),
])
def test_thematic_reviewed(entries: tuple[EntryFacts, ...], passed: bool) -> None:
    result = thematic_reviewed(TERMS, package(entries=entries), NOW)
    assert result == CheckResult("MOU-08", "scope.entry_kinds", passed,
                                 "" if passed else "mou_thematic_not_reviewed")


# --- MOU-09: approvals ----------------------------------------------------------------------


@pytest.mark.parametrize(("second_approver", "emergency", "approvers", "passed"), [
    # One approver needed.
    (False, False, (), False),
    (False, False, ("liaison",), True),
    (False, False, ("caseworker",), False),  # the drafter alone
    (False, False, ("liaison", "caseworker"), False),  # drafter among approvers
    (False, False, ("liaison", "deputy"), True),
    (False, False, ("liaison", "liaison"), True),
    # The MoU asks for a second approver.
    (True, False, ("liaison",), False),
    (True, False, ("liaison", "deputy"), True),
    (True, False, ("liaison", "liaison"), False),  # the same person twice is one
    (True, False, ("liaison", "caseworker"), False),
    (True, False, ("liaison", "deputy", "caseworker"), False),
    # An emergency always needs two, whatever the MoU says.
    (False, True, ("liaison",), False),
    (False, True, ("liaison", "director"), True),
    (False, True, ("liaison", "caseworker"), False),
    (True, True, ("liaison", "director"), True),
    (True, True, ("director",), False),
])
def test_approvals_sufficient(second_approver: bool, emergency: bool,
                              approvers: tuple[str, ...], passed: bool) -> None:
    result = approvals_sufficient(terms(second_approver=second_approver),
                                  package(approvers=approvers, emergency=emergency), NOW)
    assert result == CheckResult("MOU-09", "approval", passed,
                                 "" if passed else "mou_approvals_insufficient")


# --- MOU-10: emergency limited disclosure -----------------------------------------------


@pytest.mark.parametrize(("provided", "emergency", "passed"), [
    (True, True, True), (True, False, True), (False, False, True), (False, True, False),
])
def test_emergency_permitted(provided: bool, emergency: bool, passed: bool) -> None:
    result = emergency_permitted(terms(emergency_disclosure=provided),
                                 package(emergency=emergency), NOW)
    assert result == CheckResult("MOU-10", "emergency", passed,
                                 "" if passed else "mou_emergency_not_provided")


# --- evaluate: every failure reported, nothing hidden by another -------------------------


def test_evaluate_reports_every_failing_rule_at_once() -> None:
    bad = package(recipient_code="POL-OTHER", purpose="research_and_analysis", tlp="TLP:CLEAR",
                  handling_code="P", entries=(THEMATIC_PENDING,
                                              EntryFacts("specific", frozenset({"victim_name"}),
                                                         False)),
                  emergency=True)
    results = evaluate(terms(emergency_disclosure=False), bad, now=datetime(2029, 1, 1))
    assert {r.rule: r.reason for r in results if not r.passed} == {
        "MOU-01": "mou_not_in_force", "MOU-02": "mou_recipient_not_party",
        "MOU-03": "mou_purpose_not_permitted", "MOU-05": "mou_tlp_too_weak",
        "MOU-06": "mou_handling_code_loosened", "MOU-07": "mou_prohibited_field",
        "MOU-08": "mou_thematic_not_reviewed", "MOU-10": "mou_emergency_not_provided"}
    assert [r.rule for r in results if r.passed] == ["MOU-04"]


# --- mou.diff -------------------------------------------------------------------------------


def test_no_changes_between_identical_versions() -> None:
    assert changes(TERMS, loads(EXAMPLE)) == []


def test_changes_lists_every_differing_field_in_field_order() -> None:
    new_text = (EXAMPLE.replace("version = 1", "version = 2")
                .replace("expires_on = 2027-12-31", "expires_on = 2028-12-31")
                .replace('tlp_thematic = "TLP:GREEN"', 'tlp_thematic = "TLP:AMBER"')
                .replace("second_approver = false", "second_approver = true")
                .replace('"+7 700 000 0102"', '"+7 700 000 0199"')
                .replace("cumulative_limit = 3", "cumulative_limit = 2"))
    diff = changes(TERMS, loads(new_text))
    assert [name for name, _, _ in diff] == ["version", "expires_on", "police_contacts",
                                             "tlp_thematic", "second_approver",
                                             "cumulative_limit"]
    shown = {name: (old, new) for name, old, new in diff}
    assert shown["version"] == ("1", "2")
    assert shown["expires_on"] == ("2027-12-31", "2028-12-31")
    assert shown["tlp_thematic"] == ("TLP:GREEN", "TLP:AMBER")
    assert shown["second_approver"] == ("False", "True")
    assert shown["cumulative_limit"] == ("3", "2")
    assert shown["police_contacts"] == (
        "name=Duty officer, ATU, role=liaison, mobile=+7 700 000 0102",
        "name=Duty officer, ATU, role=liaison, mobile=+7 700 000 0199")


def test_changes_shows_tuples_of_values_and_dataclasses() -> None:
    new = replace(TERMS, purposes=("rescue_victims",),
                  organisation_contacts=(Contact("Aida", "liaison", "+7 700 000 0009"),),
                  feedback=replace(TERMS.feedback, ack_within_days=3))
    diff = {name: (old, new_) for name, old, new_ in changes(TERMS, new)}
    assert set(diff) == {"purposes", "organisation_contacts", "feedback"}
    assert diff["purposes"] == (", ".join(TERMS.purposes), "rescue_victims")
    assert diff["organisation_contacts"][1] == "name=Aida, role=liaison, mobile=+7 700 000 0009"
    assert "ack_within_days=5" in diff["feedback"][0]
    assert "ack_within_days=3" in diff["feedback"][1]
    # The reverse direction swaps old and new.
    assert {n: (o, w) for n, o, w in changes(new, TERMS)}["purposes"] == (
        "rescue_victims", ", ".join(TERMS.purposes))
