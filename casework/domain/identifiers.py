"""Thematic means unidentifiable (rule 49; issue 4, item 5).

Before a thematic entry is saved, its text and fields are compared with the identifiers of
the person it came from (names in either script, phone numbers, dates, places held in
their record) and with generic patterns (phone and document numbers, exact dates,
addresses). Any finding blocks the save and says what to generalise. Pure: the caller
passes the person's identifiers and a name normaliser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from casework.domain.decisions import Decision


class Finding(str, Enum):
    PERSON_NAME = "identifier_person_name"
    PERSON_PHONE = "identifier_person_phone"
    PERSON_DATE = "identifier_person_date"
    PERSON_PLACE = "identifier_person_place"
    PHONE_NUMBER = "identifier_phone_number"
    DOCUMENT_NUMBER = "identifier_document_number"
    EXACT_DATE = "identifier_exact_date"
    ADDRESS = "identifier_address"
    FINE_TIME = "identifier_time_too_precise"
    FINE_PLACE = "identifier_place_too_precise"


@dataclass(frozen=True)
class PersonIdentifiers:
    """Everything of the source person that must not appear in a thematic entry."""

    name_tokens: frozenset[str] = frozenset()
    phone_digits: frozenset[str] = frozenset()  # canonical national numbers
    dates: frozenset[str] = frozenset()  # ISO dates
    places: frozenset[str] = frozenset()  # normalised place words (placement, addresses)


@dataclass(frozen=True)
class ThematicCheck:
    decision: Decision
    matches: tuple[str, ...] = field(default=())  # the offending fragments, for the author


# A phone number: "+" and 10-15 digits, or a Kazakh/Russian national number (8 or 7 and ten
# more digits), with the usual separators. Years, ranges and sums of money do not qualify.
_PHONE = re.compile(r"(?<![\w+])(?:\+(?:\d[\s\-()]*){9,14}\d|[78](?:[\s\-()]*\d){10}|"
                    r"7\d{2}[\s\-()]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2})(?![\w])")
# Documents: passport-style (1-2 capital letters glued to 6-9 digits), a 12-digit IIN, or a
# number introduced by "№".
_DOCUMENT = re.compile(
    r"(?<![\w])(?:[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]{1,2}\d{6,9}|\d{12}|№\s*\d{6,12})(?![\w])|"
    r"(?i:passport|паспорт\w*|удостоверени\w*|куәлі\w*|ID)\s*(?:№|N|No\.?)?\s*"
    r"[A-ZА-Я]{0,2}\s?\d{6,9}\b")
_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|январ|феврал|март|апрел|ма[яй]|"
           r"июн|июл|август|сентябр|октябр|ноябр|декабр|қаңтар|ақпан|наурыз|сәуір|мамыр|"
           r"маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан)\w*")
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{4}|"
    r"\d{1,2}(?:st|nd|rd|th|-го|-ші|-шы|-)?\s*" + _MONTHS + r"|" + _MONTHS +
    r"\s+\d{1,2}(?:st|nd|rd|th)?\b)", re.IGNORECASE)
# An address needs a number next to its keyword ("ул. Абая 15", "Абай көшесі 15",
# "12 Baker Street", "кв. 4"); the keyword alone ("by road", "үй жұмысы") is ordinary text.
_ADDRESS = re.compile(
    # Words that only ever name a street or district in Russian and Kazakh.
    r"(?i:\b(?:улица|проспект|микрорайон|мкр|көшесі|даңғылы|шағын\s+аудан\w*)\b)|"
    # Abbreviations and English words count only beside a name or a number.
    r"(?i:\b(?:ул|пр|street|avenue|road|st|rd|ave)\b)\.?\s*[^\W\d_]*[\s,.]*\d+|"
    r"\b[A-ZА-ЯЁ][^\W\d_]+\s+(?i:street|avenue|road)\b|"
    r"\b\d+\w?\s+[^\W\d_]+\s+(?i:street|avenue|road|st|rd|ave)\b|"
    r"(?i:\b(?:кв|квартира|дом|д|apt|apartment|flat|house|үй|пәтер)\b)\.?\s*№?\s*\d+")
# Endings of Kazakh and Russian case forms after normalisation (crypto.normalise_name):
# "Асельге", "Айгүлдің", "Маратпен", "Гульнары", "Гульнарой"... A name followed by any of
# these is the name; a name followed by other letters ("Roman" in "Romania") is not.
NAME_ENDINGS = frozenset({
    "a", "i", "e", "u", "o", "iu", "oi", "ei", "om", "em", "im", "ov", "ova", "ev",
    "eva", "in", "ina", "ga", "ge", "ka", "ke", "na", "ne", "da", "de", "ta", "te", "nin",
    "din", "tin", "di", "ti", "ni", "men", "ben", "pen", "nan", "nen", "dan", "den", "tan",
    "ten", "mnen", "mi", "s", "es", "ui", "ou", "niki", "diki", "tiki",
    "dagi", "tagi", "nda", "nde", "ine"})


def check_thematic(
    text: str,
    *,
    identifiers: PersonIdentifiers,
    tokens: Callable[[str], Iterable[str]],
    digits: Callable[[str], str | None],
    time_granularity: str | None,
    place_granularity: str | None,
    coarse_times: Iterable[str],
    coarse_places: Iterable[str],
) -> ThematicCheck:
    """Find anything in a would-be thematic entry that could identify a person or event.

    ``tokens`` normalises text into name tokens (Cyrillic and Latin meet); ``digits`` turns
    a phone-like fragment into the canonical number (or None).
    """
    reasons: list[Finding] = []
    matches: list[str] = []

    def hit(reason: Finding, fragment: str) -> None:
        if reason not in reasons:
            reasons.append(reason)
        if fragment not in matches:
            matches.append(fragment)

    # Apostrophes split words ("Gulnara's"), and Kazakh and Russian inflect names
    # ("Гүлнараның", "Гульнары"), so a name also matches as the stem of a longer word.
    text_tokens = set(tokens(re.sub(r"['’`ʼ]", " ", text)))
    for token in sorted(text_tokens):
        if any(_inflected(token, name) for name in identifiers.name_tokens):
            hit(Finding.PERSON_NAME, token)
        if any(_inflected(token, place) for place in identifiers.places):
            hit(Finding.PERSON_PLACE, token)
    documents = [m.span() for m in _DOCUMENT.finditer(text)]
    dates = [m.span() for m in _DATE.finditer(text)]
    for start, end in documents:
        hit(Finding.DOCUMENT_NUMBER, text[start:end])
    for start, end in dates:
        hit(Finding.EXACT_DATE, text[start:end])
    for match in _PHONE.finditer(text):
        # A document number or a date is reported as what it is, not also as a phone.
        if any(s <= match.start() < e for s, e in documents + dates):
            continue
        fragment = match.group(0).strip()
        number = digits(fragment)
        if number and number in identifiers.phone_digits:
            hit(Finding.PERSON_PHONE, fragment)
        else:
            hit(Finding.PHONE_NUMBER, fragment)
    for iso in identifiers.dates:
        year, month, day = iso.split("-")
        for form in (iso, f"{day}.{month}.{year}", f"{day}/{month}/{year}"):
            if form in text:
                hit(Finding.PERSON_DATE, form)
    for match in _ADDRESS.finditer(text):
        hit(Finding.ADDRESS, match.group(0).strip())
    if time_granularity is not None and time_granularity not in set(coarse_times):
        hit(Finding.FINE_TIME, time_granularity)
    if place_granularity is not None and place_granularity not in set(coarse_places):
        hit(Finding.FINE_PLACE, place_granularity)
    decision = Decision.deny(*reasons) if reasons else Decision.allow()
    return ThematicCheck(decision, tuple(matches))


def _inflected(word: str, name: str) -> bool:
    """Is ``word`` the name itself or a case form of it (name or name-minus-last-vowel plus
    a known ending)?"""
    if word == name:
        return True
    if len(name) < 3:
        return False
    stems = {name} | ({name[:-1]} if name[-1] in "aeiouy" and len(name) >= 4 else set())
    return any(word.startswith(stem) and word[len(stem):] in NAME_ENDINGS for stem in stems)


class ReviewReason(str, Enum):
    SELF_REVIEW = "privacy_review_by_author"
    NOT_PENDING = "privacy_review_not_pending"


def can_review_privacy(*, author: str, reviewer: str, status: str) -> Decision:
    """A second person signs off "reviewed for privacy" (issue 4, item 5)."""
    reasons = []
    if author == reviewer:
        reasons.append(ReviewReason.SELF_REVIEW)
    if status != "pending":
        reasons.append(ReviewReason.NOT_PENDING)
    return Decision.deny(*reasons) if reasons else Decision.allow()
