"""Password policy (issue 2, item 3; NIST SP 800-63B / OWASP ASVS 6.2).

12 to 128 characters, no composition rules, and refusal of passwords that are common or
built from the person's own e-mail address. The common-password list is passed in so the
rule stays pure and testable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Container, Iterable
from enum import Enum

from casework.domain.decisions import Decision

MIN_LENGTH = 12
MAX_LENGTH = 128


class PasswordReason(str, Enum):
    TOO_SHORT = "password_too_short"
    TOO_LONG = "password_too_long"
    COMMON = "password_common"
    CONTAINS_IDENTITY = "password_contains_identity"


def normalise_password(password: str) -> str:
    """NFKC, so the same passphrase typed on a Kazakh or Russian keyboard layout matches."""
    return unicodedata.normalize("NFKC", password)


def check_password(
    password: str, *, common: Container[str], identity_words: Iterable[str] = ()
) -> Decision:
    """Decide whether a new password is acceptable; reasons say what to change."""
    value = normalise_password(password)
    if len(value) < MIN_LENGTH:
        return Decision.deny(PasswordReason.TOO_SHORT)
    if len(value) > MAX_LENGTH:
        return Decision.deny(PasswordReason.TOO_LONG)
    folded = value.casefold()
    # A long password is still weak when it is a listed password padded with repeats
    # ("password1234", "qwertyqwerty"), so strip trailing digits and repetitions first.
    stripped = folded.rstrip("0123456789!. ")
    if folded in common or stripped in common or _is_repetition(folded):
        return Decision.deny(PasswordReason.COMMON)
    for word in identity_words:
        word = word.casefold()
        if len(word) >= 4 and word in folded:
            return Decision.deny(PasswordReason.CONTAINS_IDENTITY)
    return Decision.allow()


def _is_repetition(value: str) -> bool:
    for size in range(1, len(value) // 2 + 1):
        if len(value) % size == 0 and value[:size] * (len(value) // size) == value:
            return True
    return False
