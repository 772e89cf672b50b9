"""Consent (rules 10-24, 29, 32): a decision table for ``consent_covers``, the recording
rules of ``validate_record`` and the boundaries of ``is_active``.

The expected reasons are computed by a small oracle written here from the rules, axis by
axis (plain tables, not calls into the module under test), and compared with what the
domain says for every combination of the axes.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from casework.domain.consent import (
    NOTICES_29,
    NOTICES_32,
    NOTICES_HTCDS,
    ChildConsent,
    ConsentFacts,
    ConsentReason,
    Purpose,
    ShareLevel,
    Use,
    consent_covers,
    is_active,
    validate_record,
)

R = ConsentReason
NOW = datetime(2025, 3, 1, 12, 0, 0)  # naive UTC, as the models store it
PERSON, OTHER_PERSON = "p" * 32, "q" * 32
UNIT, OTHER_UNIT = "u" * 32, "v" * 32
ALL_NOTICES = frozenset(NOTICES_29 + NOTICES_HTCDS)
REASON_OK = "She is four years old; heard through play with the psychologist."


def facts(**changes: object) -> ConsentFacts:
    """A valid adult consent covering one purpose and one unit, specific entries allowed."""
    base = ConsentFacts(
        person_ref=PERSON, purposes=frozenset({Purpose.INVESTIGATION}),
        recipient_units=frozenset({UNIT}), share_level=ShareLevel.SPECIFIC,
        identity_allowed=False, identity_at_persons_request=False, valid_until=None,
        withdrawn_at=None, signed_form=True, notices=ALL_NOTICES)
    return replace(base, **changes)


def use(**changes: object) -> Use:
    base = Use(person_ref=PERSON, purpose=Purpose.INVESTIGATION, recipient_unit=UNIT,
               entry_kind="thematic")
    return replace(base, **changes)


# --------------------------------------------------------------------------------------
# The oracle: one small table per axis. Each maps an axis value to
# (changes to the consent, changes to the use, reasons that axis must produce).
# --------------------------------------------------------------------------------------

PERSON_AXIS = {
    "same_person": ({}, {}, set()),
    "other_person": ({}, {"person_ref": OTHER_PERSON}, {R.OTHER_PERSON}),
}

PURPOSE_AXIS = {
    "purpose_covered": ({"purposes": frozenset({Purpose.INVESTIGATION, Purpose.RESCUE})},
                        {"purpose": Purpose.INVESTIGATION}, set()),
    "purpose_not_covered": ({"purposes": frozenset({Purpose.RESCUE})},
                            {"purpose": Purpose.INVESTIGATION}, {R.PURPOSE_NOT_COVERED}),
}

RECIPIENT_AXIS = {
    "recipient_covered": ({"recipient_units": frozenset({UNIT})}, {"recipient_unit": UNIT},
                          set()),
    "recipient_other_unit": ({"recipient_units": frozenset({UNIT})},
                             {"recipient_unit": OTHER_UNIT}, {R.RECIPIENT_NOT_COVERED}),
    # The consent names no recipient at all: nobody is covered.
    "recipient_none": ({"recipient_units": frozenset()}, {"recipient_unit": UNIT},
                       {R.RECIPIENT_NOT_COVERED}),
}

# (share level, entry kind) -> reasons. "none" refuses everything with one reason; a
# thematic-only consent refuses specific entries only.
SHARE_TABLE = {
    (ShareLevel.NONE, "thematic"): {R.NOTHING_MAY_BE_SHARED},
    (ShareLevel.NONE, "specific"): {R.NOTHING_MAY_BE_SHARED},
    (ShareLevel.THEMATIC_ONLY, "thematic"): set(),
    (ShareLevel.THEMATIC_ONLY, "specific"): {R.SPECIFIC_NOT_COVERED},
    (ShareLevel.SPECIFIC, "thematic"): set(),
    (ShareLevel.SPECIFIC, "specific"): set(),
}

# (use includes identity, consent identity_allowed, at the person's request) -> reasons.
# Rule 13: identity only when allowed AND asked for by the person themself.
IDENTITY_TABLE = {
    (False, False, False): set(), (False, False, True): set(),
    (False, True, False): set(), (False, True, True): set(),
    (True, False, False): {R.IDENTITY_NOT_COVERED},
    (True, False, True): {R.IDENTITY_NOT_COVERED},
    (True, True, False): {R.IDENTITY_NOT_COVERED},
    (True, True, True): set(),
}

EXPIRY_AXIS = {
    "no_end_date": None,
    "valid_until_future": NOW + timedelta(days=30),
    "valid_until_now": NOW,  # the end instant itself is already expired
    "valid_until_past": NOW - timedelta(days=1),
}
EXPIRED_STATES = {"valid_until_now", "valid_until_past"}

SIGNED_AXIS = {"signed": (True, set()), "unsigned": (False, {R.NO_SIGNED_FORM})}

# Child cases: consent changes and the reasons the child rules (16-23) must give.
CHILD_CASES: dict[str, tuple[dict[str, object], set[ConsentReason]]] = {
    "adult": ({}, set()),
    # Child fields on an adult's consent are ignored.
    "adult_with_stray_child_fields": (
        {"is_child": False, "child_consent": ChildConsent.REFUSED}, set()),
    "child_complete": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.OBTAINED, "child_view_recorded": True}, set()),
    "child_without_representative": (
        {"is_child": True, "representative_consented": False,
         "child_consent": ChildConsent.OBTAINED, "child_view_recorded": True},
        {R.CHILD_REPRESENTATIVE_MISSING}),
    "child_refused": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.REFUSED, "child_view_recorded": True},
        {R.CHILD_REFUSED}),
    "child_too_young_with_reason": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.TOO_YOUNG, "child_view_recorded": True,
         "child_unobtainable_reason": REASON_OK}, set()),
    "child_unreachable_with_reason": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.UNREACHABLE, "child_view_recorded": True,
         "child_unobtainable_reason": REASON_OK}, set()),
    "child_other_with_reason": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.OTHER, "child_view_recorded": True,
         "child_unobtainable_reason": REASON_OK}, set()),
    "child_unobtainable_without_reason": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.TOO_YOUNG, "child_view_recorded": True,
         "child_unobtainable_reason": ""}, {R.CHILD_REASON_MISSING}),
    # A reason must have at least ten characters once trimmed.
    "child_unobtainable_reason_too_short": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.UNREACHABLE, "child_view_recorded": True,
         "child_unobtainable_reason": "   abroad        "}, {R.CHILD_REASON_MISSING}),
    "child_unobtainable_reason_ten_chars": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.OTHER, "child_view_recorded": True,
         "child_unobtainable_reason": " 0123456789 "}, set()),
    "child_view_not_recorded": (
        {"is_child": True, "representative_consented": True,
         "child_consent": ChildConsent.OBTAINED, "child_view_recorded": False},
        {R.CHILD_VIEW_MISSING}),
    "child_consent_question_unanswered": (
        {"is_child": True, "representative_consented": True, "child_consent": None,
         "child_view_recorded": True}, {R.CHILD_VIEW_MISSING}),
    "child_nothing_recorded": (
        {"is_child": True}, {R.CHILD_REPRESENTATIVE_MISSING, R.CHILD_VIEW_MISSING}),
    "child_refused_unrepresented_unheard": (
        {"is_child": True, "child_consent": ChildConsent.REFUSED},
        {R.CHILD_REPRESENTATIVE_MISSING, R.CHILD_REFUSED, R.CHILD_VIEW_MISSING}),
}


def _expected(person: str, purpose: str, recipient: str, kind: str, share: ShareLevel,
              identity: tuple[bool, bool, bool], expiry: str, withdrawn: bool, signed: str,
              child: str) -> tuple[ConsentFacts, Use, set[ConsentReason]]:
    consent_changes: dict[str, object] = {}
    use_changes: dict[str, object] = {"entry_kind": kind}
    expected: set[ConsentReason] = set()
    for c, u, reasons in (PERSON_AXIS[person], PURPOSE_AXIS[purpose],
                          RECIPIENT_AXIS[recipient]):
        consent_changes.update(c)
        use_changes.update(u)
        expected |= reasons
    consent_changes["share_level"] = share
    expected |= SHARE_TABLE[(share, kind)]
    includes, allowed, at_request = identity
    use_changes["includes_identity"] = includes
    consent_changes.update(identity_allowed=allowed, identity_at_persons_request=at_request)
    expected |= IDENTITY_TABLE[identity]
    consent_changes["valid_until"] = EXPIRY_AXIS[expiry]
    if withdrawn:
        # Withdrawn earlier than now; withdrawal is the reason given, expiry is not added.
        consent_changes["withdrawn_at"] = NOW - timedelta(hours=1)
        expected.add(R.WITHDRAWN)
    elif expiry in EXPIRED_STATES:
        expected.add(R.EXPIRED)
    signed_form, reasons = SIGNED_AXIS[signed]
    consent_changes["signed_form"] = signed_form
    expected |= reasons
    child_changes, reasons = CHILD_CASES[child]
    consent_changes.update(child_changes)
    expected |= reasons
    return facts(**consent_changes), use(**use_changes), expected


MAIN_AXES = (list(PERSON_AXIS), list(PURPOSE_AXIS), list(RECIPIENT_AXIS),
             ["thematic", "specific"], list(ShareLevel),
             list(itertools.product([False, True], repeat=3)))


@pytest.mark.parametrize("child", list(CHILD_CASES))
@pytest.mark.parametrize("withdrawn", [False, True], ids=["not_withdrawn", "withdrawn"])
@pytest.mark.parametrize("expiry", list(EXPIRY_AXIS))
@pytest.mark.parametrize("signed", list(SIGNED_AXIS))
def test_consent_covers_decision_table(child: str, withdrawn: bool, expiry: str,
                                       signed: str) -> None:
    mismatches = []
    count = 0
    for person, purpose, recipient, kind, share, identity in itertools.product(*MAIN_AXES):
        consent, intended, expected = _expected(person, purpose, recipient, kind, share,
                                                identity, expiry, withdrawn, signed, child)
        decision = consent_covers(consent, intended, now=NOW)
        count += 1
        got = set(decision.reasons)
        if (got != expected or decision.allowed != (not expected)
                or len(decision.reasons) != len(got)):
            mismatches.append((person, purpose, recipient, kind, share.value, identity,
                               sorted(r.value for r in expected), decision))
    assert count == 2 * 2 * 3 * 2 * 3 * 8
    assert not mismatches, f"{len(mismatches)} of {count} rows differ, e.g. {mismatches[:3]}"


def test_missing_consent_is_refused_with_one_reason() -> None:
    for kind in ("thematic", "specific"):
        decision = consent_covers(None, use(entry_kind=kind), now=NOW)
        assert not decision.allowed
        assert decision.reasons == (R.MISSING,)


def test_fully_covered_use_is_allowed() -> None:
    decision = consent_covers(facts(identity_allowed=True, identity_at_persons_request=True),
                              use(entry_kind="specific", includes_identity=True), now=NOW)
    assert decision.allowed and decision.reasons == ()


def test_expiry_boundary_microseconds() -> None:
    consent = facts(valid_until=NOW)
    assert consent_covers(consent, use(), now=NOW - timedelta(microseconds=1)).allowed
    assert consent_covers(consent, use(), now=NOW).reasons == (R.EXPIRED,)


def test_withdrawn_and_expired_reports_withdrawal_only() -> None:
    consent = facts(valid_until=NOW - timedelta(days=1), withdrawn_at=NOW - timedelta(days=2))
    assert consent_covers(consent, use(), now=NOW).reasons == (R.WITHDRAWN,)


def test_withdrawal_counts_whatever_its_timestamp() -> None:
    # A recorded withdrawal stops use even if its timestamp lies after ``now`` (clock skew).
    consent = facts(withdrawn_at=NOW + timedelta(minutes=5))
    assert consent_covers(consent, use(), now=NOW).reasons == (R.WITHDRAWN,)


def test_notices_are_checked_when_recording_not_at_use() -> None:
    # Documented behaviour: consent_covers trusts that validate_record refused a consent
    # whose notices were incomplete; it does not re-check them (unlike the signed form and
    # the child rules, which it re-checks).
    consent = facts(notices=frozenset())
    assert consent_covers(consent, use(), now=NOW).allowed
    assert not validate_record(consent).allowed


def test_identity_not_at_request_blocks_use_of_identity_only() -> None:
    consent = facts(identity_allowed=True, identity_at_persons_request=False)
    assert consent_covers(consent, use(includes_identity=False), now=NOW).allowed
    assert consent_covers(consent, use(includes_identity=True), now=NOW).reasons == (
        R.IDENTITY_NOT_COVERED,)


# --------------------------------------------------------------------------------------
# validate_record
# --------------------------------------------------------------------------------------

NOTICE_CASES: dict[str, tuple[frozenset[str], set[ConsentReason]]] = {
    "all_required": (ALL_NOTICES, set()),
    "all_required_plus_rule_32": (ALL_NOTICES | frozenset(NOTICES_32), set()),
    "none": (frozenset(), {R.NOTICES_INCOMPLETE}),
    "missing_one_rule_29": (ALL_NOTICES - {"may_reconsider_any_time"},
                            {R.NOTICES_INCOMPLETE}),
    "missing_one_htcds": (ALL_NOTICES - {"how_to_withdraw_told"}, {R.NOTICES_INCOMPLETE}),
    "only_rule_29": (frozenset(NOTICES_29), {R.NOTICES_INCOMPLETE}),
    "only_htcds": (frozenset(NOTICES_HTCDS), {R.NOTICES_INCOMPLETE}),
    # Rule 32 points belong to the legal consultation, not to the consent form.
    "only_rule_32": (frozenset(NOTICES_32), {R.NOTICES_INCOMPLETE}),
    "unknown_extra_notice": (ALL_NOTICES | {"something_else"}, set()),
}

# (identity_allowed, at the person's request) -> reasons when recording. Rule 13.
RECORD_IDENTITY_TABLE = {
    (False, False): set(),
    (False, True): set(),  # asked for, but not allowed: nothing to refuse
    (True, False): {R.IDENTITY_NOT_REQUESTED},
    (True, True): set(),
}


@pytest.mark.parametrize("child", list(CHILD_CASES))
def test_validate_record_table(child: str) -> None:
    mismatches = []
    for signed, notices, identity in itertools.product(
            list(SIGNED_AXIS), list(NOTICE_CASES), list(RECORD_IDENTITY_TABLE)):
        signed_form, expected = SIGNED_AXIS[signed]
        notice_set, notice_reasons = NOTICE_CASES[notices]
        child_changes, child_reasons = CHILD_CASES[child]
        expected = expected | notice_reasons | RECORD_IDENTITY_TABLE[identity] | child_reasons
        consent = facts(signed_form=signed_form, notices=notice_set,
                        identity_allowed=identity[0], identity_at_persons_request=identity[1],
                        **child_changes)
        decision = validate_record(consent)
        got = set(decision.reasons)
        if (got != expected or decision.allowed != (not expected)
                or len(got) != len(decision.reasons)):
            mismatches.append((signed, notices, identity, sorted(expected), decision))
    assert not mismatches, f"{len(mismatches)} rows differ, e.g. {mismatches[:3]}"


@pytest.mark.parametrize("changes", [
    {"purposes": frozenset()},
    {"recipient_units": frozenset()},
    {"share_level": ShareLevel.NONE},
    {"valid_until": NOW - timedelta(days=1)},
    {"withdrawn_at": NOW},
], ids=["no_purpose", "no_recipient", "share_none", "already_past_end", "withdrawn"])
def test_validate_record_does_not_judge_scope_or_time(changes: dict[str, object]) -> None:
    # Documented behaviour: recording checks the form, the notices, identity and the child
    # rules only. A consent that covers nothing (or a refusal, share level "none") may be
    # recorded; so may one whose end date has already passed (validate_record has no clock).
    assert validate_record(facts(**changes)).allowed


# --------------------------------------------------------------------------------------
# is_active
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("valid_until", "withdrawn_at", "active"), [
    (None, None, True),
    (NOW + timedelta(days=365), None, True),
    (NOW + timedelta(microseconds=1), None, True),
    (NOW, None, False),  # now == valid_until is expired
    (NOW - timedelta(microseconds=1), None, False),
    (NOW - timedelta(days=1), None, False),
    (None, NOW - timedelta(days=1), False),
    (None, NOW, False),
    (None, NOW + timedelta(days=1), False),  # any recorded withdrawal counts
    (NOW + timedelta(days=30), NOW - timedelta(days=1), False),
    (NOW - timedelta(days=1), NOW - timedelta(days=2), False),
], ids=["open_ended", "future", "one_microsecond_left", "end_instant", "just_past", "past",
        "withdrawn", "withdrawn_now", "withdrawn_stamp_in_future",
        "withdrawn_before_end", "withdrawn_and_expired"])
def test_is_active_boundaries(valid_until: datetime | None, withdrawn_at: datetime | None,
                              active: bool) -> None:
    assert is_active(facts(valid_until=valid_until, withdrawn_at=withdrawn_at),
                     now=NOW) is active


def test_is_active_agrees_with_consent_covers_on_time() -> None:
    for delta in (-2, -1, 0, 1, 2):
        consent = facts(valid_until=NOW + timedelta(microseconds=delta))
        covered = consent_covers(consent, use(), now=NOW).allowed
        assert is_active(consent, now=NOW) is covered


# --- the person's age at the moment of use (issue 9, point 2) -----------------------------

AGE_TABLE = [
    # (recorded as a child, a child now, extra reason)
    (False, None, None), (True, None, None),
    (False, False, None), (True, True, None),
    (True, False, "consent_given_as_child_now_adult"),
    (False, True, "consent_without_child_rules_for_child"),
]


@pytest.mark.parametrize(("as_child", "minor_now", "extra"), AGE_TABLE)
def test_consent_covers_the_age_at_the_moment_of_use(as_child, minor_now, extra):
    from dataclasses import replace as _replace

    from casework.domain.consent import (
        REQUIRED_NOTICES,
        ChildConsent,
        ConsentFacts,
        Purpose,
        ShareLevel,
        Use,
        consent_covers,
    )

    facts = ConsentFacts(
        person_ref="p1", purposes=frozenset({Purpose.RESCUE}),
        recipient_units=frozenset({"u1"}), share_level=ShareLevel.SPECIFIC,
        identity_allowed=False, identity_at_persons_request=False, valid_until=None,
        withdrawn_at=None, signed_form=True, notices=REQUIRED_NOTICES, is_child=as_child,
        representative_consented=True, child_consent=ChildConsent.OBTAINED,
        child_view_recorded=True)
    facts = _replace(facts, minor_now=minor_now)
    use = Use(person_ref="p1", purpose=Purpose.RESCUE, recipient_unit="u1",
              entry_kind="specific")
    decision = consent_covers(facts, use, now=datetime(2026, 12, 2))
    assert [r.value for r in decision.reasons] == ([extra] if extra else [])
