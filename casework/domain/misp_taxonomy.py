"""The `thb` intelligence taxonomy as a MISP taxonomy (issue 15, item 4;
intelligence-and-mou.md 6(c)), so a police MISP instance can load the same words our
entries are tagged with. Pure: built from casework.domain.taxonomy."""

from __future__ import annotations

from typing import Any

from casework.domain.taxonomy import (
    TAGS,
    EntryKind,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
)

NAMESPACE = "thb"
# Raised whenever a predicate or value is added or removed (MISP compares versions).
VERSION = 1

_PREDICATES: dict[str, str] = {
    "entry-type": "Thematic (identifies no person or event) or specific intelligence.",
    "exploitation-type": "Form of exploitation (HTCDS 2.0 vic_TypeOfExploitation, CTDC).",
    "means-of-control": "Means of control (HTCDS 2.0 vic_MethodsOfControl, CTDC).",
    "recruitment-method": "How the person was recruited (HTCDS 2.0 vic_MethodOfRecruitment).",
    "phase": "Phase of the trafficking process (HTCDS 2.0 hte_Type).",
    "documents": "State of identity or travel documents.",
    "indicator": "ILO indicator dimension of trafficking for forced labour.",
    "source-evaluation": "3x5x2 grading: source evaluation.",
    "intel-assessment": "3x5x2 grading: intelligence assessment.",
    "handling": "3x5x2 grading: handling code.",
}

_GRADING: dict[str, list[tuple[str, str]]] = {
    "entry-type": [(kind.value, kind.value) for kind in EntryKind],
    "source-evaluation": [(f"{e.value}-{e.name.lower().replace('_', '-')}",
                           e.name.capitalize().replace("_", " ")) for e in SourceEvaluation],
    "intel-assessment": [(a.value, a.name.capitalize().replace("_", " ")) for a in IntelAssessment],
    "handling": [(h.value, h.name.capitalize()) for h in HandlingCode],
}


def _expanded(value: str) -> str:
    return value.replace("-", " ").capitalize()


def build() -> dict[str, Any]:
    """The taxonomy as MISP's machinetag.json structure."""
    values = []
    for predicate in _PREDICATES:
        if predicate in TAGS:
            entries = [{"value": v, "expanded": _expanded(v)} for v in TAGS[predicate]]
        else:
            entries = [{"value": v, "expanded": e} for v, e in _GRADING[predicate]]
        values.append({"predicate": predicate, "entry": entries})
    return {
        "namespace": NAMESPACE,
        "description": ("Human trafficking intelligence shared by organisations supporting "
                        "victims with police under a memorandum of understanding (Senim). "
                        "Aligned with IOM HTCDS 2.0 and the CTDC codebook."),
        "version": VERSION,
        "expanded": "Trafficking in human beings",
        "refs": ["https://github.com/UNMigration/HTCDS"],
        "predicates": [{"value": p, "expanded": _expanded(p), "description": d}
                       for p, d in _PREDICATES.items()],
        "values": values,
    }
