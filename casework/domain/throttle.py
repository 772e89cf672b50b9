"""Login throttling (issue 2, item 3): per account and per address, never a permanent lock.

Counting failures inside a sliding window means an attacker is slowed to a few guesses per
window, while the real user only ever waits out the window; nobody can lock a colleague out
for good by typing their address.

Issue 11, point 4 (OWASP's device-cookie pattern): a browser that signed in to an account
before carries a signed device cookie. Attempts from such a known device are judged by that
device's own failures only, so an attacker guessing from elsewhere (from any number of
addresses) throttles the unknown devices, never the owner's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from casework.domain.decisions import Decision


class ThrottleReason(str, Enum):
    ACCOUNT = "throttled_account"
    ADDRESS = "throttled_address"
    DEVICE = "throttled_device"


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int
    per_address: int


def throttle_decision(
    *, account_failures: int, address_failures: int, limits: ThrottleLimits,
    device_failures: int | None = None,
) -> Decision:
    """May another attempt be checked, given the failures already inside the window?

    ``account_failures`` counts failures from unknown devices only; ``device_failures`` is
    given when the attempt comes from a known device of this account, and then only it counts.
    """
    if device_failures is not None:
        if device_failures >= limits.per_account:
            return Decision.deny(ThrottleReason.DEVICE)
        return Decision.allow()
    reasons: list[ThrottleReason] = []
    if account_failures >= limits.per_account:
        reasons.append(ThrottleReason.ACCOUNT)
    if address_failures >= limits.per_address:
        reasons.append(ThrottleReason.ADDRESS)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def should_alert(*, account_failures_after: int, limits: ThrottleLimits) -> bool:
    """Tell the owner and the directors once per window: when the failures from unknown
    devices reach the limit (not before: one typo is not an attack; not after: no flood)."""
    return account_failures_after == limits.per_account
