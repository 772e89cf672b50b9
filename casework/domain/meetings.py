"""Meetings with police when a person gives information directly (rules 102-109)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from enum import Enum

from casework.domain.decisions import Decision


class MeetingReason(str, Enum):
    PROTECTED_ADDRESS = "meeting_at_protected_address"
    SHELTER = "meeting_at_shelter"
    LAWYER_QUESTION = "meeting_lawyer_question_not_asked"
    PLACE_MISSING = "meeting_place_missing"


class PlaceType(str, Enum):
    POLICE_STATION = "police_station"
    NEUTRAL_OFFICE = "neutral_office"
    COURT = "court"
    OTHER_NEUTRAL = "other_neutral"
    SHELTER = "shelter"  # listed so it can be refused by name (rule 106)


Fold = Callable[[str], str]
_NOISE = frozenset({
    "ул", "улица", "көшесі", "street", "st", "str", "д", "дом", "үй", "house", "кв", "пр",
    "проспект", "даңғылы", "avenue", "ave", "г", "город", "қаласы", "city", "мкр",
    "микрорайон", "шағын", "ауданы", "r", "n", "no", "№"})


def address_key(text: str, fold: Fold | None = None) -> frozenset[str]:
    """Words and numbers of an address, normalised so small spelling changes still meet.

    ``fold`` maps a word to a script-neutral form (the service passes the transliterating
    name normaliser, so "ABAYA 15", "Aбая 15" and "ул. Абая, 15" meet); numbers and
    letters are split ("15А" and "15 А" are the same house).
    """
    # "№" first: NFKC turns it into "No", which would glue to the number ("№15" -> "no15").
    folded = unicodedata.normalize("NFKC", text.replace("№", " ")).casefold()
    words = re.findall(r"\d+|[^\W\d_]+", folded)
    key = set()
    for word in words:
        if word in _NOISE:
            continue
        key.add(fold(word) if fold is not None and not word.isdigit() else word)
    return frozenset(w for w in key if w)


def matches_protected(place: str, protected: Iterable[str], fold: Fold | None = None) -> bool:
    """A meeting place that contains every significant part of a protected address (street
    and number) is that address, however it is written."""
    key = address_key(place, fold)
    for address in protected:
        wanted = address_key(address, fold)
        if wanted and wanted <= key:
            return True
    return False


def can_arrange_meeting(*, place: str, place_type: PlaceType, protected: Iterable[str],
                        lawyer_question_asked: bool, fold: Fold | None = None) -> Decision:
    """Rule 106: a safe, neutral place, never the shelter; rule 107: ask about the lawyer."""
    reasons: list[MeetingReason] = []
    if not place.strip():
        reasons.append(MeetingReason.PLACE_MISSING)
    if place_type is PlaceType.SHELTER:
        reasons.append(MeetingReason.SHELTER)
    if place.strip() and matches_protected(place, protected, fold):
        reasons.append(MeetingReason.PROTECTED_ADDRESS)
    if not lawyer_question_asked:
        reasons.append(MeetingReason.LAWYER_QUESTION)
    return Decision.deny(*reasons) if reasons else Decision.allow()
