"""Rules for administering staff accounts."""

from __future__ import annotations

from enum import Enum

from casework.domain.decisions import Decision


class AccountReason(str, Enum):
    SELF_DEACTIVATION = "cannot_deactivate_self"
    SELF_RESET = "cannot_reset_self"
    ALREADY_INACTIVE = "already_inactive"
    ALREADY_ACTIVE = "already_active"
    EMAIL_TAKEN = "email_taken"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason code, not a secret
    SAME_PASSWORD = "same_password"  # noqa: S105


def can_deactivate(*, actor_id: str, target_id: str, target_active: bool) -> Decision:
    """A director may not lock themselves out; deactivating twice is a no-op refusal."""
    if actor_id == target_id:
        return Decision.deny(AccountReason.SELF_DEACTIVATION)
    if not target_active:
        return Decision.deny(AccountReason.ALREADY_INACTIVE)
    return Decision.allow()


def can_reactivate(*, target_active: bool) -> Decision:
    return Decision.deny(AccountReason.ALREADY_ACTIVE) if target_active else Decision.allow()


def can_reset(*, actor_id: str, target_id: str) -> Decision:
    """Resetting one's own account would bypass the current password and second factor."""
    if actor_id == target_id:
        return Decision.deny(AccountReason.SELF_RESET)
    return Decision.allow()
