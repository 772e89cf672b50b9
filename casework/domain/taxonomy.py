"""Controlled vocabularies for intelligence entries (intelligence-and-mou.md 6(c), rules
49-56): thematic/specific, the four subject areas, the five source types, 3x5x2 grading,
and the `thb` tag predicates aligned with HTCDS 2.0 and CTDC."""

from __future__ import annotations

from enum import Enum


class EntryKind(str, Enum):
    THEMATIC = "thematic"  # rule 49: identifies no specific person or event
    SPECIFIC = "specific"  # rule 50


class SubjectArea(str, Enum):  # rules 51-55
    RECRUITMENT = "recruitment_methods"
    ROUTES = "routes"
    MODUS_OPERANDI = "modus_operandi"
    EXPLOITATION = "exploitation_and_abuse"


class SourceType(str, Enum):  # rule 56
    OPEN_SOURCES = "open_sources"
    OTHER_OFFICE = "other_office"
    LAW_ENFORCEMENT = "law_enforcement"
    PARTNER = "partner_organisation"
    VICTIM_OR_CLOSE_PERSON = "victim_or_close_person"


class SourceEvaluation(str, Enum):  # 3x5x2: the "3"
    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"


class IntelAssessment(str, Enum):  # the "5"
    KNOWN_DIRECTLY = "A"
    INDIRECT_CORROBORATED = "B"
    INDIRECT = "C"
    NOT_KNOWN = "D"
    SUSPECTED_FALSE = "E"


class HandlingCode(str, Enum):  # the "2"
    PERMITTED = "P"
    CONDITIONS = "C"


class Granularity(str, Enum):
    """How precisely a time or place is recorded; thematic entries stay coarse."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    COUNTRY = "country"
    REGION = "region"
    CITY = "city"
    EXACT = "exact"


THEMATIC_TIME = frozenset({Granularity.YEAR, Granularity.MONTH})
THEMATIC_PLACE = frozenset({Granularity.COUNTRY, Granularity.REGION})

TAGS: dict[str, tuple[str, ...]] = {
    "exploitation-type": (
        "forced-labour", "sexual-exploitation", "domestic-servitude", "criminal-exploitation",
        "forced-begging", "forced-marriage", "child-labour", "organ-removal", "forced-adoption",
        "slavery-and-similar-practices", "other"),
    "means-of-control": (
        "debt-bondage", "takes-earnings", "restricts-financial-access", "threats",
        "threats-to-family", "threat-of-law-enforcement", "psychological-abuse",
        "physical-abuse", "sexual-abuse", "false-promises", "psychoactive-substances",
        "restricts-movement", "restricts-medical-care", "excessive-working-hours",
        "withholds-necessities", "withholds-documents", "other"),
    "recruitment-method": (
        "place-of-business", "educational-institution", "at-work", "online-social-network",
        "online-advertisement", "tv-advert", "newspaper-advert", "family-events",
        "friends-social-events", "abduction", "other"),
    "phase": ("recruitment", "transit", "exploitation", "movement-within-country",
              "re-trafficking"),
    "documents": ("genuine", "forged", "fraudulently-obtained", "withheld-by-exploiter", "none"),
    "indicator": (
        "deceptive-recruitment", "coercive-recruitment", "recruitment-abuse-of-vulnerability",
        "exploitative-conditions", "coercion-at-destination",
        "abuse-of-vulnerability-at-destination"),
}


def is_known_tag(tag: str) -> bool:
    """Tags are written ``predicate:value`` (e.g. ``phase:transit``)."""
    predicate, _, value = tag.partition(":")
    return value in TAGS.get(predicate, ())


# Every source starts as "2 untested" until corroborated; a victim's own account in
# particular is never graded reliable on arrival (issue 4, item 4).
DEFAULT_SOURCE_EVALUATION = SourceEvaluation.UNTESTED
