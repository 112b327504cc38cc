"""Fisher's exact test for k x 2 tables equals R's fisher.test and gives the same p on every call.

References: tests/analysis/fixtures/fisher/fisher_reference.csv, written by make_fisher.R beside it
(R's exact network algorithm, FEXACT), and a full enumeration of every table with the margins.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from helpseek.analysis.bivariate import categorical_by_group, contingency_test
from helpseek.analysis.fisher import MONTE_CARLO_RESAMPLES, TOL, fisher_test

REFERENCE = Path(__file__).parent / "fixtures" / "fisher" / "fisher_reference.csv"


def _r_cases() -> list[tuple[np.ndarray, float]]:
    with REFERENCE.open(encoding="utf-8") as handle:
        return [
            (
                np.array([[int(v) for v in row.split(",")] for row in case["table"].split(";")]),
                float(case["p"]),
            )
            for case in csv.DictReader(handle)
        ]


@pytest.mark.parametrize(("table", "expected"), _r_cases())
def test_fisher_test__k_by_2__equals_r_fisher_test(table: np.ndarray, expected: float) -> None:
    result = fisher_test(table)
    if result.method != "exact":
        # the network outgrew MAX_NODES: only for tables far from independence (R's p < 1e-9,
        # where Table 1 uses chi-square anyway), and the Monte Carlo p is at its floor
        assert expected < 1e-9 and result.p == 1 / (MONTE_CARLO_RESAMPLES + 1), table
        return
    assert result.p == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_fisher_test__r_cases__all_but_two_are_exact() -> None:
    exact = sum(fisher_test(t).method == "exact" for t, _ in _r_cases())
    assert exact >= len(_r_cases()) - 2


def _enumerated(table: np.ndarray) -> float:
    """The p by listing every k x 2 table with the observed margins (no network, no pruning)."""
    rows, events, n = table.sum(axis=1), int(table[:, 0].sum()), int(table.sum())

    def log_p(first: list[int]) -> float:
        return sum(
            gammaln(r + 1) - gammaln(x + 1) - gammaln(r - x + 1) for r, x in zip(rows, first)
        ) - (gammaln(n + 1) - gammaln(events + 1) - gammaln(n - events + 1))

    observed, total = log_p(list(table[:, 0])), []

    def extend(prefix: list[int], left: int) -> None:
        if len(prefix) == len(rows) - 1:
            if 0 <= left <= rows[-1]:
                value = log_p([*prefix, left])
                if value <= observed + math.log1p(TOL):
                    total.append(math.exp(value))
            return
        for x in range(min(int(rows[len(prefix)]), left) + 1):
            extend([*prefix, x], left - x)

    extend([], events)
    return min(1.0, math.fsum(total))


def test_fisher_test__random_small_tables__equal_full_enumeration() -> None:
    rng = np.random.default_rng(16)
    checked = 0
    for _ in range(150):
        table = rng.integers(0, 10, size=(int(rng.integers(3, 6)), 2))
        table = table[table.sum(axis=1) > 0]
        if table.shape[0] < 3 or np.any(table.sum(axis=0) == 0):
            continue
        result = fisher_test(table)
        assert result.method == "exact"
        assert result.p == pytest.approx(_enumerated(table), rel=1e-10, abs=1e-15), table
        checked += 1
    assert checked > 100


def test_contingency_test__table_larger_than_2x2__same_exact_p_on_every_call() -> None:
    # Given the kind of Table 1 where scipy 1.17 drew a new Monte Carlo p on each call
    table = np.array([[2, 9], [1, 14], [5, 6], [0, 7]])
    results = {(name, p) for name, _, p in (contingency_test(table) for _ in range(3))}
    # Then the test is Fisher's, exact, and the same p each time
    assert len(results) == 1
    name, p = results.pop()
    assert name == "fisher" and p == pytest.approx(_enumerated(table), rel=1e-12)


def test_fisher_test__no_exact_p_feasible__seeded_monte_carlo_named_as_such() -> None:
    table = np.array([[3, 1, 2], [1, 3, 0], [4, 0, 5]])  # 3 x 3: not k x 2
    first, second = fisher_test(table), fisher_test(table)
    assert first == second and first.method == "monte carlo" and 0 < first.p < 1
    values = pd.Series(["a"] * 6 + ["b"] * 4 + ["c"] * 9)
    groups = pd.Series(["x", "y", "z"] * 6 + ["x"])
    assert categorical_by_group("v", values, groups, ("x", "y", "z")).test in {
        "fisher (monte carlo)",
        "chi-square",
    }
