"""Meetings with the police (rules 102-109): never at a protected address or the shelter,
and the lawyer question always asked.

What ``matches_protected`` does: both addresses are reduced to a set of words and numbers
(NFKC, case-folded, punctuation dropped, street-type and "house/flat/city" words dropped);
a place matches when it contains every remaining word of a protected address, in any order
and with anything else around it. Numbers and house letters are split ("15А" = "15 А").
Transliteration comes from the ``fold`` the service passes (``crypto.normalise_name``), so
Cyrillic, Latin and mixed-keyboard spellings of the same street meet.
"""

from __future__ import annotations

import pytest

from casework.domain.meetings import (
    MeetingReason,
    PlaceType,
    address_key,
    can_arrange_meeting,
    matches_protected,
)
from crypto import normalise_name

R = MeetingReason
SHELTER = "ул. Абая, 15"


@pytest.mark.parametrize("place", [
    "ул. Абая, 15",
    "Абая улица 15, 2 этаж",
    "улица Абая 15",
    "УЛ. АБАЯ, Д. 15",
    "ул.Абая,д.15",
    "15 Абая",  # order does not matter
    "Абая 15, кв. 7",
    "пр. Абая 15",  # street type is ignored: conservative
    "Абая көшесі, 15 үй",
    "г. Алматы, ул. Абая, дом 15, офис 3",
    "ул. Абая, д. № 15",
    "ул. Абая, д. №15",  # "№" glued to the number (NFKC turns it into "No")
    "Абая １５",  # full-width digits fold to 15 under NFKC
])
def test_same_address_written_differently_matches(place: str) -> None:
    assert matches_protected(place, [SHELTER])
    decision = can_arrange_meeting(place=place, place_type=PlaceType.NEUTRAL_OFFICE,
                                   protected=[SHELTER], lawyer_question_asked=True)
    assert decision.reasons == (R.PROTECTED_ADDRESS,)


@pytest.mark.parametrize("place", [
    "ул. Абая, 16",
    "ул. Абая, 150",
    "ул. Абая, 5",
    "ул. Абая, 1, кв. 5",  # the digits of 15, but not the number 15
    "ул. Сатпаева, 15",
    "Абая",
    "15",
    "Court building, room 4",
])
def test_different_address_does_not_match(place: str) -> None:
    assert not matches_protected(place, [SHELTER])
    assert can_arrange_meeting(place=place, place_type=PlaceType.NEUTRAL_OFFICE,
                               protected=[SHELTER], lawyer_question_asked=True).allowed


def test_any_of_several_protected_addresses() -> None:
    protected = ["ул. Сатпаева, 2", SHELTER, "Tole bi 40"]
    assert matches_protected("Абая 15", protected)
    assert matches_protected("TOLE BI 40, office", protected)
    assert not matches_protected("Абая 2", protected)
    assert not matches_protected("Абая 15", [])


def test_protected_address_of_only_noise_words_matches_nothing() -> None:
    # An empty key must not match every place (the ``wanted and`` guard).
    assert address_key("ул., д.") == frozenset()
    assert not matches_protected("ул. Абая, 15", ["ул., д."])


def test_cyrillic_and_latin_spellings_do_not_meet_in_address_key() -> None:
    # Documented behaviour: no transliteration. Capital Cyrillic folds to lower Cyrillic,
    # Latin stays Latin.
    assert address_key("ABAYA 15") == frozenset({"abaya", "15"})
    assert address_key(SHELTER) == frozenset({"абая", "15"})
    assert address_key("АБАЯ 15") == address_key(SHELTER)


def test_latin_transliteration_should_match_cyrillic_protected_address() -> None:
    assert matches_protected("ABAYA 15", [SHELTER], fold=normalise_name)
    assert not matches_protected("ABAYA 15", [SHELTER])  # without the fold, scripts differ


def test_mixed_script_homoglyph_should_match() -> None:
    assert matches_protected("Aбая 15", [SHELTER], fold=normalise_name)  # noqa: RUF001


def test_house_letter_with_and_without_space_should_match() -> None:
    assert matches_protected("Абая 15 А", ["ул. Абая, 15А"])
    assert not matches_protected("Абая 15 Б", ["ул. Абая, 15А"])


def test_house_letter_is_part_of_the_number() -> None:
    assert matches_protected("Абая 15А, 2 этаж", ["ул. Абая, 15а"])
    assert not matches_protected("Абая 15Б", ["ул. Абая, 15А"])
    assert not matches_protected("Абая 15", ["ул. Абая, 15А"])


def test_protected_flat_does_not_cover_its_building() -> None:
    # Documented behaviour: every significant word of the protected address must appear.
    # If the protected address names a flat, a meeting "at Абая 15" (the same building) is
    # not caught, while a protected building address covers every flat in it.
    assert not matches_protected("Абая 15", ["ул. Абая, 15, кв. 4"])
    assert matches_protected("Абая 15, кв. 4", [SHELTER])


# --------------------------------------------------------------------------------------
# can_arrange_meeting
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("place_type", list(PlaceType))
@pytest.mark.parametrize("lawyer_question_asked", [True, False], ids=["asked", "not_asked"])
@pytest.mark.parametrize("place", ["Court building, room 4", "Абая 15", "   ", ""])
def test_can_arrange_meeting_table(place: str, place_type: PlaceType,
                                   lawyer_question_asked: bool) -> None:
    expected: list[MeetingReason] = []
    if not place.strip():
        expected.append(R.PLACE_MISSING)
    if place_type is PlaceType.SHELTER:  # refused by type, whatever the address says
        expected.append(R.SHELTER)
    if place == "Абая 15":
        expected.append(R.PROTECTED_ADDRESS)
    if not lawyer_question_asked:
        expected.append(R.LAWYER_QUESTION)
    decision = can_arrange_meeting(place=place, place_type=place_type, protected=[SHELTER],
                                   lawyer_question_asked=lawyer_question_asked)
    assert decision.reasons == tuple(expected)
    assert decision.allowed is (not expected)


def test_shelter_refused_even_without_protected_addresses() -> None:
    decision = can_arrange_meeting(place="Somewhere quiet", place_type=PlaceType.SHELTER,
                                   protected=[], lawyer_question_asked=True)
    assert decision.reasons == (R.SHELTER,)


def test_lawyer_question_required_even_at_a_police_station() -> None:
    decision = can_arrange_meeting(place="Police station no. 3, Almaty",
                                   place_type=PlaceType.POLICE_STATION, protected=[SHELTER],
                                   lawyer_question_asked=False)
    assert decision.reasons == (R.LAWYER_QUESTION,)
