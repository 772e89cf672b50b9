"""Consent (rules 10-24, 29, 32; HTCDS consent checklist): pure decisions.

No intelligence leaves without the person's informed, written, specific and revocable
consent. ``consent_covers`` answers one question — does this consent cover this purpose,
recipient, entry and field, now? — and says every reason it does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from casework.domain.decisions import Decision


class Purpose(str, Enum):
    """The seven uses of intelligence (rule 59)."""

    RESCUE = "rescue_victims"
    REFERRAL = "refer_to_assistance"
    INVESTIGATION = "investigate_traffickers"
    STRATEGY = "strategy_and_tactics"
    RESOURCES = "resource_allocation"
    PREVENTION = "prevention_campaigns"
    RESEARCH = "research_and_analysis"


class ShareLevel(str, Enum):
    NONE = "none"
    THEMATIC_ONLY = "thematic_only"
    SPECIFIC = "specific"


class ChildConsent(str, Enum):
    """Rules 16-18: the child's own consent, or why it could not be obtained."""

    OBTAINED = "obtained"
    REFUSED = "refused"
    TOO_YOUNG = "unobtainable_too_young"
    UNREACHABLE = "unobtainable_unreachable"
    OTHER = "unobtainable_other"


# Rule 29 (four points), rule 32 (three points) and the HTCDS consent questions.
NOTICES_29 = ("all_options_explained", "no_need_to_decide_now", "take_your_time",
              "may_reconsider_any_time")
NOTICES_32 = ("risk_always_present", "not_obliged_but_it_helps", "waiting_makes_it_harder")
NOTICES_HTCDS = ("purpose_told", "uses_told", "research_use_told", "right_to_access_told",
                 "retention_told", "how_to_withdraw_told")
REQUIRED_NOTICES = frozenset(NOTICES_29 + NOTICES_HTCDS)


class ConsentReason(str, Enum):
    MISSING = "consent_missing"
    WITHDRAWN = "consent_withdrawn"
    EXPIRED = "consent_expired"
    NO_SIGNED_FORM = "consent_no_signed_form"
    PURPOSE_NOT_COVERED = "consent_purpose_not_covered"
    RECIPIENT_NOT_COVERED = "consent_recipient_not_covered"
    SPECIFIC_NOT_COVERED = "consent_specific_not_covered"
    NOTHING_MAY_BE_SHARED = "consent_nothing_may_be_shared"
    IDENTITY_NOT_COVERED = "consent_identity_not_covered"
    IDENTITY_NOT_REQUESTED = "consent_identity_not_at_persons_request"
    NOTICES_INCOMPLETE = "consent_notices_incomplete"
    CHILD_REPRESENTATIVE_MISSING = "consent_child_representative_missing"
    CHILD_REFUSED = "consent_child_refused"
    CHILD_VIEW_MISSING = "consent_child_view_missing"
    CHILD_REASON_MISSING = "consent_child_unobtainable_reason_missing"
    OTHER_PERSON = "consent_of_another_person"
    # The person's age at the moment of use, not at the moment of recording (rule 128).
    GIVEN_AS_CHILD_NOW_ADULT = "consent_given_as_child_now_adult"
    ADULT_RULES_FOR_CHILD = "consent_without_child_rules_for_child"


@dataclass(frozen=True)
class ConsentFacts:
    """What a consent record says (decrypted), as the rules need it."""

    person_ref: str
    purposes: frozenset[Purpose]
    recipient_units: frozenset[str]  # police unit references; empty means "no recipient"
    share_level: ShareLevel
    identity_allowed: bool
    identity_at_persons_request: bool
    valid_until: datetime | None
    withdrawn_at: datetime | None
    signed_form: bool
    notices: frozenset[str]
    is_child: bool = False
    representative_consented: bool = False
    child_consent: ChildConsent | None = None
    child_view_recorded: bool = False
    child_unobtainable_reason: str = ""
    # Is the person a child *now* (derived from the facts at the time of use)? None when
    # the caller did not say (the record's own ``is_child`` is then all there is).
    minor_now: bool | None = None


@dataclass(frozen=True)
class Use:
    """One intended use: who it is for, why, what kind of entry, which fields."""

    person_ref: str
    purpose: Purpose
    recipient_unit: str
    entry_kind: str  # "thematic" | "specific"
    includes_identity: bool = False
    fields: frozenset[str] = field(default_factory=frozenset)


def is_active(consent: ConsentFacts, *, now: datetime) -> bool:
    return consent.withdrawn_at is None and (consent.valid_until is None
                                             or now < consent.valid_until)


def validate_record(consent: ConsentFacts) -> Decision:
    """Can this consent be recorded at all (before any use is considered)?"""
    reasons: list[ConsentReason] = []
    if not consent.signed_form:
        reasons.append(ConsentReason.NO_SIGNED_FORM)
    if not consent.notices >= REQUIRED_NOTICES:
        reasons.append(ConsentReason.NOTICES_INCOMPLETE)
    if consent.identity_allowed and not consent.identity_at_persons_request:
        # Rule 13: identity data only when the person themself asks; never suggested.
        reasons.append(ConsentReason.IDENTITY_NOT_REQUESTED)
    reasons += _child_reasons(consent)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def _child_reasons(consent: ConsentFacts) -> list[ConsentReason]:
    if not consent.is_child:
        return []
    reasons: list[ConsentReason] = []
    if not consent.representative_consented:
        reasons.append(ConsentReason.CHILD_REPRESENTATIVE_MISSING)
    if consent.child_consent is ChildConsent.REFUSED:
        reasons.append(ConsentReason.CHILD_REFUSED)
    elif consent.child_consent is None:
        reasons.append(ConsentReason.CHILD_VIEW_MISSING)
    elif consent.child_consent is not ChildConsent.OBTAINED and \
            len(consent.child_unobtainable_reason.strip()) < 10:
        reasons.append(ConsentReason.CHILD_REASON_MISSING)
    if not consent.child_view_recorded:
        # Rules 20, 23: the child is heard whatever their age.
        reasons.append(ConsentReason.CHILD_VIEW_MISSING)
    return list(dict.fromkeys(reasons))


def consent_covers(consent: ConsentFacts | None, use: Use, *, now: datetime) -> Decision:
    """Does this consent cover this purpose, recipient, entry kind and fields, now?"""
    if consent is None:
        return Decision.deny(ConsentReason.MISSING)
    reasons: list[ConsentReason] = []
    if consent.person_ref != use.person_ref:
        reasons.append(ConsentReason.OTHER_PERSON)
    if consent.withdrawn_at is not None:
        reasons.append(ConsentReason.WITHDRAWN)
    elif consent.valid_until is not None and now >= consent.valid_until:
        reasons.append(ConsentReason.EXPIRED)
    if not consent.signed_form:
        reasons.append(ConsentReason.NO_SIGNED_FORM)
    if use.purpose not in consent.purposes:
        reasons.append(ConsentReason.PURPOSE_NOT_COVERED)
    if use.recipient_unit not in consent.recipient_units:
        reasons.append(ConsentReason.RECIPIENT_NOT_COVERED)
    if consent.share_level is ShareLevel.NONE:
        reasons.append(ConsentReason.NOTHING_MAY_BE_SHARED)
    elif use.entry_kind == "specific" and consent.share_level is not ShareLevel.SPECIFIC:
        reasons.append(ConsentReason.SPECIFIC_NOT_COVERED)
    if use.includes_identity and not (consent.identity_allowed
                                      and consent.identity_at_persons_request):
        reasons.append(ConsentReason.IDENTITY_NOT_COVERED)
    reasons += _child_reasons(consent)
    reasons += _age_changed_reasons(consent)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def _age_changed_reasons(consent: ConsentFacts) -> list[ConsentReason]:
    """A child's consent is not silently an adult's at 18 (it is reviewed with the person),
    and a consent recorded under adult rules does not cover a child."""
    if consent.minor_now is None:
        return []
    if consent.is_child and not consent.minor_now:
        return [ConsentReason.GIVEN_AS_CHILD_NOW_ADULT]
    if not consent.is_child and consent.minor_now:
        return [ConsentReason.ADULT_RULES_FOR_CHILD]
    return []
