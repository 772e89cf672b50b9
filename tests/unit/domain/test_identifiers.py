# ruff: noqa: RUF001 -- Cyrillic text and curly apostrophes are intentional here
"""Thematic entries identify nobody (rule 49): the person's own identifiers in any script
or inflection, and generic phone/document numbers, exact dates and addresses, are blocked;
ordinary thematic sentences pass.

Includes the false positives and negatives found in review (month-first and ordinal dates,
short names with case endings, "by road", "үй жұмысы", year ranges, sums of money, IINs).
"""

from __future__ import annotations

import pytest

from casework.domain.identifiers import (
    Finding,
    PersonIdentifiers,
    ReviewReason,
    can_review_privacy,
    check_thematic,
)
from crypto import name_tokens, normalise_phone

F = Finding
COARSE_TIMES = ("year", "month")
COARSE_PLACES = ("country", "region")


def digits(fragment: str) -> str | None:
    try:
        return normalise_phone(fragment)
    except ValueError:
        return None


def identifiers(*, names=(), phones=(), dates=(), places=()) -> PersonIdentifiers:
    """Built as casework.services.intel.identifiers_of does (short tokens dropped)."""
    return PersonIdentifiers(
        name_tokens=frozenset(t for n in names for t in name_tokens(n) if len(t) >= 3),
        phone_digits=frozenset(normalise_phone(p) for p in phones),
        dates=frozenset(dates),
        places=frozenset(t for p in places for t in name_tokens(p) if len(t) >= 4),
    )


GULNARA = identifiers(
    names=("Гүлнара Сейтқалиева", "Gulnara Seitkalieva"),
    phones=("+7 701 234 56 78",),
    dates=("1998-03-12", "2026-02-03"),  # date of birth, an interview date
    places=("Сайран", "Tole bi 45"),
)
NOBODY = PersonIdentifiers()


def check(text, who=GULNARA, *, time=None, place=None):
    return check_thematic(text, identifiers=who, tokens=name_tokens, digits=digits,
                          time_granularity=time, place_granularity=place,
                          coarse_times=COARSE_TIMES, coarse_places=COARSE_PLACES)


# Names ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "match"), [
    pytest.param("Gulnara was recruited online.", "gulnara", id="latin"),
    pytest.param("Гүлнара жұмысқа шетелге кетті.", "gulnara", id="kazakh-cyrillic"),
    pytest.param("Гульнара уехала работать.", "gulnara", id="russian-spelling"),
    pytest.param("GULNARA", "gulnara", id="upper-case"),
    pytest.param("Gülnara", "gulnara", id="latin-diacritic"),
    pytest.param("Gulnara's employer kept her passport.", "gulnara", id="english-possessive"),
    pytest.param("Gulnara’s employer", "gulnara", id="curly-apostrophe-possessive"),
    pytest.param("Гүлнараның жұмыс берушісі", "gulnaranin", id="kazakh-genitive"),
    pytest.param("у Гульнары забрали паспорт", "gulnari", id="russian-genitive"),
    pytest.param("с Гульнарой", "gulnaroi", id="russian-instrumental"),
    pytest.param("Seitkalieva", "seitkalieva", id="surname-latin"),
    pytest.param("Сейтқалиевой", "seitkalievoi", id="surname-russian-inflected"),
    pytest.param("Seitkalieva's", "seitkalieva", id="surname-possessive"),
])
def test_the_person_s_name_is_found_in_any_script_and_form(text, match):
    result = check(text)
    assert result.decision.reasons == (F.PERSON_NAME,)
    assert match in result.matches


@pytest.mark.parametrize("text", [
    pytest.param("Gulnaz was recruited online.", id="similar-but-different-name"),
    pytest.param("Gul", id="short-prefix"),
])
def test_other_names_are_not_the_person_s(text):
    assert check(text).decision.allowed


@pytest.mark.parametrize("text", [
    pytest.param("Асель", id="exact"),
    pytest.param("Asel's story", id="possessive"),
    pytest.param("Асельге жұмыс ұсынды", id="kazakh-dative"),
])
def test_short_names(text):
    result = check(text, identifiers(names=("Асель",)))
    assert result.decision.reasons == (F.PERSON_NAME,)


def test_a_name_does_not_block_a_country_it_prefixes():
    assert check("Routes go through Romania.", identifiers(names=("Roman",))).decision.allowed


# Places held in the person's record ----------------------------------------------------------

@pytest.mark.parametrize("text", [
    pytest.param("placed near Sairan", id="latin"),
    pytest.param("жила в Сайране", id="russian-locative"),
    pytest.param("Tole street", id="street-name-token"),
])
def test_the_person_s_places_are_found(text):
    assert F.PERSON_PLACE in check(text).decision.reasons


# Phones ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    pytest.param("call +7 701 234 56 78", id="international"),
    pytest.param("call 8 (701) 234-56-78", id="domestic-trunk-prefix"),
    pytest.param("call 87012345678", id="unformatted-11-digits"),
    pytest.param("call 7012345678", id="national-10-digits"),
])
def test_the_person_s_phone_in_any_format(text):
    assert check(text).decision.reasons == (F.PERSON_PHONE,)


@pytest.mark.parametrize(("text", "who"), [
    pytest.param("call +7 777 111 22 33", GULNARA, id="someone-else-s-number"),
    pytest.param("call +90 532 123 45 67", GULNARA, id="foreign-number"),
    pytest.param("call +7 701 234 56 78", NOBODY, id="no-linked-person"),
    pytest.param("WhatsApp 8-777-111-22-33", GULNARA, id="hyphenated"),
])
def test_any_other_phone_number_is_generic(text, who):
    assert check(text, who).decision.reasons == (F.PHONE_NUMBER,)


def test_findings_and_matches_are_not_repeated():
    result = check("Call +7 777 111 22 33, +7 777 111 22 33 or +7 777 111 22 33.")
    assert result.decision.reasons == (F.PHONE_NUMBER,)
    assert result.matches == ("+7 777 111 22 33",)


# Dates -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    pytest.param("She left on 12 March.", id="en-day-month"),
    pytest.param("on 12 march", id="en-lower-case"),
    pytest.param("on 12 Mar", id="en-abbreviated"),
    pytest.param("on 3 May", id="en-may"),
    pytest.param("уехала 12 марта", id="ru-genitive"),
    pytest.param("1 мая", id="ru-may"),
    pytest.param("12 наурыз", id="kk-nominative"),
    pytest.param("12 наурызда кетті", id="kk-locative"),
    pytest.param("5 желтоқсан", id="kk-december"),
    pytest.param("on 03.04.2025", id="dotted"),
    pytest.param("on 3/4/25", id="slashed-short-year"),
    pytest.param("on 12.03.98", id="dotted-short-year"),
    pytest.param("on March 12", id="en-month-first"),
    pytest.param("on 12th March", id="en-ordinal"),
    pytest.param("12-го марта", id="ru-ordinal"),
    pytest.param("12-наурыз", id="kk-hyphenated"),
])
def test_exact_dates_are_blocked(text):
    assert check(text, NOBODY).decision.reasons == (F.EXACT_DATE,)


def test_iso_dates_are_blocked():
    assert F.EXACT_DATE in check("on 2025-04-03", NOBODY).decision.reasons


def test_an_iso_date_is_not_a_phone_number():
    assert check("on 2025-04-03", NOBODY).decision.reasons == (F.EXACT_DATE,)


@pytest.mark.parametrize("text", [
    pytest.param("born 1998-03-12", id="dob-iso"),
    pytest.param("born 12.03.1998", id="dob-dotted"),
    pytest.param("born 12/03/1998", id="dob-slashed"),
    pytest.param("interviewed 03.02.2026", id="interview-date"),
])
def test_the_person_s_own_dates_are_named_as_such(text):
    result = check(text)
    assert F.PERSON_DATE in result.decision.reasons
    assert F.EXACT_DATE in result.decision.reasons


@pytest.mark.parametrize("text", [
    pytest.param("born in 1998", id="year-only"),
    pytest.param("in March 2026", id="month-and-year"),
    pytest.param("in May", id="month-only"),
    pytest.param("в марте 2026 года", id="ru-month-year"),
    pytest.param("2026 жылы наурызда", id="kk-month-year"),
])
def test_coarse_dates_pass(text):
    assert check(text).decision.allowed


# Addresses ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    pytest.param("жила на ул. Абая 10", id="ru-ul-abbrev"),
    pytest.param("улица Абая", id="ru-ulitsa"),
    pytest.param("мкр Самал-2", id="ru-microdistrict"),
    pytest.param("кв. 12", id="ru-flat"),
    pytest.param("Абай көшесі", id="kk-street"),
    pytest.param("Абай даңғылы", id="kk-avenue"),
    pytest.param("15 Main Street", id="en-street"),
    pytest.param("Baker street", id="en-street-lower"),
    pytest.param("apt 5", id="en-apartment-abbrev"),
])
def test_addresses_are_blocked(text):
    assert check(text, NOBODY).decision.reasons == (F.ADDRESS,)


# Document numbers --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    pytest.param("passport N12345678", id="passport-letter-8-digits"),
    pytest.param("passport AB1234567", id="passport-two-letters"),
    pytest.param("паспорт N 1234567", id="letter-space-digits"),
    pytest.param("IIN 980312400123", id="iin-12-digits"),
])
def test_document_numbers_are_named_as_such(text):
    assert F.DOCUMENT_NUMBER in check(text, NOBODY).decision.reasons


def test_an_iin_is_blocked():
    assert not check("IIN 980312400123", NOBODY).decision.allowed


def test_a_passport_number_is_not_also_a_phone_number():
    assert check("passport N12345678", NOBODY).decision.reasons == (F.DOCUMENT_NUMBER,)


# Granularity -------------------------------------------------------------------------

@pytest.mark.parametrize(("time", "place", "reasons"), [
    pytest.param(None, None, (), id="none-recorded"),
    pytest.param("year", "country", (), id="year-country"),
    pytest.param("month", "region", (), id="month-region"),
    pytest.param("day", "region", (F.FINE_TIME,), id="day-too-fine"),
    pytest.param("month", "city", (F.FINE_PLACE,), id="city-too-fine"),
    pytest.param("month", "exact", (F.FINE_PLACE,), id="exact-place-too-fine"),
    pytest.param("day", "exact", (F.FINE_TIME, F.FINE_PLACE), id="both-too-fine"),
])
def test_granularity(time, place, reasons):
    result = check("Recruitment through job adverts.", time=time, place=place)
    assert result.decision.reasons == reasons


# Generic thematic sentences must pass ------------------------------------------------

@pytest.mark.parametrize("text", [
    pytest.param("Recruiters target young women through online job adverts for work "
                 "abroad in 2026.", id="recruitment-adverts"),
    pytest.param("Routes go through southern Kazakhstan by bus.", id="routes-by-bus"),
    pytest.param("Recruiters use Instagram and Telegram.", id="social-media"),
    pytest.param("Victims often work 14 hours a day for 3 months.", id="hours-and-months"),
    pytest.param("Around 30 women were recruited in 2025.", id="count-and-year"),
    pytest.param("Workers paid 150 000 tenge per month.", id="six-digit-sum"),
    pytest.param("Recruiters contact girls aged 16 to 18.", id="age-range-words"),
    pytest.param("Victims aged 18-25 are targeted.", id="age-range-hyphen"),
    pytest.param("Cases rose 20% in 2025 compared to 2024.", id="percentages"),
    pytest.param("The route went via Almaty to Moscow.", id="coarse-cities"),
    pytest.param("Victims from Kyrgyzstan and Uzbekistan.", id="countries"),
    pytest.param("Girls recruited via Instagram work in apartments.", id="apartments-plural"),
    pytest.param("Рекрутеры ищут девушек через объявления о работе за границей в 2026 году.",
                 id="ru-recruitment"),
    pytest.param("Маршруты проходят через южный Казахстан на автобусе.", id="ru-routes"),
    pytest.param("Жалдаушылар шетелде жұмыс ұсынады.", id="kk-recruitment"),
    pytest.param("Victims are moved by road to Russia.", id="by-road"),
    pytest.param("Recruiters promise an apartment and a salary.", id="promise-apartment"),
    pytest.param("Әйелдер үй жұмысына тартылады.", id="kk-domestic-work"),
    pytest.param("Recruiters operate in St Petersburg.", id="st-petersburg"),
    pytest.param("Cases rose steadily over 2020-2023.", id="year-range"),
    pytest.param("Debts of 2 000 000 tenge are common.", id="spaced-large-sum"),
    pytest.param("She had debts of 500000 tenge.", id="word-before-large-sum"),
])
def test_generic_thematic_sentences_pass(text):
    result = check(text, time="year", place="country")
    assert result.decision.allowed
    assert result.matches == ()


def test_several_findings_are_all_reported():
    result = check("Gulnara, ул. Абая 10, +7 777 111 22 33, 12 марта", time="day",
                   place="exact")
    assert set(result.decision.reasons) == {F.PERSON_NAME, F.ADDRESS, F.PHONE_NUMBER,
                                            F.EXACT_DATE, F.FINE_TIME, F.FINE_PLACE}
    assert "gulnara" in result.matches


def test_empty_text_with_no_person_passes():
    result = check("", NOBODY)
    assert result.decision.allowed
    assert result.matches == ()


# Privacy review ----------------------------------------------------------------------

@pytest.mark.parametrize(("author", "reviewer", "status", "reasons"), [
    pytest.param("ana", "bob", "pending", (), id="second-person-pending"),
    pytest.param("ana", "ana", "pending", (ReviewReason.SELF_REVIEW,), id="self-review"),
    pytest.param("ana", "bob", "reviewed", (ReviewReason.NOT_PENDING,), id="already-reviewed"),
    pytest.param("ana", "bob", "not_needed", (ReviewReason.NOT_PENDING,), id="not-needed"),
    pytest.param("ana", "ana", "reviewed",
                 (ReviewReason.SELF_REVIEW, ReviewReason.NOT_PENDING), id="both"),
])
def test_can_review_privacy(author, reviewer, status, reasons):
    decision = can_review_privacy(author=author, reviewer=reviewer, status=status)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons
