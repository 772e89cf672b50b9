"""Counts in the reader's language: "2,310" in English, "2 310" in Kazakh and Russian.

Issue 12: every paged list prints three counts ("41-60 of 2,310") and Babel's
``format_decimal`` parses a number pattern for each (a tenth of a millisecond a pager).
A whole number needs only the locale's grouping separator and minus sign, looked up once
per locale; anything else (a fraction, a Decimal, a locale that groups otherwise) still
goes through Babel.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import format_number, get_locale


def _grouped(value: int, group: str, minus: str) -> str:
    digits = f"{abs(value):,}".replace(",", group)
    return minus + digits if value < 0 else digits


@functools.cache
def _symbols(locale: str) -> tuple[str, str] | None:
    """The locale's grouping separator and minus sign, or None where grouping by threes
    from the first thousand would not write what Babel writes (checked once a locale)."""
    parsed = Locale.parse(locale)
    symbols = parsed.number_symbols["latn"]
    group, minus = symbols["group"], symbols["minusSign"]
    probes = (0, 7, 999, 1000, -1234, 12345, 1234567, 10**12 + 5)
    if all(_grouped(n, group, minus) == format_decimal(n, locale=parsed) for n in probes):
        return group, minus
    return None


def format_count(value: Any) -> str:
    """``value`` as Flask-Babel's ``format_number`` writes it in the current locale."""
    locale = get_locale()
    symbols = _symbols(str(locale)) if type(value) is int and locale is not None else None
    if symbols is None:  # bool, float, Decimal, or a locale Babel must handle
        return str(format_number(value))
    return _grouped(value, *symbols)
