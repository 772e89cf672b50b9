"""Password hashing with argon2id and the common-password list.

Hashing lives here rather than in ``crypto/`` because it uses argon2-cffi; ``crypto/``
stays a façade over ``cryptography`` alone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from casework.config import Argon2Params
from casework.domain.decisions import Decision
from casework.domain.passwords import MAX_LENGTH, check_password, normalise_password

# Passwords popular in Russian- and Kazakh-speaking offices that the English-centred list
# misses (keyboard walks in the Cyrillic layout typed on a Latin keyboard, and the like).
_LOCAL_COMMON = (
    "йцукенгшщзхъ", "qwertyuiop[]", "пароль", "parol", "parol123", "qazwsxedcrfv",
    "1q2w3e4r5t6y", "zaq12wsxcde3", "kazakhstan", "казахстан", "qazaqstan", "almaty",
    "алматы", "astana", "астана", "nursultan", "нурсултан", "shymkent", "privet",
    "привет", "lyubov", "любовь", "123qweasdzxc", "passwordpassword", "senimsenim",
)


@functools.cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords plus a short local list."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(_LOCAL_COMMON)


def validate_new_password(password: str, *, identity_words: Iterable[str] = ()) -> Decision:
    """Apply the pure policy with the real common-password list."""
    return check_password(password, common=common_passwords(), identity_words=identity_words)


class Passwords:
    """argon2id hashing with parameters from settings (tests pass cheap ones)."""

    def __init__(self, params: Argon2Params) -> None:
        self._hasher = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            type=Type.ID,
        )
        # Verifying against this when the account does not exist costs the same time as a
        # real check, so response timing does not reveal which e-mails have accounts.
        self._dummy = self._hasher.hash("senim-dummy-password-for-timing")

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalise_password(password))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Constant-shape check; refuses oversized input before hashing (DoS bound)."""
        if len(password) > MAX_LENGTH:
            return False
        try:
            return self._hasher.verify(stored_hash or self._dummy, normalise_password(password)) \
                and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
