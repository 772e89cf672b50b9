"""Reason codes from the domain, translated for people. The domain never holds text."""

from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l

from casework.domain.accounts import AccountReason
from casework.domain.passwords import PasswordReason

MESSAGES = {
    PasswordReason.TOO_SHORT: _l("Use at least 12 characters. A few unrelated words work well."),
    PasswordReason.TOO_LONG: _l("Use at most 128 characters."),
    PasswordReason.COMMON: _l("This password is too common and easy to guess. "
                              "Choose another one."),
    PasswordReason.CONTAINS_IDENTITY: _l("Do not use your name or e-mail address in the "
                                         "password."),
    AccountReason.SELF_DEACTIVATION: _l("You cannot deactivate your own account."),
    AccountReason.SELF_RESET: _l("You cannot reset your own account here. Use "
                                 "'Change password' instead."),
    AccountReason.ALREADY_INACTIVE: _l("This account is already deactivated."),
    AccountReason.ALREADY_ACTIVE: _l("This account is already active."),
    AccountReason.EMAIL_TAKEN: _l("An account with this e-mail address already exists."),
    AccountReason.WRONG_PASSWORD: _l("Your current password is not correct."),
    AccountReason.SAME_PASSWORD: _l("The new password must differ from the current one."),
}


def explain(reasons: tuple[Enum, ...]) -> list[str]:
    """Human messages for reason codes, in the current language."""
    return [str(MESSAGES.get(reason, _l("The request was refused."))) for reason in reasons]
