"""Decision tables for grants of privilege (issue 11, point 3)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casework.domain.grants import (
    GRANT_DELAY,
    GrantKind,
    GrantReason,
    GrantStatus,
    can_approve,
    can_block,
    can_issue_letter,
    can_request,
    due_at,
    takes_effect,
)
from casework.domain.roles import Role

T0 = datetime(2026, 12, 1, 9, 0)
P, E, B, V = (GrantStatus.PENDING, GrantStatus.EFFECTIVE, GrantStatus.BLOCKED,
              GrantStatus.VOID)


@pytest.mark.parametrize(("kind", "role", "actor", "subject", "duplicate", "expected"), [
    (GrantKind.ACCOUNT, Role.DIRECTOR, "d1", "new", False, None),
    (GrantKind.ASSIGNMENT, Role.DIRECTOR, "d1", "cw", False, None),
    (GrantKind.SHIFT, Role.DIRECTOR, "d1", "li", False, None),
    # The self-grant: never for oneself, whatever the kind.
    (GrantKind.ROLE, Role.DIRECTOR, "d1", "d1", False, GrantReason.SELF_GRANT),
    (GrantKind.DESIGNATION, Role.DIRECTOR, "d1", "d1", False, GrantReason.SELF_GRANT),
    # Only holders of the kind's authority may ask.
    (GrantKind.ASSIGNMENT, Role.CASEWORKER, "c1", "c2", False, GrantReason.NOT_AUTHORISED),
    (GrantKind.ACCOUNT, Role.AUDITOR, "a1", "new", False, GrantReason.NOT_AUTHORISED),
    (GrantKind.SHIFT, Role.LIAISON, "l1", "l1", False, GrantReason.NOT_AUTHORISED),
    (GrantKind.ASSIGNMENT, Role.DIRECTOR, "d1", "cw", True, GrantReason.ALREADY_PENDING),
])
def test_who_may_request(kind, role, actor, subject, duplicate, expected):
    decision = can_request(kind=kind, actor_role=role, actor_id=actor, subject_id=subject,
                           duplicate_pending=duplicate)
    assert decision.allowed is (expected is None)
    assert decision.reasons == (() if expected is None else (expected,))


@pytest.mark.parametrize(("status", "role", "actor", "expected"), [
    (P, Role.DIRECTOR, "d2", None),  # a second director
    (P, Role.DIRECTOR, "d1", GrantReason.REQUESTER_APPROVES),  # the requester, never
    (P, Role.DIRECTOR, "s1", GrantReason.SUBJECT_APPROVES),  # the subject, never
    (P, Role.AUDITOR, "a1", GrantReason.NOT_AUTHORISED),  # blocks, does not approve
    (P, Role.CASEWORKER, "c1", GrantReason.NOT_AUTHORISED),
    (P, Role.LIAISON, "l1", GrantReason.NOT_AUTHORISED),
    (E, Role.DIRECTOR, "d2", GrantReason.NOT_PENDING),
    (B, Role.DIRECTOR, "d2", GrantReason.NOT_PENDING),
    (V, Role.DIRECTOR, "d2", GrantReason.NOT_PENDING),
])
@pytest.mark.parametrize("kind", list(GrantKind))
def test_who_may_approve(kind, status, role, actor, expected):
    decision = can_approve(kind=kind, status=status, actor_role=role, actor_id=actor,
                           requester_id="d1", subject_id="s1")
    assert decision.allowed is (expected is None)
    assert decision.reasons == (() if expected is None else (expected,))


@pytest.mark.parametrize(("status", "role", "actor", "carer", "allowed"), [
    (P, Role.DIRECTOR, "d2", False, True),
    (P, Role.AUDITOR, "a1", False, True),
    (P, Role.CASEWORKER, "c1", True, True),  # the affected person's caseworker
    (P, Role.PSYCHOLOGIST, "p1", True, True),
    (P, Role.CASEWORKER, "c9", False, False),  # a caseworker with no stake
    (P, Role.LIAISON, "l1", False, False),
    (P, Role.DIRECTOR, "d1", False, True),  # the requester withdraws
    (P, Role.CASEWORKER, "s1", True, False),  # the subject cannot
    (E, Role.DIRECTOR, "d2", False, False),
    (B, Role.AUDITOR, "a1", False, False),
])
def test_who_may_block(status, role, actor, carer, allowed):
    decision = can_block(status=status, actor_role=role, actor_id=actor, requester_id="d1",
                         subject_id="s1", affected_carer=carer)
    assert decision.allowed is allowed


@pytest.mark.parametrize(("status", "approved", "single", "after", "allowed", "reason"), [
    (P, False, False, timedelta(days=30), False, GrantReason.AWAITING_APPROVAL),
    (P, True, False, timedelta(0), True, GrantReason.APPROVED),
    (P, False, True, timedelta(hours=23, minutes=59), False, GrantReason.AWAITING_DELAY),
    (P, False, True, GRANT_DELAY, True, GrantReason.DELAY_PASSED),
    (P, True, True, timedelta(minutes=1), True, GrantReason.APPROVED),
    (B, False, True, timedelta(days=3), False, GrantReason.NOT_PENDING),
    (V, False, True, timedelta(days=3), False, GrantReason.NOT_PENDING),
    (E, False, False, timedelta(0), True, GrantReason.APPROVED),
])
def test_when_a_grant_takes_effect(status, approved, single, after, allowed, reason):
    decision = takes_effect(status=status, approved=approved, single_administrator=single,
                            requested_at=T0, now=T0 + after)
    assert decision.allowed is allowed
    assert decision.reasons == (reason,)


def test_due_only_with_a_single_administrator():
    assert due_at(requested_at=T0, single_administrator=True) == T0 + timedelta(hours=24)
    assert due_at(requested_at=T0, single_administrator=False) is None


@pytest.mark.parametrize(("role", "actor", "issued", "active", "expected"), [
    (Role.DIRECTOR, "d2", False, True, None),
    (Role.AUDITOR, "a1", False, True, None),
    (Role.DIRECTOR, "d1", False, True, GrantReason.LETTER_BY_REQUESTER),
    (Role.DIRECTOR, "s1", False, True, GrantReason.LETTER_BY_SUBJECT),
    (Role.CASEWORKER, "c1", False, True, GrantReason.NOT_AUTHORISED),
    (Role.DIRECTOR, "d2", True, True, GrantReason.LETTER_ISSUED),
    (Role.DIRECTOR, "d2", False, False, GrantReason.LETTER_NOT_ACTIVE),
])
def test_who_may_print_an_enrolment_letter(role, actor, issued, active, expected):
    decision = can_issue_letter(actor_role=role, actor_id=actor, requester_id="d1",
                                subject_id="s1", issued=issued, subject_active=active)
    assert decision.allowed is (expected is None)
    assert decision.reasons == (() if expected is None else (expected,))
