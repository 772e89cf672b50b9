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


_PHONE = re.compile(r"(?<!\d)(?:\+?\d[\s\-()]*){7,15}(?!\d)")
_DOCUMENT = re.compile(r"\b(?:[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]{1,2}\s?\d{6,9}|\d{12})\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|январ|феврал|март|апрел|ма[яй]|"
    r"июн|июл|август|сентябр|октябр|ноябр|декабр|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|"
    r"тамыз|қыркүйек|қазан|қараша|желтоқсан)\w*)",
    re.IGNORECASE)
_ADDRESS = re.compile(
    r"(?:\b(?:ул|улица|пр|проспект|мкр|микрорайон|дом|кв|квартира|street|st|avenue|ave|road|"
    r"apartment|apt|flat|house)\b\.?\s*\d*|\b(?:көшесі|даңғылы|үй|пәтер)\b)",
    re.IGNORECASE)


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
    for match in _PHONE.finditer(text):
        fragment = match.group(0).strip()
        number = digits(fragment)
        if number and number in identifiers.phone_digits:
            hit(Finding.PERSON_PHONE, fragment)
        else:
            hit(Finding.PHONE_NUMBER, fragment)
    for match in _DOCUMENT.finditer(text):
        if not _PHONE.fullmatch(match.group(0)):
            hit(Finding.DOCUMENT_NUMBER, match.group(0))
    for match in _DATE.finditer(text):
        hit(Finding.EXACT_DATE, match.group(0))
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
    """Is ``word`` the name itself or an inflected form of it (a few letters longer)?"""
    if word == name:
        return True
    stem = name if len(name) < 6 else name[:-1]
    return len(name) >= 5 and word.startswith(stem) and len(word) <= len(name) + 4


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
