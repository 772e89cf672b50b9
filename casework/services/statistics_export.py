"""Record-level de-identified export in HTCDS 2.0 / CTDC terms (issue 15, item 4).

One row per person who agreed to statistical use, built only from ``PersonFacts`` (no
name, case code, date, phone, free text or place finer than a world region), then made
k-anonymous over its quasi-identifiers (sex, age band, nationality region, year of
registration, majority status) by ``casework.domain.kanonymity``. The release says how
many records were generalised and how many were left out.

Field names follow HTCDS 2.0 (``vic_*``) and the CTDC global dataset (``yearOfRegistration``,
``ageBroad``, ``majorityStatus``, ``is*`` flags); intelligence-and-mou.md sections 3.1-3.2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from casework.domain.kanonymity import (
    LADDERS,
    CannotAnonymise,
    Ladder,
    Release,
    anonymise,
)
from casework.domain.statistics import PersonFacts, counted
from casework.services import statistics
from casework.services.context import Ctx

# Our screening outcome -> HTCDS vic_TraffickingStatus, decided by the NGO.
TRAFFICKING_STATUS = {"trafficking": "Actual", "undetermined": "Possible",
                      "smuggling": "Not a victim of trafficking",
                      "other_abuse": "Not a victim of trafficking", "not_screened": ""}
# Our purposes (Palermo) -> HTCDS vic_TypeOfExploitation values.
EXPLOITATION = {"sexual_exploitation": "sexual exploitation", "forced_labour": "forced labour",
                "slavery_or_similar": "servitude", "servitude": "servitude",
                "organ_removal": "organ removal", "forced_begging": "forced begging",
                "forced_marriage": "forced marriage", "criminal_exploitation": "other",
                "other": "other"}
# Our means (Palermo) -> HTCDS vic_MethodsOfControl (closest value; "other" otherwise).
CONTROL = {"threat": "physical threats", "force": "physical abuse", "fraud": "false promises",
           "deception": "false promises", "abduction": "other", "other_coercion": "other",
           "abuse_of_power": "other", "abuse_of_vulnerability": "other",
           "payments_to_controller": "debt bondage"}
GENDER = {"female": "Female", "male": "Male", "other": "Other", "not_stated": "Unknown"}
CTDC_FLAGS = (("isForcedLabour", {"forced_labour", "forced_begging"}),
              ("isSexualExploit", {"sexual_exploitation"}),
              ("isForcedMarriage", {"forced_marriage"}),
              ("isOrganRemoval", {"organ_removal"}),
              ("isSlaveryAndPractices", {"slavery_or_similar", "servitude"}),
              ("isOtherExploit", {"criminal_exploitation", "other"}))

# Quasi-identifiers (what a neighbour could know) and how each is generalised.
QUASI_IDENTIFIERS: tuple[Ladder, ...] = (
    *[ladder for ladder in LADDERS if ladder.field != "minor_at_exploitation"],
    Ladder("majority_status"))
COLUMNS = ("yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus",
           "citizenshipRegion", "vic_TraffickingStatus",
           "vic_TraffickingStatusDecisionMakingOrg", "vic_TypeOfExploitation",
           "vic_MethodsOfControl", *[name for name, _ in CTDC_FLAGS])
_RENAMED = {"year_of_registration": "yearOfRegistration", "age_band": "ageBroad",
            "majority_status": "majorityStatus", "nationality_region": "citizenshipRegion"}


@dataclass(frozen=True)
class HtcdsExport:
    k: int
    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    considered: int  # people who agreed
    generalised: int
    suppressed: int
    generalised_fields: list[str]
    excluded_refused: int
    excluded_not_asked: int


def record_of(facts: PersonFacts) -> dict[str, str]:
    """One person as an HTCDS/CTDC row (quasi-identifiers under their ladder names)."""
    purposes = set(facts.exploitation)
    row = {
        "year_of_registration": str(facts.registered.year),
        "Datasource": "Case Management",
        "gender": GENDER.get(facts.gender, "Unknown"),
        "age_band": facts.age_band,
        "majority_status": "Minor" if facts.minor else
        ("unknown" if facts.age_band == "unknown" else "Adult"),
        "nationality_region": facts.nationality_region,
        "vic_TraffickingStatus": TRAFFICKING_STATUS.get(facts.outcome, ""),
        "vic_TraffickingStatusDecisionMakingOrg": "NGO" if facts.outcome != "not_screened"
        else "",
        "vic_TypeOfExploitation": ";".join(sorted({EXPLOITATION.get(p, "other")
                                                   for p in purposes})),
        "vic_MethodsOfControl": ";".join(sorted({CONTROL.get(m, "other")
                                                 for m in facts.means})),
    }
    for name, codes in CTDC_FLAGS:
        row[name] = "1" if purposes & codes else "0"
    return row


def release(facts: Sequence[PersonFacts], *, k: int) -> HtcdsExport:
    """The k-anonymous release of the people who agreed (pure apart from its input)."""
    included, exclusions = counted(facts)
    records = [record_of(person) for person in included]
    try:
        anonymous: Release = anonymise(records, k=k, ladders=QUASI_IDENTIFIERS)
    except CannotAnonymise:
        # Too few people to hide anyone among k: nothing is released.
        anonymous = Release(k=k, records=[], levels={}, generalised=0,
                            suppressed=len(records))
    rows = [{_RENAMED.get(key, key): value for key, value in record.items()}
            for record in anonymous.records]
    rows.sort(key=lambda row: tuple(row[c] for c in COLUMNS))  # no trace of record order
    return HtcdsExport(
        k=k, columns=COLUMNS, rows=rows, considered=len(records),
        generalised=anonymous.generalised, suppressed=anonymous.suppressed,
        generalised_fields=[_RENAMED.get(f, f) for f in anonymous.generalised_fields],
        excluded_refused=exclusions.refused, excluded_not_asked=exclusions.not_asked)


def htcds(ctx: Ctx, *, k: int) -> HtcdsExport:
    return release(statistics.collect(ctx), k=k)
