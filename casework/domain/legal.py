"""Legal consultation, psychologist clearance and witness protection (rules 26-47)."""

from __future__ import annotations

from enum import Enum

from casework.domain.decisions import Decision

# Rule 27 / section 3.1: the ten questions asked of each police unit, reused across cases.
UNIT_QUESTIONS = (
    "specialised_unit", "alternative_organisations", "contact_established", "professionalism",
    "trust_from_experience", "corruption_risk", "confidentiality_practice",
    "witness_protection_available", "victim_can_withstand_stress", "compensation_routes",
)
UNIT_ANSWERS = ("yes", "partly", "no", "unknown")


class UnitRecommendation(str, Enum):
    COOPERATE = "cooperation_recommended"
    CAUTION = "cooperation_with_caution"
    NOT_RECOMMENDED = "cooperation_not_recommended"  # rule 109: warn, but do not obstruct


class LegalOption(str, Enum):
    """Options explained (rules 29-35; the list is configurable, rule 30)."""

    INTEL_THROUGH_ORGANISATION = "intelligence_through_organisation"
    INTEL_DIRECTLY = "intelligence_directly_to_police"
    WITNESS = "act_as_witness"
    COMPENSATION = "claim_compensation"
    NOTHING = "do_nothing"


class PersonDecision(str, Enum):
    UNDECIDED = "undecided"
    INTEL_THROUGH_ORGANISATION = "intelligence_through_organisation"
    INTEL_DIRECTLY = "intelligence_directly_to_police"
    WITNESS = "act_as_witness"
    COMPENSATION = "claim_compensation"
    NOTHING = "do_nothing"


class Concern(str, Enum):  # rule 39
    PERSONAL_SAFETY = "personal_safety"
    CONFIDENTIALITY = "confidentiality_and_disgrace"
    FEAR_OF_TRAFFICKER = "fear_in_traffickers_presence"


PHYSICAL_MEASURES = ("relocation", "new_housing", "change_of_identity", "physical_protection")
JUDICIAL_MEASURES = ("confidential_proceedings", "statement_under_pseudonym",
                     "no_confrontation", "one_way_screen", "media_ban", "remote_testimony",
                     "support_at_every_stage", "no_compulsion_agreement")
MEASURE_AVAILABILITY = ("available", "in_law_only", "not_available", "unknown")
MEASURE_STATUS = ("not_considered", "recommended", "requested", "granted", "refused",
                  "withdrawn")
# Rules 43, 45, 46, 99: the limits of protection the person must be told, and recorded as told.
WITNESS_NOTICES = ("pseudonym_not_full_protection", "judicial_protection_needs_cooperation",
                   "no_compulsion_agreement_explained")


class LegalReason(str, Enum):
    NO_CLEARANCE = "legal_no_psychologist_clearance"
    OPTIONS_NOT_ALL_EXPLAINED = "legal_options_not_all_explained"
    NOTICES_NOT_GIVEN = "legal_notices_not_given"
    UNIT_NOT_ASSESSED = "legal_unit_not_assessed"
    NOT_PSYCHOLOGIST = "legal_clearance_needs_psychologist"
    ALREADY_CLEARED = "legal_already_cleared"
    NOT_CLEARED = "legal_not_cleared"
    UNKNOWN_MEASURE = "legal_unknown_measure"
    CONCERNS_MISSING = "legal_concerns_missing"
    WITNESS_NOTICES_MISSING = "legal_witness_limits_not_told"


def can_record_consultation(*, clearance_active: bool, options_explained: frozenset[str],
                            notices_given: frozenset[str], required_notices: frozenset[str],
                            unit_assessed: bool, about_police: bool) -> Decision:
    """Rule 28: only after a psychologist cleared it; rules 29-32 and 70: fully informed."""
    reasons: list[LegalReason] = []
    if not clearance_active:
        reasons.append(LegalReason.NO_CLEARANCE)
    if not {o.value for o in LegalOption} <= set(options_explained):
        reasons.append(LegalReason.OPTIONS_NOT_ALL_EXPLAINED)
    if not required_notices <= notices_given:
        reasons.append(LegalReason.NOTICES_NOT_GIVEN)
    if about_police and not unit_assessed:
        reasons.append(LegalReason.UNIT_NOT_ASSESSED)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def can_clear(*, role: str, already_cleared: bool) -> Decision:
    if role != "psychologist":
        return Decision.deny(LegalReason.NOT_PSYCHOLOGIST)
    if already_cleared:
        return Decision.deny(LegalReason.ALREADY_CLEARED)
    return Decision.allow()


def validate_witness_review(*, concerns: dict[str, str],
                            measures: dict[str, dict[str, str]],
                            notices_told: frozenset[str]) -> Decision:
    reasons: list[LegalReason] = []
    if set(concerns) != {c.value for c in Concern}:
        reasons.append(LegalReason.CONCERNS_MISSING)
    known = set(PHYSICAL_MEASURES) | set(JUDICIAL_MEASURES)
    for name, value in measures.items():
        if name not in known or value.get("availability") not in MEASURE_AVAILABILITY \
                or value.get("status") not in MEASURE_STATUS:
            reasons.append(LegalReason.UNKNOWN_MEASURE)
            break
    if not set(WITNESS_NOTICES) <= notices_told:
        reasons.append(LegalReason.WITNESS_NOTICES_MISSING)
    return Decision.deny(*reasons) if reasons else Decision.allow()
