"""Small-cell protection (issue 15, item 2): decision tables and properties.

The properties check the published tables with an INTEGER programme (scipy's milp), which
is independent of the linear relaxation the protection itself uses: for every suppressed
count, at least two whole numbers must remain possible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from casework.domain.suppression import (
    Aggregate,
    Shown,
    Unprotectable,
    feasible_range,
    period_table,
    protect,
    rectangles,
)


def _integer_range(n: int, aggregates: list[Aggregate], result, target) -> tuple[int, int]:
    rows, low, high = [], [], []
    for a in aggregates:
        row = np.zeros(n)
        row[list(a.members)] = 1
        cell = result[a.key]
        rows.append(row)
        if cell.shown is Shown.VALUE:
            low.append(cell.value)
            high.append(cell.value)
        elif cell.shown is Shown.FEWER_THAN_K:
            low.append(0)
            high.append(result.k - 1)
        else:
            low.append(result.k)
            high.append(np.inf)
    constraint = LinearConstraint(np.array(rows), low, high)
    objective = np.zeros(n)
    target_members = next(a.members for a in aggregates if a.key == target)
    objective[list(target_members)] = 1
    options = {"constraints": [constraint], "integrality": np.ones(n),
               "bounds": Bounds(0, np.inf)}
    smallest = milp(objective, **options)
    largest = milp(-objective, **options)
    assert smallest.status == 0
    top = np.inf if largest.status != 0 else round(-largest.fun)
    return round(smallest.fun), top


def _assert_nothing_derivable(base, aggregates, result) -> None:
    for a in aggregates:
        if result[a.key].suppressed:
            low, high = _integer_range(len(base), aggregates, result, a.key)
            assert high - low >= 1, f"{a.key} is pinned to {low}"


def _one_dimensional(values: list[int]) -> list[Aggregate]:
    aggregates = [Aggregate(("cell", i), frozenset({i})) for i in range(len(values))]
    aggregates.append(Aggregate(("total",), frozenset(range(len(values)))))
    return aggregates


# --- decision table: one row with its total ------------------------------------------------

@pytest.mark.parametrize(("values", "k", "expected"), [
    # nothing small: everything shown
    ([10, 20, 30], 5, ["value", "value", "value", "value"]),
    # a zero is "fewer than k" too (else the other small cells would read as "at least
    # one"); its partner is withheld so that the total cannot give it away
    ([0, 20, 30], 5, ["fewer_than_k", "withheld", "value", "value"]),
    # one small cell: it is suppressed, and so is its smallest partner (else total - rest)
    ([3, 20, 30], 5, ["fewer_than_k", "withheld", "value", "value"]),
    # two small cells hide each other
    ([3, 2, 30], 5, ["fewer_than_k", "fewer_than_k", "value", "value"]),
    # k is configurable: 4 is small for k=5, not for k=3
    ([4, 20, 30], 4, ["value", "value", "value", "value"]),
    # a small total: suppressed; the cells under it are small too
    ([1, 2, 0], 5, ["fewer_than_k", "fewer_than_k", "fewer_than_k", "fewer_than_k"]),
    # k-1 is the largest suppressed value, k the smallest shown
    ([5, 20, 30], 5, ["value", "value", "value", "value"]),
])
def test_one_row_with_total(values: list[int], k: int, expected: list[str]) -> None:
    aggregates = _one_dimensional(values)
    result = protect(values, aggregates, k=k)
    assert [result[a.key].shown.value for a in aggregates] == expected
    _assert_nothing_derivable(values, aggregates, result)


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError):
        protect([1], _one_dimensional([1]), k=1)
    with pytest.raises(ValueError):
        protect([-1], _one_dimensional([-1]))


def test_one_person_of_a_rare_nationality_in_one_month_is_never_revealed() -> None:
    """The acceptance example: one person from a rare nationality in March; the cell is not
    shown, and neither the March total, the quarter, the year nor another period lets a
    reader subtract it back out."""
    nationalities = ["kz", "uz", "kg", "rare"]
    months = [(2026, m) for m in range(1, 7)]
    cells, aggregates = period_table(nationalities, months)
    base = [0] * len(cells)
    for (nationality, m), index in cells.items():
        base[index] = {"kz": 12 + m, "uz": 7 + m, "kg": 6 + (m % 3)}.get(nationality, 0)
    base[cells[("rare", 2)]] = 1  # March
    result = protect(base, aggregates)
    rare_march = ("rare", ("month", 2026, 3))
    assert result[rare_march].shown is Shown.FEWER_THAN_K
    for a in aggregates:
        if a.key[0] == "rare":
            assert result[a.key].shown is not Shown.VALUE
    low, high = feasible_range(len(base), aggregates, result, rare_march)
    assert high - low >= 1
    _assert_nothing_derivable(base, aggregates, result)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=2, max_value=3), st.integers(min_value=2, max_value=3),
       st.data(), st.integers(min_value=2, max_value=5))
def test_no_suppressed_value_is_derivable(n_categories: int, n_months: int,
                                          data: st.DataObject, k: int) -> None:
    categories = [f"c{i}" for i in range(n_categories)]
    months = [(2025 + (m // 12), m % 12 + 1) for m in range(9, 9 + n_months)]
    cells, aggregates = period_table(categories, months)
    base = data.draw(st.lists(st.integers(min_value=0, max_value=12), min_size=len(cells),
                              max_size=len(cells)))
    try:
        result = protect(base, aggregates, k=k, partners=rectangles(categories, [
            period for _, period in {a.key for a in aggregates}]))
    except Unprotectable:
        return  # refusing to publish the table is always safe
    for a in aggregates:
        value = sum(base[i] for i in a.members)
        cell = result[a.key]
        if value < k:
            assert cell.shown is Shown.FEWER_THAN_K
        if cell.shown is Shown.VALUE:
            assert cell.value == value
    _assert_nothing_derivable(base, aggregates, result)


@pytest.mark.parametrize("seed", range(12))
def test_ordinary_tables_are_published_not_refused(seed: int) -> None:
    """Refusal is safe but useless: with k of 3 or more, ordinary tables are published."""
    import random

    rng = random.Random(seed)
    categories = [f"c{i}" for i in range(rng.randint(2, 4))]
    months = [(2025 + (m // 12), m % 12 + 1) for m in range(9, 9 + rng.randint(2, 6))]
    cells, aggregates = period_table(categories, months, ("quarter", "year", "all"))
    base = [rng.randint(0, 12) for _ in cells]
    k = rng.randint(3, 5)
    result = protect(base, aggregates, k=k, partners=rectangles(
        categories, [period for _, period in {a.key for a in aggregates}]))
    _assert_nothing_derivable(base, aggregates, result)
