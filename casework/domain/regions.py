"""Nationality to world region, for statistics (issue 15): a region, never the country,
is what leaves in a de-identified table or export (intelligence-and-mou.md 6(c) 14).

Nationalities are typed freely on the person's record, in Kazakh, Russian or English, as a
country name or an adjective. Unknown spellings count as "other", never as a guess.
"""

from __future__ import annotations

import re

# UN M49 sub-regions that matter for a Central Asian caseload; the rest is "other".
_REGIONS: dict[str, tuple[str, ...]] = {
    "central_asia": (
        "kazakhstan", "kazakh", "kazakhstani", "қазақстан", "қазақ", "казахстан", "казах",
        "казашка", "казахстанец", "казахстанка",
        "kyrgyzstan", "kyrgyz", "kirghiz", "қырғызстан", "қырғыз", "кыргызстан",
        "киргизия", "кыргыз", "киргиз", "кыргызка", "киргизка",
        "uzbekistan", "uzbek", "өзбекстан", "өзбек", "узбекистан", "узбек", "узбечка",
        "tajikistan", "tajik", "тәжікстан", "тәжік", "таджикистан", "таджик", "таджичка",
        "turkmenistan", "turkmen", "түрікменстан", "түрікмен", "туркменистан", "туркмен",
        "туркменка"),
    "eastern_europe": (
        "russia", "russian", "ресей", "орыс", "россия", "русский", "русская", "россиянин",
        "россиянка", "ukraine", "ukrainian", "украина", "украин", "украинец", "украинка",
        "belarus", "belarusian", "беларусь", "белорус", "белоруска", "moldova", "moldovan",
        "молдова", "молдаван", "молдаванка"),
    "western_asia": (
        "turkey", "turkish", "türkiye", "түркия", "турция", "турок", "турчанка",
        "azerbaijan", "azerbaijani", "әзірбайжан", "азербайджан", "азербайджанец",
        "азербайджанка", "armenia", "armenian", "армения", "армянин", "армянка",
        "georgia", "georgian", "грузия", "грузин", "грузинка", "uae", "emirates", "эмираты",
        "бәа", "оаэ"),
    "southern_asia": (
        "afghanistan", "afghan", "ауғанстан", "афганистан", "афганец", "афганка",
        "pakistan", "pakistani", "пәкістан", "пакистан", "пакистанец", "india", "indian",
        "үндістан", "индия", "индиец", "индианка", "iran", "iranian", "иран", "иранец",
        "bangladesh", "бангладеш", "nepal", "непал"),
    "eastern_asia": (
        "china", "chinese", "қытай", "китай", "китаец", "китаянка", "mongolia", "mongolian",
        "моңғолия", "монголия", "монгол", "korea", "korean", "корея", "кореец", "кореянка"),
}
_LOOKUP = {name: region for region, names in _REGIONS.items() for name in names}
_STEMS = sorted(((n, r) for n, r in _LOOKUP.items() if len(n) >= 5 and " " not in n),
                key=lambda item: -len(item[0]))
REGIONS = (*_REGIONS, "other", "unknown")


def region_of(nationality: str | None) -> str:
    """The world region of a typed nationality ("unknown" when none was given)."""
    if not nationality or not nationality.strip():
        return "unknown"
    words = re.findall(r"\w+", nationality.casefold())
    for word in (" ".join(words), *words):
        if word in _LOOKUP:
            return _LOOKUP[word]
    # Russian and Kazakh inflect ("гражданка Узбекистана", "Қазақстаннан"): a known name of
    # five letters or more at the start of a word counts.
    for word in words:
        for name, region in _STEMS:
            if word.startswith(name):
                return region
    return "other"
