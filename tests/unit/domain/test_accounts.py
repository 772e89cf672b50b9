"""Administering staff accounts: nobody locks themselves out or resets themselves."""

from __future__ import annotations

import pytest

from casework.domain.accounts import (
    AccountReason,
    can_deactivate,
    can_reactivate,
    can_reset,
)


@pytest.mark.parametrize(("actor", "target", "active", "reasons"), [
    pytest.param("d1", "u2", True, (), id="other-active"),
    pytest.param("d1", "u2", False, (AccountReason.ALREADY_INACTIVE,), id="other-inactive"),
    pytest.param("d1", "d1", True, (AccountReason.SELF_DEACTIVATION,), id="self-active"),
    pytest.param("d1", "d1", False, (AccountReason.SELF_DEACTIVATION,),
                 id="self-reason-wins-over-inactive"),
])
def test_can_deactivate(actor, target, active, reasons):
    decision = can_deactivate(actor_id=actor, target_id=target, target_active=active)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("active", "reasons"), [
    pytest.param(False, (), id="inactive"),
    pytest.param(True, (AccountReason.ALREADY_ACTIVE,), id="already-active"),
])
def test_can_reactivate(active, reasons):
    decision = can_reactivate(target_active=active)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("actor", "target", "reasons"), [
    pytest.param("d1", "u2", (), id="other"),
    pytest.param("d1", "d1", (AccountReason.SELF_RESET,), id="self"),
    pytest.param("d1", "D1", (), id="ids-compared-exactly"),
])
def test_can_reset(actor, target, reasons):
    decision = can_reset(actor_id=actor, target_id=target)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons
