"""Meetings with police when a person gives information directly (rules 102-109)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
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


def address_key(text: str) -> frozenset[str]:
    """Words and numbers of an address, normalised so small spelling changes still meet."""
    # "№" first: NFKC turns it into "No", which would glue to the number ("№15" -> "no15").
    folded = unicodedata.normalize("NFKC", text.replace("№", " ")).casefold()
    words = re.findall(r"[^\W_]+", folded)
    noise = {"ул", "улица", "көшесі", "street", "st", "str", "д", "дом", "үй", "house", "кв",
             "пр", "проспект", "даңғылы", "avenue", "ave", "г", "город", "қаласы", "city",
             "мкр", "микрорайон", "шағын", "ауданы", "r", "n", "no", "№"}
    return frozenset(w for w in words if w not in noise)


def matches_protected(place: str, protected: Iterable[str]) -> bool:
    """A meeting place that contains every significant part of a protected address (street
    and number) is that address, however it is written."""
    key = address_key(place)
    for address in protected:
        wanted = address_key(address)
        if wanted and wanted <= key:
            return True
    return False


def can_arrange_meeting(*, place: str, place_type: PlaceType, protected: Iterable[str],
                        lawyer_question_asked: bool) -> Decision:
    """Rule 106: a safe, neutral place, never the shelter; rule 107: ask about the lawyer."""
    reasons: list[MeetingReason] = []
    if not place.strip():
        reasons.append(MeetingReason.PLACE_MISSING)
    if place_type is PlaceType.SHELTER:
        reasons.append(MeetingReason.SHELTER)
    if place.strip() and matches_protected(place, protected):
        reasons.append(MeetingReason.PROTECTED_ADDRESS)
    if not lawyer_question_asked:
        reasons.append(MeetingReason.LAWYER_QUESTION)
    return Decision.deny(*reasons) if reasons else Decision.allow()
