"""What an intelligence entry page shows of its versions (issue 11).

* Everyone who reads intelligence: the version list (number, state, date) and, if a
  version of the entry was disclosed, which one and whether the entry changed since (with
  the words changed).
* Proposed changes: their text and the identifier check only to staff who may read the
  source person; to everyone else only how many wait, the same whatever they contain.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from casework.domain.versions import VersionState, can_review_privacy
from casework.models import IntelEntry, IntelEntryVersion, Staff
from casework.services import disclosure_versions, entry_changes, entry_versions, intel
from casework.services.context import Ctx


@dataclass(frozen=True)
class Proposal:
    version: IntelEntryVersion
    text: str
    changes: list[tuple[str, str]]  # (op, words): op is "same", "added" or "removed"
    findings: intel.ThematicCheck | None
    outdated: bool


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences from ``old`` to ``new``."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", " ".join(b[j1:j2])))
    return out


def page(c: Ctx, staff: Staff, entry: IntelEntry, current_text: str) -> dict[str, Any]:
    """Template values for the versions part of ``intel/detail.html``."""
    history = entry_versions.history(c, entry)
    person = entry_changes.source_of(c, entry)
    reader = person is not None and entry_changes.may_read_source(c, staff, person)
    current = next((v for v in history if v.state == VersionState.CURRENT.value), None)
    waiting = [v for v in history if v.state == VersionState.PROPOSED.value]
    proposals = []
    if reader:
        for version in waiting:
            text = intel.read_version(c, entry, version).content["text"]
            proposals.append(Proposal(
                version, text, word_diff(current_text, text),
                entry_changes.thematic_findings(c, staff, entry, version),
                outdated=current is not None and version.base_number != current.number))
    may_review = current is not None and can_review_privacy(
        reviewer=staff.public_id, version=entry_versions.facts(current),
        history=[entry_versions.facts(v) for v in history]).allowed
    disclosed = disclosure_versions.disclosed_versions(c, entry)
    changed_since: list[tuple[str, str]] = []
    if disclosed and not disclosed[0].current:
        last = next((v for v in history if v.number == disclosed[0].version_number), None)
        if last is not None:
            old = intel.read_version(c, entry, last).content["text"]
            changed_since = word_diff(old, current_text)
    return {"versions": [v for v in history if v.state in (VersionState.CURRENT.value,
                                                          VersionState.SUPERSEDED.value)],
            "proposals": proposals, "waiting": len(waiting), "source_reader": reader,
            "may_review_version": may_review, "disclosed": disclosed,
            "changed_since_disclosure": changed_since}
