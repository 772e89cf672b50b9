"""Throttle decisions: per account and per address, with every reason reported."""

from __future__ import annotations

import pytest

from casework.domain.throttle import ThrottleLimits, ThrottleReason, throttle_decision

LIMITS = ThrottleLimits(per_account=5, per_address=20)


@pytest.mark.parametrize(("account", "address", "reasons"), [
    (0, 0, ()),
    (4, 19, ()),
    (5, 0, (ThrottleReason.ACCOUNT,)),
    (6, 0, (ThrottleReason.ACCOUNT,)),
    (0, 20, (ThrottleReason.ADDRESS,)),
    (4, 20, (ThrottleReason.ADDRESS,)),
    (5, 20, (ThrottleReason.ACCOUNT, ThrottleReason.ADDRESS)),
    (500, 500, (ThrottleReason.ACCOUNT, ThrottleReason.ADDRESS)),
])
def test_decision_table(account, address, reasons):
    decision = throttle_decision(account_failures=account, address_failures=address,
                                 limits=LIMITS)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


def test_the_sixth_attempt_is_the_first_refused():
    # Five failures already recorded: the next attempt (the sixth) is not checked.
    allowed = [throttle_decision(account_failures=n, address_failures=0, limits=LIMITS).allowed
               for n in range(7)]
    assert allowed == [True, True, True, True, True, False, False]


def test_limits_come_from_the_caller():
    strict = ThrottleLimits(per_account=1, per_address=2)
    assert not throttle_decision(account_failures=1, address_failures=0, limits=strict)
    assert not throttle_decision(account_failures=0, address_failures=2, limits=strict)
    assert throttle_decision(account_failures=0, address_failures=1, limits=strict)


# Issue 11, point 4: a known device (device cookie) is judged by its own failures only.
@pytest.mark.parametrize(("account", "address", "device", "reasons"), [
    (500, 500, 0, ()),  # an attack from elsewhere does not stop the owner's own browser
    (5, 0, 4, ()),
    (0, 0, 5, (ThrottleReason.DEVICE,)),  # guessing on a stolen device cookie is slowed too
    (0, 0, 50, (ThrottleReason.DEVICE,)),
    (5, 0, None, (ThrottleReason.ACCOUNT,)),  # an unknown device is throttled as before
])
def test_known_device_decision_table(account, address, device, reasons):
    decision = throttle_decision(account_failures=account, address_failures=address,
                                 device_failures=device, limits=LIMITS)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("after", "alert"), [(1, False), (4, False), (5, True), (6, False),
                                              (40, False)])
def test_the_owner_is_told_once_when_the_limit_is_reached(after, alert):
    from casework.domain.throttle import should_alert

    assert should_alert(account_failures_after=after, limits=LIMITS) is alert
