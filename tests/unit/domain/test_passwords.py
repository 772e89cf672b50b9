"""Password policy decision table (NIST SP 800-63B: length, common list, identity)."""

from __future__ import annotations

import pytest

from casework.domain.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordReason,
    check_password,
    normalise_password,
)
from casework.services.passwords import common_passwords, validate_new_password

COMMON = frozenset({"password", "qwerty", "letmein", "пароль"})
GOOD = "violet lantern orbit harbour"


def reasons(password: str, *, identity: tuple[str, ...] = (), common=COMMON):
    decision = check_password(password, common=common, identity_words=identity)
    return decision.allowed, decision.reasons


def test_bounds_are_12_and_128():
    assert (MIN_LENGTH, MAX_LENGTH) == (12, 128)


@pytest.mark.parametrize(("length", "allowed", "reason"), [
    (0, False, PasswordReason.TOO_SHORT),
    (11, False, PasswordReason.TOO_SHORT),
    (12, True, None),
    (13, True, None),
    (127, True, None),
    (128, True, None),
    (129, False, PasswordReason.TOO_LONG),
    (1000, False, PasswordReason.TOO_LONG),
])
def test_length_boundaries(length, allowed, reason):
    # Not a repetition and not common: only the length decides.
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    value = "".join(alphabet[(i * 7 + i // 62) % 62] for i in range(length))
    assert len(value) == length
    ok, why = reasons(value)
    assert ok is allowed
    assert why == ((reason,) if reason else ())


def test_length_counts_characters_not_bytes():
    # 12 Cyrillic letters are 24 bytes in UTF-8 but 12 characters: allowed.
    ok, _ = reasons("жасыласпанкө")
    assert ok
    ok, why = reasons("жасыласпанк")
    assert not ok and why == (PasswordReason.TOO_SHORT,)


def test_no_composition_rules():
    # All lower-case letters, no digits or symbols: fine if long and uncommon.
    assert reasons("correcthorsebatterystaple")[0]
    assert reasons("            x")[0] is True  # spaces are characters too


@pytest.mark.parametrize("password", [
    "password1234",        # listed word padded with digits
    "Password1234",        # case does not help
    "PASSWORD1234!",
    "password!!!!....",
    "qwertyqwerty",        # repetition of a listed word
    "пароль123456",        # Cyrillic listed word + digits
])
def test_common_passwords_and_padded_variants_are_refused(password):
    ok, why = reasons(password)
    assert (ok, why) == (False, (PasswordReason.COMMON,))


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abababababab", "abcabcabcabc",
                                      "123412341234", "ЖЖЖЖЖЖЖЖЖЖЖЖ"])
def test_repetitions_are_refused_even_if_not_listed(password):
    ok, why = reasons(password, common=frozenset())
    assert (ok, why) == (False, (PasswordReason.COMMON,))


def test_almost_repetition_is_allowed():
    assert reasons("abcabcabcabd", common=frozenset())[0]


@pytest.mark.parametrize(("password", "identity"), [
    ("aigerim-secure-phrase", ("aigerim",)),
    ("my AIGERIM phrase 2024", ("Aigerim",)),
    ("long phrase with nurlan inside", ("nurlan.b", "nurlan")),
])
def test_identity_words_are_refused(password, identity):
    ok, why = reasons(password, identity=identity)
    assert (ok, why) == (False, (PasswordReason.CONTAINS_IDENTITY,))


def test_short_identity_words_are_ignored():
    # Words under 4 characters (initials, "a.b") would refuse far too much.
    assert reasons("the ali river runs deep", identity=("ali",))[0]


def test_cyrillic_passphrase_is_nfkc_normalised():
    # Full-width and compatibility forms fold to the same password.
    assert normalise_password("ｐａｓｓｗｏｒｄ") == "password"
    assert normalise_password("ﬁ") == "fi"
    # A full-width "password1234" is still the common password.
    ok, why = reasons("ｐａｓｓｗｏｒｄ１２３４")
    assert (ok, why) == (False, (PasswordReason.COMMON,))
    # Composed and decomposed Cyrillic "й" give the same normalised value.
    composed = "мой секретный пароль й"
    decomposed = composed.replace("й", "и\u0306")
    assert normalise_password(composed) == normalise_password(decomposed)
    assert reasons(decomposed)[0] is True


def test_length_is_measured_after_normalisation():
    # 11 visible characters written with combining marks must not pass as 12+.
    decomposed = "и\u0306" * 11  # 22 code points, 11 characters after NFKC
    assert len(decomposed) == 22
    ok, why = reasons(decomposed + "x", common=frozenset())
    assert (ok, why) == (True, ())  # 12 after NFKC ("й"*11 + "x")
    ok, why = reasons("и\u0306" * 5 + "abcdef", common=frozenset())
    assert (ok, why) == (False, (PasswordReason.TOO_SHORT,))


def test_real_common_list_is_used_by_the_service():
    words = common_passwords()
    assert len(words) > 10_000
    assert "password" in words and "пароль" in words
    assert not validate_new_password("password1234").allowed
    assert not validate_new_password("qwertyuiop[]").allowed
    assert not validate_new_password("kazakhstan2024").allowed
    assert validate_new_password(GOOD).allowed
    decision = validate_new_password("aigerim-in-the-steppe", identity_words=["aigerim"])
    assert decision.reasons == (PasswordReason.CONTAINS_IDENTITY,)
