"""Pure checks: may this package go to this unit under this MoU, now?

One function per rule, each with an id and the clause it enforces; ``RULES`` lists them in
the order the liaison sees them. A check never raises for an expected "no": it returns a
``CheckResult`` with a reason code the interface translates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mou.terms import MouTerms, tlp_rank


@dataclass(frozen=True)
class EntryFacts:
    kind: str  # thematic | specific
    fields: frozenset[str]  # categories of data the entry carries (e.g. "victim_name")
    privacy_cleared: bool  # thematic entries: reviewed for privacy by a second person


@dataclass(frozen=True)
class PackageFacts:
    recipient_code: str
    recipient_key: str
    purpose: str
    tlp: str
    handling_code: str
    entries: tuple[EntryFacts, ...]
    approvers: tuple[str, ...]
    drafter: str
    emergency: bool = False


@dataclass(frozen=True)
class CheckResult:
    rule: str
    clause: str
    passed: bool
    reason: str = ""


Check = Callable[[MouTerms, PackageFacts, datetime], CheckResult]


def _result(rule: str, clause: str, ok: bool, reason: str) -> CheckResult:
    return CheckResult(rule, clause, ok, "" if ok else reason)


def mou_active(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-01: in force today and not past its review date."""
    today = now.date()
    review_due = _add_months(terms.last_reviewed, terms.review_every_months)
    if not terms.effective_from <= today <= terms.expires_on:
        return _result("MOU-01", "term", False, "mou_not_in_force")
    return _result("MOU-01", "review", today <= review_due, "mou_review_overdue")


def recipient_is_party(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-02: going to the unit that signed, encrypted to the key pinned in the MoU."""
    ok = p.recipient_code == terms.recipient.code and p.recipient_key == terms.recipient_age_key
    return _result("MOU-02", "parties", ok, "mou_recipient_not_party")


def purpose_permitted(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-03: a purpose the MoU allows (rule 59 purposes)."""
    return _result("MOU-03", "scope.purposes", p.purpose in terms.purposes,
                   "mou_purpose_not_permitted")


def entry_kinds_permitted(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-04a: every entry kind is allowed under this MoU."""
    ok = bool(p.entries) and all(e.kind in terms.entry_kinds for e in p.entries)
    return _result("MOU-04", "scope.entry_kinds", ok, "mou_entry_kind_not_permitted")


def tlp_permitted(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-05: the TLP is allowed and no weaker than the default for what is inside."""
    floor = terms.tlp_specific if any(e.kind == "specific" for e in p.entries) \
        else terms.tlp_thematic
    ok = p.tlp in terms.allowed_tlp and tlp_rank(p.tlp) >= tlp_rank(floor)
    return _result("MOU-05", "handling.tlp", ok, "mou_tlp_too_weak")


def handling_code_respected(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-06: "C" (conditions) in the MoU can never be loosened to "P"."""
    ok = not (terms.handling_code == "C" and p.handling_code == "P")
    return _result("MOU-06", "handling.code", ok, "mou_handling_code_loosened")


def no_prohibited_fields(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-07: nothing the MoU prohibits (victim name, shelter location, ...)."""
    ok = not any(e.fields & set(terms.prohibited_fields) for e in p.entries)
    return _result("MOU-07", "scope.prohibited_fields", ok, "mou_prohibited_field")


def thematic_reviewed(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-08: thematic entries carry a second person's privacy review (rule 49)."""
    ok = all(e.privacy_cleared for e in p.entries if e.kind == "thematic")
    return _result("MOU-08", "scope.entry_kinds", ok, "mou_thematic_not_reviewed")


def approvals_sufficient(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-09: approvers are not the drafter; a second one where the MoU asks for it."""
    distinct = {a for a in p.approvers if a != p.drafter}
    needed = 2 if (terms.second_approver or p.emergency) else 1
    return _result("MOU-09", "approval", len(distinct) >= needed and
                   p.drafter not in p.approvers, "mou_approvals_insufficient")


def emergency_permitted(terms: MouTerms, p: PackageFacts, now: datetime) -> CheckResult:
    """MOU-10: emergency limited disclosure only where the MoU provides for it (rules 78-81)."""
    return _result("MOU-10", "emergency", not p.emergency or terms.emergency_disclosure,
                   "mou_emergency_not_provided")


def consent_fresh(terms: MouTerms, recorded_at: datetime | None,
                  now: datetime) -> CheckResult:
    """MOU-11: the consent relied on is no older than ``consent.max_age_days``."""
    ok = recorded_at is None or now - recorded_at <= timedelta(days=terms.consent_max_age_days)
    return _result("MOU-11", "consent.max_age_days", ok, "mou_consent_too_old")


def risk_fresh(terms: MouTerms, assessed_at: datetime | None, now: datetime) -> CheckResult:
    """MOU-12: the risk assessment relied on is no older than ``risk.max_age_days``."""
    ok = assessed_at is None or now - assessed_at <= timedelta(days=terms.risk_max_age_days)
    return _result("MOU-12", "risk.max_age_days", ok, "mou_risk_assessment_too_old")


RULES: tuple[Check, ...] = (
    mou_active, recipient_is_party, purpose_permitted, entry_kinds_permitted, tlp_permitted,
    handling_code_respected, no_prohibited_fields, thematic_reviewed, emergency_permitted,
)
# Approval is checked when approving, not when drafting.
APPROVAL_RULES: tuple[Check, ...] = (approvals_sufficient,)


def evaluate(terms: MouTerms, package: PackageFacts, *, now: datetime,
             rules: tuple[Check, ...] = RULES) -> tuple[CheckResult, ...]:
    return tuple(rule(terms, package, now) for rule in rules)


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return date(year, month, min(day.day, days))
