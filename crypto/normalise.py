# ruff: noqa: RUF001, RUF003 -- Cyrillic and apostrophe look-alikes are intentional here
"""Deterministic normalisation of names, phone numbers and dates before blind indexing.

A blind index can only find exact matches of its input, so spelling variants must be
folded to one form *before* hashing. The rules below are deliberately simple, pure and
documented (docs/crypto.md has the full table); changing any of them changes every index
value, so a change requires re-indexing all rows.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

__all__ = ["name_tokens", "normalise_date", "normalise_name", "normalise_phone"]

# One transliteration for Russian and Kazakh Cyrillic (plus the few Ukrainian/Belarusian/
# Central Asian letters likely in our caseload). Chosen to match common passport-style
# Latin spellings; the Latin folding step below then merges the remaining variants.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Kazakh
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    # Ukrainian / Belarusian / Uzbek / Tajik extras
    "ї": "i", "є": "e", "ґ": "g", "ў": "u", "ҳ": "h", "ҷ": "j",
}  # fmt: skip

# Latin letters that NFKD does not reduce to ASCII, or that need a digraph (Kazakh 2021
# Latin, Turkish, Azerbaijani use ş/ç for Ш/Ч).
_LATIN = {"ş": "sh", "ç": "ch", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d",
          "ð": "d", "þ": "th", "ə": "a"}  # fmt: skip

# Apostrophe-like marks are deleted (O'Neil -> oneil, Uzbek o' -> o); everything else that
# is not a letter becomes a word separator.
_APOSTROPHES = frozenset("'`´ʻʼ’‘ʹ")

# Ordered Latin folding rules applied to every token, whatever script it came from. A
# plain string is replaced as written (str.replace); a pattern is a regular expression.
_FOLDS: tuple[tuple[str | re.Pattern[str], str], ...] = (
    ("q", "k"),  # Qairat / Kairat (Kazakh Latin uses q for Қ)
    ("x", "ks"),  # Alexei / Aleksei
    ("w", "v"),  # Wladimir / Vladimir
    ("dzh", "j"),  # Dzhamal / Jamal
    ("zh", "j"),  # Zhanna / Janna (Kazakh Latin writes Ж as J)
    ("kh", "h"),  # Mukhtar / Muhtar; also Х -> kh -> h
    ("y", "i"),  # Aygul / Aigul, Sergey / Sergei, Natalya / Natalia
    (re.compile("^ie"), "e"),  # Yelena / Elena, Yerlan / Erlan (after y -> i)
    (re.compile("([aeiou])ie"), r"\1e"),  # Andreyev / Andreev
    (re.compile(r"([a-z])\1+"), r"\1"),  # Zhanna / Zhana, Dmitrii / Dmitri, Aliia / Alia
)


# One pass of str.translate does the table letters and deletes apostrophes; only the
# characters left outside ASCII need Unicode decomposition (issue 12: a search re-checks
# every candidate's decrypted names, so this runs for each person a search shows).
_TABLE = str.maketrans({**_CYRILLIC, **_LATIN, **dict.fromkeys(_APOSTROPHES)})


def _base(ch: str) -> str:
    # Strip diacritics: NFKD splits "ü" into "u" + combining mark; a decomposed Cyrillic
    # letter not in the table (e.g. "ӣ") falls back to its base letter.
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return _CYRILLIC.get(base, _LATIN.get(base, base))


def _letters(value: str) -> str:
    mapped = unicodedata.normalize("NFKC", value).casefold().translate(_TABLE)
    if mapped.isascii():
        return mapped
    return "".join(ch if ch.isascii() else _base(ch) for ch in mapped)


def _fold(token: str) -> str:
    # Repeated until nothing changes: one pass is not always a fixpoint ("iie" -> "ie" by the
    # vowel rule, and only a second pass turns that into "e"), and a search must fold its
    # query to the same value as the stored name whatever was typed. Every rule but "x"
    # shortens or keeps the token, and "ks" contains no "x", so this ends.
    while True:
        folded = token
        for pattern, replacement in _FOLDS:
            if isinstance(pattern, str):
                folded = folded.replace(pattern, replacement)
            else:
                folded = pattern.sub(replacement, folded)
        if folded == token:
            return folded
        token = folded


def normalise_name(value: str) -> str:
    """Fold a (full) name to lowercase ASCII letters and single spaces for indexing.

    Returns ``""`` for input with no Latin or Cyrillic letters; callers should not index that.
    """
    spaced = re.sub("[^a-z]+", " ", _letters(value))
    return " ".join(_fold(token) for token in spaced.split())


def name_tokens(value: str) -> list[str]:
    """Return the distinct normalised tokens of a full name, in their original order."""
    return list(dict.fromkeys(normalise_name(value).split()))


def normalise_phone(value: str) -> str:
    """Return the last 10 digits of a phone number (the Kazakhstan national number).

    Kazakh numbers are written +7 7xx..., 8 7xx... or 7xx...; all reduce to the same 10
    digits. Numbers with fewer than 7 digits raise a plain :class:`ValueError`.
    """
    digits = "".join(ch for ch in value if ch.isascii() and ch.isdigit())
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]  # domestic trunk prefix 8 == country code 7
    if len(digits) < 7:
        raise ValueError("not a phone number")
    return digits[-10:]


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


def normalise_date(value: str | datetime.date) -> str:
    """Return an ISO ``YYYY-MM-DD`` date from a date object or a supported string format.

    Accepted strings: ``1990-05-17``, ``17.05.1990``, ``17/05/1990`` (day first, as used in
    Kazakhstan). Anything else raises a plain :class:`ValueError` that does not echo input.
    """
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError("unsupported date format") from None
