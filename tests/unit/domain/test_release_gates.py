"""Issue 9 decisions as tables: the download gate and what a refusal does to a package,
the unit gate, informed choice, the rule-32 notices, the meeting gate. Each table is the
whole cross product of its inputs, compared with an oracle written from the rules."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from casework.domain.consent import NOTICES_32
from casework.domain.decisions import Decision
from casework.domain.legal import PersonDecision, UnitRecommendation
from casework.domain.police_contact import ContactReason, meeting_contact
from casework.domain.release_gates import (
    ConsentState,
    Consequence,
    DownloadFacts,
    GateReason,
    consequence,
    download_gate,
    feedback_deadlines,
    informed_choice,
    risk_notices_given,
    unit_gate,
)

G = GateReason
NOW = datetime(2026, 12, 2, 12, 0)
CONSENTS = {
    "active": ConsentState(None, None),
    "active_until_tomorrow": ConsentState(None, NOW + timedelta(days=1)),
    "expired": ConsentState(None, NOW - timedelta(seconds=1)),
    "expires_now": ConsentState(None, NOW),
    "withdrawn": ConsentState(NOW - timedelta(hours=1), None),
    "withdrawn_and_expired": ConsentState(NOW - timedelta(hours=1), NOW - timedelta(days=1)),
}


def _consent_reason(state: ConsentState) -> GateReason | None:
    if state.withdrawn_at is not None:
        return G.CONSENT_WITHDRAWN
    if state.valid_until is not None and state.valid_until <= NOW:
        return G.CONSENT_EXPIRED
    return None


@pytest.mark.parametrize(("consents", "mou", "designated", "on_duty", "revoked"), list(
    itertools.product(
        [(), *[(c,) for c in CONSENTS], ("active", "withdrawn"), ("expired", "withdrawn"),
         ("active", "active_until_tomorrow")],
        (True, False), (True, False), (True, False), (True, False))))
def test_download_gate_every_combination(consents: tuple[str, ...], mou: bool,
                                         designated: bool, on_duty: bool,
                                         revoked: bool) -> None:
    facts = DownloadFacts(consents=tuple(CONSENTS[c] for c in consents), mou_in_force=mou,
                          releaser_designated=designated, releaser_on_duty=on_duty,
                          revoked=revoked)
    decision = download_gate(facts, now=NOW)
    expected: list[GateReason] = []
    if revoked:
        expected = [G.REVOKED]
    else:
        for c in consents:
            reason = _consent_reason(CONSENTS[c])
            if reason is not None and reason not in expected:
                expected.append(reason)
        if not mou:
            expected.append(G.MOU_NOT_IN_FORCE)
        if not designated:
            expected.append(G.RELEASER_NOT_DESIGNATED)
        elif not on_duty:
            expected.append(G.RELEASER_NOT_ON_DUTY)
    assert decision.reasons == tuple(expected)
    assert decision.allowed is (not expected)


@pytest.mark.parametrize(("reasons", "downloaded", "effect"), [
    ((), False, Consequence.NONE),
    ((), True, Consequence.NONE),
    ((G.RELEASER_NOT_ON_DUTY,), False, Consequence.NONE),  # come back on shift
    ((G.RELEASER_NOT_DESIGNATED,), True, Consequence.NONE),
    ((G.REVOKED,), False, Consequence.NONE),  # already gone
    ((G.CONSENT_WITHDRAWN,), False, Consequence.REVOKE),
    ((G.CONSENT_WITHDRAWN,), True, Consequence.RECALL),
    ((G.CONSENT_EXPIRED,), False, Consequence.REVOKE),
    ((G.CONSENT_EXPIRED,), True, Consequence.RECALL),
    ((G.MOU_NOT_IN_FORCE,), False, Consequence.REVOKE),
    ((G.MOU_NOT_IN_FORCE,), True, Consequence.RECALL),
    ((G.MOU_NOT_IN_FORCE, G.RELEASER_NOT_ON_DUTY), False, Consequence.REVOKE),
])
def test_consequence_table(reasons: tuple[GateReason, ...], downloaded: bool,
                           effect: Consequence) -> None:
    decision = Decision.deny(*reasons) if reasons else Decision.allow()
    assert consequence(decision, downloaded_before=downloaded) is effect


KINDS = [(), ("thematic",), ("specific",), ("thematic", "specific")]


@pytest.mark.parametrize(("recommendation", "kinds", "override"), list(itertools.product(
    [None, *[r.value for r in UnitRecommendation]], KINDS, (True, False))))
def test_unit_gate_every_combination(recommendation: str | None, kinds: tuple[str, ...],
                                     override: bool) -> None:
    decision = unit_gate(recommendation, entry_kinds=kinds, override=override)
    if recommendation is None:
        expected: tuple[GateReason, ...] = (G.UNIT_NOT_ASSESSED,)
    elif (recommendation == UnitRecommendation.NOT_RECOMMENDED.value and not override
          and "specific" in kinds):
        expected = (G.UNIT_NOT_RECOMMENDED,)
    else:
        expected = ()
    assert decision.reasons == expected and decision.allowed is (not expected)


@pytest.mark.parametrize(("kind", "consulted", "latest"), list(itertools.product(
    ("thematic", "specific"), (True, False), [None, *[d.value for d in PersonDecision]])))
def test_informed_choice_every_combination(kind: str, consulted: bool,
                                           latest: str | None) -> None:
    decision = informed_choice(entry_kind=kind, consultation_recorded=consulted,
                               latest_decision=latest)
    expected: list[GateReason] = []
    if kind == "specific":
        if not consulted:
            expected.append(G.NO_CONSULTATION)
        if latest != PersonDecision.INTEL_THROUGH_ORGANISATION.value:
            expected.append(G.DECISION_NOT_INTEL)
    assert decision.reasons == tuple(expected)


@pytest.mark.parametrize(("share", "told"), list(itertools.product(
    ("none", "thematic_only", "specific"),
    [frozenset(c) for n in range(len(NOTICES_32) + 1)
     for c in itertools.combinations(NOTICES_32, n)])))
def test_rule_32_notices_every_combination(share: str, told: frozenset[str]) -> None:
    decision = risk_notices_given(share_level=share, notices=told, required=NOTICES_32)
    ok = share != "specific" or told == frozenset(NOTICES_32)
    assert decision.allowed is ok
    assert decision.reasons == (() if ok else (G.RISK_NOTICES_MISSING,))


@pytest.mark.parametrize(("recommendation", "warned", "risk", "liaison"), list(
    itertools.product([None, *[r.value for r in UnitRecommendation]], (True, False),
                      (True, False), (True, False))))
def test_meeting_contact_every_combination(recommendation: str | None, warned: bool,
                                           risk: bool, liaison: bool) -> None:
    decision = meeting_contact(recommendation=recommendation, person_warned=warned,
                               risk_current=risk, liaison_designated=liaison)
    expected: list[ContactReason] = []
    if recommendation is None:
        expected.append(ContactReason.UNIT_NOT_ASSESSED)
    elif recommendation == UnitRecommendation.NOT_RECOMMENDED.value and not warned:
        expected.append(ContactReason.WARNING_NOT_RECORDED)
    if not risk:
        expected.append(ContactReason.NO_RISK_ASSESSMENT)
    if not liaison:
        expected.append(ContactReason.NOT_THROUGH_LIAISON)
    assert decision.reasons == tuple(expected)
    assert decision.allowed is (not expected)


def test_feedback_deadlines() -> None:
    ack, outcome = feedback_deadlines(NOW, ack_days=5, outcome_days=90)
    assert (ack - NOW, outcome - NOW) == (timedelta(days=5), timedelta(days=90))
