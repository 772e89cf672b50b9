"""An MoU version as data (issue 6, item 1; rules 2-7, 11, 84-85, 93-98).

Frozen values only; ``mou.loader`` builds them from TOML and ``mou.checks`` decides with
them. Nothing here knows about the application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

TLP_ORDER = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")
HANDLING_CONDITIONS = (
    "NO_ONWARD_DISSEMINATION_WITHOUT_ORIGINATOR", "NOT_FOR_EVIDENTIAL_USE_WITHOUT_ORIGINATOR",
    "NO_DIRECT_CONTACT_WITH_SOURCE", "REFER_DISCLOSURE_REQUESTS_TO_ORIGINATOR",
)
PURPOSES = ("rescue_victims", "refer_to_assistance", "investigate_traffickers",
            "strategy_and_tactics", "resource_allocation", "prevention_campaigns",
            "research_and_analysis")
FEEDBACK_EVENTS = ("acknowledged", "actioned", "arrest", "charge", "release",
                   "no_further_action", "assessed_false")


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    role: str  # "originator" | "recipient"


@dataclass(frozen=True)
class Contact:
    name: str
    role: str  # "liaison" | "deputy"
    mobile: str  # 24/7 (rules 5-7)


@dataclass(frozen=True)
class Clause:
    id: str
    text: str


@dataclass(frozen=True)
class Feedback:
    ack_within_days: int
    outcome_within_days: int
    events: tuple[str, ...]


@dataclass(frozen=True)
class MouTerms:
    id: str
    version: int
    title: str
    text_sha256: str
    parties: tuple[Party, ...]
    signatories: tuple[str, ...]
    effective_from: date
    expires_on: date
    review_every_months: int
    last_reviewed: date
    organisation_contacts: tuple[Contact, ...]
    police_contacts: tuple[Contact, ...]
    purposes: tuple[str, ...]
    entry_kinds: tuple[str, ...]
    prohibited_fields: tuple[str, ...]
    clauses: tuple[Clause, ...]
    feedback: Feedback
    onward_sharing: str  # "prohibited" | "with_originator_consent"
    evidential_use: str  # "prohibited" | "with_originator_consent"
    tlp_thematic: str
    tlp_specific: str
    allowed_tlp: tuple[str, ...]
    handling_code: str  # "P" | "C"
    handling_conditions: tuple[str, ...]
    retention_review_months: int
    retention_delete_months: int
    termination_notice_days: int
    on_termination: str
    recipient_age_key: str
    second_approver: bool
    consent_max_age_days: int
    risk_max_age_days: int
    withdrawal_notice_days: int
    emergency_disclosure: bool
    cumulative_limit: int = 3
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def recipient(self) -> Party:
        return next(p for p in self.parties if p.role == "recipient")

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)


def tlp_rank(label: str) -> int:
    return TLP_ORDER.index(label) if label in TLP_ORDER else -1
