"""Small-cell protection for published counts (issue 15, item 2; rule 200).

A statistic is a set of *aggregates*: each is the sum of some *base cells* (for example
"women exploited in March 2026" is one base cell; "all people in Q1 2026" sums many). We
publish every aggregate either as its exact count or as suppressed:

- **primary suppression**: a count from 0 to k-1 is shown as "fewer than k". Zeros too:
  a published zero next to a "fewer than k" would tell the reader that it means at least
  one, and with a small k, exactly one;
- **complementary suppression**: a count that would let a reader work a suppressed value
  back out, from totals, from other cells or from the difference between two periods, is
  withheld too.

"Work back out" is checked, not assumed: for every suppressed aggregate we solve two linear
programmes over everything a reader knows (each published count, each "fewer than k" meaning
0..k-1, each withheld count meaning at least k, every cell at least 0) and require the
smallest and largest possible values to differ by at least one whole person. While some
suppressed aggregate is pinned down, the smallest related count of at least k is withheld
as well, and the check runs again. This is the audit that statistical offices run with
tau-Argus, on a small scale. The linear programmes are solved by SciPy's HiGHS.

Pure: no I/O, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

DEFAULT_K = 5


class Unprotectable(ValueError):
    """No set of further suppressions hides this count; the table must not be published."""


class Shown(Enum):
    VALUE = "value"
    FEWER_THAN_K = "fewer_than_k"  # primary: 0..k-1
    WITHHELD = "withheld"  # complementary: shown only as withheld


@dataclass(frozen=True)
class Aggregate:
    """A published count: the sum of ``members`` (indices of base cells)."""

    key: Hashable
    members: frozenset[int]


@dataclass(frozen=True)
class Published:
    key: Hashable
    shown: Shown
    value: int | None  # None unless shown is VALUE

    @property
    def suppressed(self) -> bool:
        return self.shown is not Shown.VALUE


@dataclass(frozen=True)
class Result:
    k: int
    cells: dict[Hashable, Published]

    def __getitem__(self, key: Hashable) -> Published:
        return self.cells[key]

    @property
    def suppressed_count(self) -> int:
        return sum(1 for cell in self.cells.values() if cell.suppressed)


Partners = Callable[[Hashable], Iterable[Sequence[Hashable]]]


def protect(base: Sequence[int], aggregates: Sequence[Aggregate], *, k: int = DEFAULT_K,
            partners: Partners | None = None) -> Result:
    """Decide how each aggregate is published so that no suppressed one can be derived.

    ``partners(key)`` may propose sets of aggregates (by key) whose withholding together
    would hide ``key`` (for a table: the other corners of a rectangle, the hypercube
    method); the cheapest set that works is taken before single complements are tried."""
    if k < 2:
        raise ValueError("k must be at least 2")
    if any(v < 0 for v in base):
        raise ValueError("counts are never negative")
    if len({a.key for a in aggregates}) != len(aggregates):
        raise ValueError("aggregate keys must be unique")
    # Two aggregates over the same cells (a year that is the whole history so far) are one
    # count: they are decided together, or one would give the other away.
    groups: dict[frozenset[int], Aggregate] = {}
    for a in aggregates:
        groups.setdefault(a.members, Aggregate(a.members, a.members))
    unique = list(groups.values())
    values = {g.key: sum(base[i] for i in g.members) for g in unique}
    primary = {g.key for g in unique if values[g.key] < k}
    withheld: set[Hashable] = set()
    by_key = {g.key: g for g in unique}
    group_of = {a.key: a.members for a in aggregates}
    original: dict[Hashable, Hashable] = {}
    for a in aggregates:
        original.setdefault(a.members, a.key)
    # Withholding a published count only widens what a reader can infer (an exact value
    # becomes "at least k"), so a suppressed count found safe stays safe: each one is
    # audited once, and again only while it is still pinned down.
    queue = [g.key for g in unique if g.key in primary]  # small aggregates first
    queue.sort(key=lambda key: (len(by_key[key].members), str(sorted(by_key[key].members))))
    while queue:
        key = queue.pop(0)
        while _pinned(len(base), unique, values, primary, withheld, k, by_key[key]):
            if partners is not None:
                chosen = _cheapest_set(len(base), unique, values, primary, withheld, k,
                                       by_key[key], [[group_of[p] for p in proposal
                                                      if p in group_of]
                                                     for proposal in partners(original[key])])
                if chosen:
                    withheld.update(chosen)
                    queue.extend(chosen)
                    continue
            candidate = _complement_for(by_key[key], unique, values, primary, withheld, k)
            if candidate is None:
                # Nothing left that could hide it: refuse to publish rather than leak.
                raise Unprotectable(key)
            withheld.add(candidate)
            queue.append(candidate)
    cells: dict[Hashable, Published] = {}
    for a in aggregates:
        if a.members in primary:
            cells[a.key] = Published(a.key, Shown.FEWER_THAN_K, None)
        elif a.members in withheld:
            cells[a.key] = Published(a.key, Shown.WITHHELD, None)
        else:
            cells[a.key] = Published(a.key, Shown.VALUE, values[a.members])
    return Result(k=k, cells=cells)


def feasible_range(n_base: int, aggregates: Sequence[Aggregate], published: Result,
                   target: Hashable) -> tuple[float, float]:
    """The smallest and largest value of ``target`` consistent with what was published
    (the reader's view: the linear relaxation over non-negative cells)."""
    by_key = {a.key: a for a in aggregates}
    return _range(n_base, aggregates, _bounds_from(published, aggregates), by_key[target])


def _bounds_from(published: Result, aggregates: Sequence[Aggregate]
                 ) -> dict[Hashable, tuple[float, float | None]]:
    bounds: dict[Hashable, tuple[float, float | None]] = {}
    for a in aggregates:
        cell = published.cells[a.key]
        if cell.shown is Shown.VALUE:
            assert cell.value is not None
            bounds[a.key] = (cell.value, cell.value)
        elif cell.shown is Shown.FEWER_THAN_K:
            bounds[a.key] = (0, published.k - 1)
        else:
            bounds[a.key] = (published.k, None)
    return bounds


def _pinned(n_base: int, aggregates: Sequence[Aggregate], values: Mapping[Hashable, int],
            primary: set[Hashable], withheld: set[Hashable], k: int, target: Aggregate) -> bool:
    bounds: dict[Hashable, tuple[float, float | None]] = {}
    for a in aggregates:
        if a.key in primary:
            bounds[a.key] = (0, k - 1)
        elif a.key in withheld:
            bounds[a.key] = (k, None)
        else:
            bounds[a.key] = (values[a.key], values[a.key])
    low, high = _range(n_base, aggregates, bounds, target)
    return high - low < 1 - 1e-7


def _cheapest_set(n_base: int, aggregates: Sequence[Aggregate], values: Mapping[Hashable, int],
                  primary: set[Hashable], withheld: set[Hashable], k: int, target: Aggregate,
                  proposals: Sequence[Sequence[Hashable]]) -> list[Hashable]:
    """The proposal that hides ``target`` at the least cost (the counts newly withheld)."""
    usable = []
    for proposal in proposals:
        new = [key for key in dict.fromkeys(proposal)
               if key not in primary and key not in withheld and key != target.key]
        if not new or any(values[key] < k for key in new):
            continue
        usable.append((sum(values[key] for key in new), len(new), str(new), new))
    usable.sort(key=lambda item: item[:3])
    for _, _, _, new in usable:
        if not _pinned(n_base, aggregates, values, primary, withheld | set(new), k, target):
            return new
    return []


def _complement_for(exposed: Aggregate, aggregates: Sequence[Aggregate],
                    values: Mapping[Hashable, int], primary: set[Hashable],
                    withheld: set[Hashable], k: int) -> Hashable | None:
    """The smallest published count of at least k that shares cells with ``exposed``:
    withholding it gives the reader a second unknown in the same relation."""
    open_ = [a for a in aggregates
             if a.key not in primary and a.key not in withheld and values[a.key] >= k
             and a.members != exposed.members]
    parents = [p.members for p in aggregates if exposed.members < p.members]
    related = [a for a in open_
               if a.members & exposed.members or any(a.members <= p for p in parents)]
    if not related:
        return None
    # Prefer a sibling or a part (withholding it keeps the totals readable) over a total
    # that contains the exposed count; then a count of at least 2k (a reader who learns
    # "at least k" of a count just above k could pin it, which starts a cascade), the
    # smallest such (the least lost); then a stable order.
    related.sort(key=lambda a: (a.members >= exposed.members, values[a.key] < 2 * k,
                                values[a.key], len(a.members), str(sorted(a.members))))
    return related[0].key


def _range(n_base: int, aggregates: Sequence[Aggregate],
           bounds: Mapping[Hashable, tuple[float, float | None]], target: Aggregate
           ) -> tuple[float, float]:
    rows_eq, rhs_eq, rows_ub, rhs_ub = [], [], [], []
    for a in aggregates:
        row = np.zeros(n_base)
        row[list(a.members)] = 1.0
        low, high = bounds[a.key]
        if high is not None and low == high:
            rows_eq.append(row)
            rhs_eq.append(low)
            continue
        rows_ub.append(-row)
        rhs_ub.append(-low)
        if high is not None:
            rows_ub.append(row)
            rhs_ub.append(high)
    objective = np.zeros(n_base)
    objective[list(target.members)] = 1.0
    kwargs = {
        "A_eq": np.array(rows_eq) if rows_eq else None, "b_eq": rhs_eq or None,
        "A_ub": np.array(rows_ub) if rows_ub else None, "b_ub": rhs_ub or None,
        "bounds": [(0, None)] * n_base, "method": "highs",
    }
    # Imported here: SciPy's optimiser takes about a second to import, which every web
    # worker and command would pay at start-up for a check only statistics runs (issue 12).
    from scipy.optimize import linprog

    low = linprog(objective, **kwargs)
    high = linprog(-objective, **kwargs)
    if low.status != 0:
        raise ValueError("published counts are inconsistent")
    upper = float("inf") if high.status == 3 else -float(high.fun)
    return float(low.fun), upper


Period = tuple[object, ...]


GRANULARITIES = ("month", "quarter", "year", "all")


def month_periods(months: Sequence[tuple[int, int]],
                  granularities: Sequence[str] = GRANULARITIES) -> dict[Period, frozenset[int]]:
    """Every period a reader may ask for, as the months (indices into ``months``) it spans:
    each month, quarter and year (those of ``granularities``) and the whole history."""
    periods: dict[Period, set[int]] = {("all",): set()}
    for index, (year, month) in enumerate(months):
        if "month" in granularities:
            periods.setdefault(("month", year, month), set()).add(index)
        if "quarter" in granularities:
            periods.setdefault(("quarter", year, (month - 1) // 3 + 1), set()).add(index)
        if "year" in granularities:
            periods.setdefault(("year", year), set()).add(index)
        periods[("all",)].add(index)
    return {key: frozenset(members) for key, members in periods.items()}


def _parent(period: Period) -> Period | None:
    kind = period[0]
    if kind == "month":
        return ("quarter", period[1], (int(period[2]) - 1) // 3 + 1)  # type: ignore[call-overload]
    if kind == "quarter":
        return ("year", period[1])
    if kind == "year":
        return ("all",)
    return None


def rectangles(categories: Sequence[str], periods: Iterable[Period]) -> Partners:
    """Partners for a category x period table: for a count (c, p), a sibling period p'
    (same parent) and another category c', the other corners (c, p'), (c', p), (c', p'),
    and the single neighbours alone. Cheapest first is decided by ``protect``."""
    known = list(periods)

    def siblings(period: Period) -> list[Period]:
        parent = _parent(period)
        same = [q for q in known if q[0] == period[0] and q != period]
        if parent is None:
            return []
        return [q for q in same if _parent(q) == parent] or \
            [q for q in known if q == parent]

    def propose(key: Hashable) -> Iterable[Sequence[Hashable]]:
        if not isinstance(key, tuple) or len(key) != 2:
            return []
        category: str = key[0]
        period: Period = key[1]
        others = [c for c in (*categories, "*") if c != category]
        proposals: list[Sequence[Hashable]] = []
        for q in siblings(period):
            proposals.append([(category, q)])
            for c in others:
                proposals.append([(category, q), (c, period), (c, q)])
        for c in others:
            proposals.append([(c, period)])
        return proposals

    return propose


def period_table(categories: Sequence[str], months: Sequence[tuple[int, int]],
                 granularities: Sequence[str] = GRANULARITIES,
                 ) -> tuple[dict[tuple[str, int], int], list[Aggregate]]:
    """Base cells (category, month index) and the aggregates published for them: every
    category and the total, for every period. Protecting them together is what stops a
    reader from subtracting one period from another."""
    cells = {(category, m): i for i, (category, m) in
             enumerate((c, m) for c in categories for m in range(len(months)))}
    aggregates: list[Aggregate] = []
    for period, span in month_periods(months, granularities).items():
        for category in categories:
            aggregates.append(Aggregate((category, period),
                                        frozenset(cells[(category, m)] for m in span)))
        aggregates.append(Aggregate(("*", period),
                                    frozenset(cells[(c, m)] for c in categories for m in span)))
    return cells, aggregates
