"""Risk assessment before disclosure (rules 40, 65-74).

Required before any specific intelligence is shared, optional for thematic. Residual risk
can never be "none" (rule 40); the assessor may not be the liaison who releases; an
assessment expires (default 30 days) and covers one police unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from casework.domain.decisions import Decision

DEFAULT_VALIDITY = timedelta(days=30)


class RiskLevel(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    SEVERE = "severe"  # disclosure should not go ahead without extraordinary grounds


class RiskCategory(str, Enum):
    """Rules 66, 68, 69: what in a disclosure could let a trafficker recognise the source."""

    CASE_SIGNIFICANT = "case_significant_details"
    IDENTITY = "personal_identity_data"
    ONLY_KNOWN_TO_PERSON = "details_known_only_to_the_person"


class RiskReason(str, Enum):
    MISSING = "risk_assessment_missing"
    EXPIRED = "risk_assessment_expired"
    ASSESSOR_IS_RELEASER = "risk_assessor_is_releaser"
    OTHER_UNIT = "risk_assessment_for_other_unit"
    OTHER_PERSON = "risk_assessment_of_other_person"
    RESIDUAL_NONE = "risk_residual_cannot_be_none"
    SEVERE = "risk_severe"
    INCOMPLETE = "risk_assessment_incomplete"
    # Rules 65-74: the assessment comes before the release, in time too.
    AFTER_RELEASE = "risk_assessment_after_release"


@dataclass(frozen=True)
class RiskFacts:
    person_ref: str
    unit_ref: str
    assessor: str
    assessed_at: datetime
    expires_at: datetime
    residual: str  # a RiskLevel value; "none" is refused
    categories_considered: frozenset[RiskCategory]
    harm_to_others_considered: bool
    staff_safety_considered: bool


def validate_assessment(risk: RiskFacts) -> Decision:
    """Can this assessment be recorded? Every category and both harms must be considered."""
    reasons: list[RiskReason] = []
    if risk.residual not in {level.value for level in RiskLevel}:
        reasons.append(RiskReason.RESIDUAL_NONE)
    if set(risk.categories_considered) != set(RiskCategory) or not (
            risk.harm_to_others_considered and risk.staff_safety_considered):
        reasons.append(RiskReason.INCOMPLETE)
    if risk.expires_at <= risk.assessed_at:
        reasons.append(RiskReason.EXPIRED)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def risk_allows(risk: RiskFacts | None, *, person_ref: str, unit_ref: str, releaser: str,
                entry_kind: str, now: datetime) -> Decision:
    """Is there a valid assessment behind this release? Thematic entries need none."""
    if risk is None:
        return Decision.allow() if entry_kind == "thematic" else Decision.deny(
            RiskReason.MISSING)
    reasons: list[RiskReason] = list(validate_assessment(risk).reasons)  # type: ignore[arg-type]
    if now >= risk.expires_at and RiskReason.EXPIRED not in reasons:
        reasons.append(RiskReason.EXPIRED)
    if risk.assessed_at > now:
        reasons.append(RiskReason.AFTER_RELEASE)
    if risk.assessor == releaser:
        reasons.append(RiskReason.ASSESSOR_IS_RELEASER)
    if risk.unit_ref != unit_ref:
        reasons.append(RiskReason.OTHER_UNIT)
    if risk.person_ref != person_ref:
        reasons.append(RiskReason.OTHER_PERSON)
    if risk.residual == RiskLevel.SEVERE.value:
        reasons.append(RiskReason.SEVERE)
    return Decision.deny(*reasons) if reasons else Decision.allow()
