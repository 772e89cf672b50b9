"""Login throttling (issue 2, item 3): per account and per address, never a permanent lock.

Counting failures inside a sliding window means an attacker is slowed to a few guesses per
window, while the real user only ever waits out the window; nobody can lock a colleague out
for good by typing their address.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from casework.domain.decisions import Decision


class ThrottleReason(str, Enum):
    ACCOUNT = "throttled_account"
    ADDRESS = "throttled_address"


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int
    per_address: int


def throttle_decision(
    *, account_failures: int, address_failures: int, limits: ThrottleLimits
) -> Decision:
    """May another attempt be checked, given the failures already inside the window?"""
    reasons: list[ThrottleReason] = []
    if account_failures >= limits.per_account:
        reasons.append(ThrottleReason.ACCOUNT)
    if address_failures >= limits.per_address:
        reasons.append(ThrottleReason.ADDRESS)
    return Decision.deny(*reasons) if reasons else Decision.allow()
