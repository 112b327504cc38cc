"""One variable across groups (outcome 0/1 in Table 1, or two samples): counts, summaries and a test.

Categorical: Pearson chi-square without continuity correction, or Fisher's exact test when an expected
count is below 5. Numeric: medians with quartiles and the Wilcoxon rank-sum (Mann-Whitney) test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from helpseek.analysis.fisher import fisher_test

#: The test name of each way fisher_test computed its p.
FISHER_TESTS = {"exact": "fisher", "monte carlo": "fisher (monte carlo)"}


@dataclass(frozen=True)
class BivariateRow:
    """One level (categorical) or one statistic line (numeric) with a value per group."""

    level: str
    counts: tuple[int, ...] = ()
    percents: tuple[float, ...] = ()
    summaries: tuple[str, ...] = ()


@dataclass(frozen=True)
class BivariateResult:
    """`variable` by `groups`: rows, the test used, its statistic and p, and the missing count."""

    variable: str
    kind: str
    groups: tuple[str, ...]
    group_sizes: tuple[int, ...]
    rows: tuple[BivariateRow, ...]
    test: str
    statistic: float
    p: float
    n_missing: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable, "kind": self.kind, "groups": list(self.groups),
            "group_sizes": list(self.group_sizes), "test": self.test,
            "statistic": None if not np.isfinite(self.statistic) else self.statistic,
            "p": None if not np.isfinite(self.p) else self.p, "n_missing": self.n_missing,
            "rows": [{"level": r.level, "counts": list(r.counts), "percents": list(r.percents),
                      "summaries": list(r.summaries)} for r in self.rows],
        }  # fmt: skip


def categorical_by_group(
    variable: str,
    values: pd.Series,
    groups: pd.Series,
    group_order: Sequence[str],
    levels: Sequence[str] | None = None,
) -> BivariateResult:
    """Counts and column percentages of each level in each group, with chi-square or Fisher."""
    known = (values.notna() & groups.notna()).to_numpy()
    # factorize once, then count level x group cells with one bincount (fast at a million rows)
    v_codes, v_uniques = pd.factorize(values[known].astype(str))
    g_codes, g_uniques = pd.factorize(groups[known].astype(str))
    counts = np.bincount(
        v_codes * len(g_uniques) + g_codes, minlength=len(v_uniques) * len(g_uniques)
    )
    cells = counts.reshape(len(v_uniques), len(g_uniques))
    seen = [str(u) for u in v_uniques]
    present = [lv for lv in (levels or ()) if lv in seen] + sorted(set(seen) - set(levels or ()))
    g_index = {str(u): i for i, u in enumerate(g_uniques)}
    columns = [g_index.get(grp) for grp in group_order]
    table = np.array(
        [
            [int(cells[seen.index(lv), c]) if c is not None else 0 for c in columns]
            for lv in present
        ],
        dtype=int,
    ).reshape(len(present), len(group_order))
    sizes = tuple(int(x) for x in table.sum(axis=0))
    rows = tuple(
        BivariateRow(
            lv,
            tuple(int(c) for c in table[i]),
            tuple(100 * c / s if s else float("nan") for c, s in zip(table[i], sizes)),
        )
        for i, lv in enumerate(present)
    )
    test, statistic, p = contingency_test(table)
    n_missing = int(values[groups.notna()].isna().sum())
    return BivariateResult(
        variable, "categorical", tuple(group_order), sizes, rows, test, statistic, p, n_missing
    )


def contingency_test(table: np.ndarray) -> tuple[str, float, float]:
    """("chi-square" | "fisher" | "fisher (monte carlo)" | "none", statistic, p) for a levels x
    groups table of counts; "fisher (monte carlo)" only where the exact p is not feasible."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return "none", float("nan"), float("nan")
    expected = stats.contingency.expected_freq(table)
    if np.any(expected < 5):
        result = fisher_test(table)  # exact as R's fisher.test (scipy's r x c p is Monte Carlo)
        return FISHER_TESTS[result.method], float("nan"), result.p
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    return "chi-square", float(chi2), float(p)


def numeric_by_group(
    variable: str, values: pd.Series, groups: pd.Series, group_order: Sequence[str]
) -> BivariateResult:
    """Median (Q1, Q3) and n per group, with the Wilcoxon rank-sum test (Kruskal-Wallis for > 2)."""
    numbers = pd.to_numeric(values, errors="coerce")
    known = numbers.notna() & groups.notna()
    samples = [numbers[known & (groups.astype(str) == grp)].to_numpy(float) for grp in group_order]
    summaries = tuple(
        f"{np.median(s):.4g} ({np.quantile(s, 0.25):.4g}, {np.quantile(s, 0.75):.4g})"
        if len(s)
        else "—"
        for s in samples
    )
    usable = [s for s in samples if len(s)]
    if len(usable) == 2:
        result = stats.mannwhitneyu(usable[0], usable[1], alternative="two-sided")
        test, statistic, p = "wilcoxon rank-sum", float(result.statistic), float(result.pvalue)
    elif len(usable) > 2:
        result = stats.kruskal(*usable)
        test, statistic, p = "kruskal-wallis", float(result.statistic), float(result.pvalue)
    else:
        test, statistic, p = "none", float("nan"), float("nan")
    row = BivariateRow("median (Q1, Q3)", tuple(len(s) for s in samples), (), summaries)
    n_missing = int(numbers[groups.notna()].isna().sum())
    return BivariateResult(
        variable,
        "numeric",
        tuple(group_order),
        tuple(len(s) for s in samples),
        (row,),
        test,
        statistic,
        p,
        n_missing,
    )
