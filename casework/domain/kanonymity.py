"""k-anonymity for record-level de-identified exports (issue 15, item 4; CTDC uses k = 11).

Each exported record has *quasi-identifiers* (sex, age band, nationality region, year of
registration, minor at exploitation): values that, combined, could point at one person
in a small caseload. A release is k-anonymous when every combination of quasi-identifier
values that appears, appears at least k times.

Method: full-domain generalisation over a small lattice (Samarati; LeFevre's Incognito
searches the same lattice), then suppression of the records still in classes smaller than
k, within a budget. Every quasi-identifier has a ladder from its exact value to "*"; we try
every combination of ladder levels, keep those whose remaining small classes fit the
suppression budget, and choose the one that suppresses the fewest records, then
generalises the least. Pure: no I/O.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

ANY = "*"
DEFAULT_K = 11

Record = Mapping[str, str]
Step = Callable[[str], str]


@dataclass(frozen=True)
class Ladder:
    """How one quasi-identifier is generalised: level 0 is the value itself; each step maps
    a level-0 value to a coarser one; the last level is always "*"."""

    field: str
    steps: tuple[Step, ...] = ()

    @property
    def height(self) -> int:
        return len(self.steps) + 1

    def at(self, level: int, value: str) -> str:
        if level == 0:
            return value
        if level > len(self.steps):
            return ANY
        return self.steps[level - 1](value)


@dataclass(frozen=True)
class Release:
    k: int
    records: list[dict[str, str]]
    levels: dict[str, int]  # ladder level used per quasi-identifier (0 = exact)
    generalised: int  # records with at least one value coarsened
    suppressed: int  # records left out

    @property
    def generalised_fields(self) -> list[str]:
        return [name for name, level in self.levels.items() if level > 0]


class CannotAnonymise(ValueError):
    """No generalisation meets k within the suppression budget."""


# CTDC's ageBroad bands, then coarser groups that keep the child/adult line.
AGE_BANDS = ("0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+")
_AGE_GROUPS = {"0-8": "0-17", "9-17": "0-17", "18-20": "18-29", "21-23": "18-29",
               "24-26": "18-29", "27-29": "18-29", "30-38": "30-47", "39-47": "30-47",
               "48+": "48+"}


def age_band(age: int | None) -> str:
    """CTDC ageBroad band of an age in whole years ("unknown" when not known)."""
    if age is None or age < 0:
        return "unknown"
    for band in AGE_BANDS[:-1]:
        low, high = (int(part) for part in band.split("-"))
        if low <= age <= high:
            return band
    return "48+"


def _age_group(value: str) -> str:
    return _AGE_GROUPS.get(value, value)


def _child_or_adult(value: str) -> str:
    if value == "unknown":
        return value
    return "minor" if _AGE_GROUPS.get(value) == "0-17" else "adult"


def _two_years(value: str) -> str:
    if not value.isdigit():
        return value
    start = int(value) - int(value) % 2
    return f"{start}-{start + 1}"


LADDERS: tuple[Ladder, ...] = (
    Ladder("gender"),
    Ladder("age_band", (_age_group, _child_or_adult)),
    Ladder("nationality_region"),
    Ladder("year_of_registration", (_two_years,)),
    Ladder("minor_at_exploitation"),
)


def anonymise(records: Sequence[Record], *, k: int = DEFAULT_K,
              ladders: Sequence[Ladder] = LADDERS, max_suppressed: float = 0.1) -> Release:
    """The least-distorting k-anonymous release of ``records`` (see the module docstring).

    ``max_suppressed`` is the share of records that may be left out (CTDC left out many
    more); when no generalisation fits the budget, CannotAnonymise is raised rather than
    releasing fewer protected records.
    """
    if k < 2:
        raise ValueError("k must be at least 2")
    budget = int(len(records) * max_suppressed)
    best: tuple[tuple[int, int, int], dict[str, int]] | None = None
    for levels in itertools.product(*(range(ladder.height + 1) for ladder in ladders)):
        chosen = {ladder.field: level for ladder, level in zip(ladders, levels, strict=True)}
        classes = Counter(_key(record, ladders, chosen) for record in records)
        suppressed = sum(size for size in classes.values() if size < k)
        if suppressed > budget:
            continue
        score = (suppressed, sum(levels), max(levels))
        if best is None or score < best[0]:
            best = (score, chosen)
    if best is None:
        raise CannotAnonymise(f"no generalisation reaches k={k}")
    chosen = best[1]
    classes = Counter(_key(record, ladders, chosen) for record in records)
    released: list[dict[str, str]] = []
    generalised = 0
    for record in records:
        key = _key(record, ladders, chosen)
        if classes[key] < k:
            continue
        out = dict(record)
        changed = False
        for ladder, value in zip(ladders, key, strict=True):
            changed |= out[ladder.field] != value
            out[ladder.field] = value
        generalised += changed
        released.append(out)
    return Release(k=k, records=released, levels=chosen, generalised=generalised,
                   suppressed=len(records) - len(released))


def smallest_class(records: Sequence[Record], fields: Sequence[str]) -> int:
    """The size of the smallest group of records sharing their values of ``fields``."""
    if not records:
        return 0
    return min(Counter(tuple(r[f] for f in fields) for r in records).values())


def _key(record: Record, ladders: Sequence[Ladder], levels: Mapping[str, int]
         ) -> tuple[str, ...]:
    return tuple(ladder.at(levels[ladder.field], record[ladder.field]) for ladder in ladders)
