"""Who may open a person's record: assignment, or a time-boxed break-glass grant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.domain.access import (
    BREAK_GLASS_DURATION,
    AccessReason,
    can_be_assigned,
    can_break_glass,
    can_read_person,
)
from casework.domain.roles import Role

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
CARE = (Role.CASEWORKER, Role.PSYCHOLOGIST, Role.LEGAL_ADVISER)
NON_CARE = (Role.LIAISON, Role.DIRECTOR, Role.AUDITOR)
GOOD_REASON = "Person called the hotline at night; assigned caseworker is on leave."


def test_care_and_non_care_roles_cover_every_role():
    assert set(CARE) | set(NON_CARE) == set(Role)


@pytest.mark.parametrize(("assigned", "until", "reasons"), [
    pytest.param(True, None, (), id="assigned"),
    pytest.param(True, NOW - timedelta(days=1), (), id="assigned-with-expired-grant"),
    pytest.param(False, None, (AccessReason.NOT_ASSIGNED,), id="no-assignment-no-grant"),
    pytest.param(False, NOW + timedelta(minutes=59), (), id="live-grant"),
    pytest.param(False, NOW + timedelta(seconds=1), (), id="grant-last-second"),
    pytest.param(False, NOW, (AccessReason.NOT_ASSIGNED,), id="grant-expires-exactly-now"),
    pytest.param(False, NOW - timedelta(seconds=1), (AccessReason.NOT_ASSIGNED,),
                 id="grant-just-expired"),
])
@pytest.mark.parametrize("role", CARE, ids=lambda r: r.value)
def test_care_roles_read_when_assigned_or_under_a_live_grant(role, assigned, until, reasons):
    decision = can_read_person(role=role, assigned=assigned, break_glass_until=until, now=NOW)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("assigned", "until"), [
    pytest.param(False, None, id="nothing"),
    pytest.param(True, None, id="assigned"),
    pytest.param(False, NOW + BREAK_GLASS_DURATION, id="live-grant"),
    pytest.param(True, NOW + BREAK_GLASS_DURATION, id="assigned-and-grant"),
])
@pytest.mark.parametrize("role", NON_CARE, ids=lambda r: r.value)
def test_non_care_roles_never_see_identities(role, assigned, until):
    # Even a stray assignment or grant row must not open a record to these roles.
    decision = can_read_person(role=role, assigned=assigned, break_glass_until=until, now=NOW)
    assert decision.reasons == (AccessReason.ROLE_NEVER_SEES_IDENTITIES,)


def test_break_glass_lasts_one_hour():
    assert timedelta(hours=1) == BREAK_GLASS_DURATION


@pytest.mark.parametrize(("role", "reason", "reasons"), [
    pytest.param(Role.CASEWORKER, GOOD_REASON, (), id="caseworker-good-reason"),
    pytest.param(Role.PSYCHOLOGIST, GOOD_REASON, (), id="psychologist-good-reason"),
    pytest.param(Role.LEGAL_ADVISER, GOOD_REASON, (), id="legal-adviser-good-reason"),
    pytest.param(Role.CASEWORKER, "x" * 20, (), id="exactly-20-chars"),
    pytest.param(Role.CASEWORKER, "x" * 19, (AccessReason.REASON_TOO_SHORT,), id="19-chars"),
    pytest.param(Role.CASEWORKER, "   " + "x" * 19 + "   ", (AccessReason.REASON_TOO_SHORT,),
                 id="padding-does-not-count"),
    pytest.param(Role.CASEWORKER, "urgent", (AccessReason.REASON_TOO_SHORT,), id="urgent"),
    pytest.param(Role.CASEWORKER, "", (AccessReason.REASON_TOO_SHORT,), id="empty"),
    pytest.param(Role.CASEWORKER, "Срочно: звонок на горячую линию ночью",
                 (), id="cyrillic-reason"),
    pytest.param(Role.DIRECTOR, GOOD_REASON, (AccessReason.ROLE_NEVER_SEES_IDENTITIES,),
                 id="director"),
    pytest.param(Role.LIAISON, GOOD_REASON, (AccessReason.ROLE_NEVER_SEES_IDENTITIES,),
                 id="liaison"),
    pytest.param(Role.AUDITOR, GOOD_REASON, (AccessReason.ROLE_NEVER_SEES_IDENTITIES,),
                 id="auditor"),
    pytest.param(Role.AUDITOR, "", (AccessReason.ROLE_NEVER_SEES_IDENTITIES,),
                 id="role-checked-before-reason"),
])
def test_can_break_glass(role, reason, reasons):
    decision = can_break_glass(role=role, reason=reason)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("role", "allowed"), [
    *[pytest.param(r, True, id=r.value) for r in CARE],
    *[pytest.param(r, False, id=r.value) for r in NON_CARE],
])
def test_only_care_roles_can_be_assigned(role, allowed):
    decision = can_be_assigned(role)
    assert decision.allowed is allowed
    assert decision.reasons == (() if allowed else (AccessReason.NOT_A_CARE_ROLE,))
