"""Safety rules at the point of effect (issue 9): pure decisions re-taken where a
disclosure takes effect, not only where it was requested.

* ``download_gate``: at every download, each consent, the MoU and the releaser's
  designation the package relied on are checked again (rules 10, 12, 84); what happens to a
  package that fails is ``consequence`` (revoked before the first download, recalled after).
* ``unit_gate``: contact with a police unit needs its current assessment; "not recommended"
  allows thematic entries only, unless the legal adviser recorded an override (rules 70, 71,
  73, 109).
* ``informed_choice``: a specific entry about a person only after their legal consultation
  and while their latest decision is to give intelligence through the organisation (rules 14,
  31, 32, 35).
* ``risk_notices_given``: a consent covering specific intelligence needs the three rule-32
  points explained.
* ``feedback_deadlines``: when the unit's acknowledgement and outcome are due (MoU terms).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from casework.domain.decisions import Decision


class GateReason(str, Enum):
    CONSENT_WITHDRAWN = "gate_consent_withdrawn"
    CONSENT_EXPIRED = "gate_consent_expired"
    MOU_NOT_IN_FORCE = "gate_mou_not_in_force"
    RELEASER_NOT_DESIGNATED = "gate_releaser_not_designated"
    RELEASER_NOT_ON_DUTY = "gate_releaser_not_on_duty"
    REVOKED = "gate_package_revoked"
    UNIT_NOT_ASSESSED = "gate_unit_not_assessed"
    UNIT_NOT_RECOMMENDED = "gate_unit_not_recommended_specific"
    NO_CONSULTATION = "gate_no_legal_consultation"
    DECISION_NOT_INTEL = "gate_decision_not_intelligence"
    RISK_NOTICES_MISSING = "gate_consent_risk_notices_missing"


# Reasons that end a package for good (the basis of the release is gone); the others only
# refuse this download (the releaser may be designated or on duty again later).
FINAL = frozenset({GateReason.CONSENT_WITHDRAWN, GateReason.CONSENT_EXPIRED,
                   GateReason.MOU_NOT_IN_FORCE})


@dataclass(frozen=True)
class ConsentState:
    withdrawn_at: datetime | None
    valid_until: datetime | None


@dataclass(frozen=True)
class DownloadFacts:
    consents: tuple[ConsentState, ...]  # every consent an item of the package relied on
    mou_in_force: bool  # the MoU the package went under: registered, not terminated, in term
    releaser_designated: bool  # still the designated liaison or deputy (rules 1-2)
    releaser_on_duty: bool  # on the roster now (rules 5-7)
    revoked: bool


def download_gate(facts: DownloadFacts, *, now: datetime) -> Decision:
    """May the package be handed over now? Every basis of the release, re-checked."""
    if facts.revoked:
        return Decision.deny(GateReason.REVOKED)
    reasons: list[GateReason] = []
    for consent in facts.consents:
        if consent.withdrawn_at is not None and consent.withdrawn_at <= now:
            reasons.append(GateReason.CONSENT_WITHDRAWN)
        elif consent.valid_until is not None and now >= consent.valid_until:
            reasons.append(GateReason.CONSENT_EXPIRED)
    if not facts.mou_in_force:
        reasons.append(GateReason.MOU_NOT_IN_FORCE)
    if not facts.releaser_designated:
        reasons.append(GateReason.RELEASER_NOT_DESIGNATED)
    elif not facts.releaser_on_duty:
        reasons.append(GateReason.RELEASER_NOT_ON_DUTY)
    return Decision.deny(*dict.fromkeys(reasons)) if reasons else Decision.allow()


class Consequence(str, Enum):
    NONE = "none"  # refuse this download only
    REVOKE = "revoke"  # never handed over: delete the file, the package is gone for good
    RECALL = "recall"  # already handed over: a recall notice to the unit (MOU-15)


def consequence(decision: Decision, *, downloaded_before: bool) -> Consequence:
    """What a refusal does to the package (rule 12: a withdrawal stops further sharing)."""
    if decision.allowed or not any(r in FINAL for r in decision.reasons):
        return Consequence.NONE
    return Consequence.RECALL if downloaded_before else Consequence.REVOKE


# --- the police unit's assessment (rules 70, 71, 73, 103, 104, 109) -----------------------

NOT_RECOMMENDED = "cooperation_not_recommended"


def unit_gate(recommendation: str | None, *, entry_kinds: Iterable[str],
              override: bool) -> Decision:
    """``recommendation`` is the current assessment's (None: no current assessment)."""
    if recommendation is None:
        return Decision.deny(GateReason.UNIT_NOT_ASSESSED)
    if recommendation == NOT_RECOMMENDED and not override and any(
            kind != "thematic" for kind in entry_kinds):
        return Decision.deny(GateReason.UNIT_NOT_RECOMMENDED)
    return Decision.allow()


# --- informed choice before a specific disclosure (rules 14, 31, 32, 35) ------------------

INTEL_THROUGH_ORGANISATION = "intelligence_through_organisation"
STOPPING_DECISIONS = frozenset({"do_nothing", "undecided"})


def informed_choice(*, entry_kind: str, consultation_recorded: bool,
                    latest_decision: str | None) -> Decision:
    if entry_kind == "thematic":
        return Decision.allow()
    reasons: list[GateReason] = []
    if not consultation_recorded:
        reasons.append(GateReason.NO_CONSULTATION)
    if latest_decision != INTEL_THROUGH_ORGANISATION:
        reasons.append(GateReason.DECISION_NOT_INTEL)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def risk_notices_given(*, share_level: str, notices: Iterable[str],
                       required: Iterable[str]) -> Decision:
    """Rule 32: a consent that lets specific intelligence go says the person was told the
    risk, that they are not obliged, and that waiting makes it harder."""
    if share_level != "specific" or set(required) <= set(notices):
        return Decision.allow()
    return Decision.deny(GateReason.RISK_NOTICES_MISSING)


# --- feedback deadlines (MoU terms) --------------------------------------------------------


def feedback_deadlines(released_at: datetime, *, ack_days: int,
                       outcome_days: int) -> tuple[datetime, datetime]:
    return released_at + timedelta(days=ack_days), released_at + timedelta(days=outcome_days)
