"""Screening: trafficking, smuggling, other abuse or undetermined (rules 113-123).

The person deciding records three perspectives (legal context, the perpetrators, the
person), the Palermo elements (act, means, purpose; for a child the means element is not
required), the coercion question and the indicators seen. The rule below refuses an
outcome the recorded facts cannot support, so a tired colleague is stopped before a
mislabelled case reaches a disclosure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from casework.domain.decisions import Decision


class Outcome(str, Enum):
    TRAFFICKING = "trafficking"
    SMUGGLING = "smuggling"
    OTHER_ABUSE = "other_abuse"
    UNDETERMINED = "undetermined"


class Act(str, Enum):
    RECRUITMENT = "recruitment"
    TRANSPORTATION = "transportation"
    TRANSFER = "transfer"
    HARBOURING = "harbouring"
    RECEIPT = "receipt"


class Means(str, Enum):
    THREAT = "threat"
    FORCE = "force"
    OTHER_COERCION = "other_coercion"
    ABDUCTION = "abduction"
    FRAUD = "fraud"
    DECEPTION = "deception"
    ABUSE_OF_POWER = "abuse_of_power"
    ABUSE_OF_VULNERABILITY = "abuse_of_vulnerability"
    PAYMENTS_TO_CONTROLLER = "payments_to_controller"


class Purpose(str, Enum):
    SEXUAL_EXPLOITATION = "sexual_exploitation"
    FORCED_LABOUR = "forced_labour"
    SLAVERY = "slavery_or_similar"
    SERVITUDE = "servitude"
    ORGAN_REMOVAL = "organ_removal"
    FORCED_BEGGING = "forced_begging"
    FORCED_MARRIAGE = "forced_marriage"
    CRIMINAL_EXPLOITATION = "criminal_exploitation"
    OTHER = "other"


class CouldLeave(str, Enum):
    """Rule 118: could the person end the relationship of their own will?"""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


INDICATORS = (  # ILO operational dimensions and UNODC groups (intelligence-and-mou 3.4)
    "deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability",
    "exploitative_conditions", "coercion_at_destination",
    "abuse_of_vulnerability_at_destination", "documents_withheld", "debt_bondage",
    "restricted_movement", "isolation", "threats_to_family", "no_pay_or_little_pay",
)


class ScreeningReason(str, Enum):
    RATIONALE_REQUIRED = "screening_rationale_required"
    PERSPECTIVES_REQUIRED = "screening_perspectives_required"
    ACT_REQUIRED = "screening_act_required"
    MEANS_REQUIRED = "screening_means_required_for_adult"
    PURPOSE_REQUIRED = "screening_purpose_required"
    COERCION_CONTRADICTS = "screening_coercion_contradicts_smuggling"
    COERCION_UNANSWERED = "screening_coercion_unanswered"
    UNKNOWN_INDICATOR = "screening_unknown_indicator"


@dataclass(frozen=True)
class ScreeningInput:
    outcome: Outcome
    is_child: bool
    legal_context: str
    perpetrators: str
    person_perspective: str
    acts: frozenset[Act]
    means: frozenset[Means]
    purposes: frozenset[Purpose]
    could_leave: CouldLeave
    indicators: frozenset[str]
    rationale: str


def evaluate_screening(s: ScreeningInput) -> Decision:
    """Can this screening be recorded with this outcome?"""
    reasons: list[ScreeningReason] = []
    if len(s.rationale.strip()) < 10:
        reasons.append(ScreeningReason.RATIONALE_REQUIRED)
    if not all(p.strip() for p in (s.legal_context, s.perpetrators, s.person_perspective)):
        reasons.append(ScreeningReason.PERSPECTIVES_REQUIRED)
    if set(s.indicators) - set(INDICATORS):
        reasons.append(ScreeningReason.UNKNOWN_INDICATOR)
    if s.outcome is Outcome.TRAFFICKING:
        if not s.acts:
            reasons.append(ScreeningReason.ACT_REQUIRED)
        # Palermo art. 3(c): for a child, act and purpose suffice; the means are irrelevant.
        if not s.means and not s.is_child:
            reasons.append(ScreeningReason.MEANS_REQUIRED)
        if not s.purposes:
            reasons.append(ScreeningReason.PURPOSE_REQUIRED)
        if s.could_leave is CouldLeave.UNKNOWN and not s.is_child:
            reasons.append(ScreeningReason.COERCION_UNANSWERED)
    if s.outcome is Outcome.SMUGGLING and s.could_leave is CouldLeave.NO:
        # Rule 117-118: smuggling ends with payment and crossing; a person who cannot leave
        # is not "only" smuggled. Record it as trafficking or undetermined instead.
        reasons.append(ScreeningReason.COERCION_CONTRADICTS)
    return Decision.deny(*reasons) if reasons else Decision.allow()
