"""Pooling one model fitted on m imputed datasets: Rubin's rules with Barnard-Rubin degrees of freedom.

The same computation as R mice's `pool()` and `summary(pool(...))` (mice 3.x, rule "rubin1987"):
T = W + (1 + 1/m) B; df by Barnard and Rubin (1999) with the complete-data df n - k of each fit;
p from the t distribution, CI = estimate -+ t(df) sqrt(T).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import stats

from helpseek.analysis.logistic import LogisticResult, Term


def barnard_rubin(m: int, between: float, total: float, df_complete: float) -> float:
    """Degrees of freedom of a pooled estimate (mice's `barnard.rubin`, lambda floored at 1e-4).

    >>> round(barnard_rubin(5, 0.01, 0.05, 20), 4)  # lambda 0.24, dfold 69.44, dfobs 13.88
    11.5667
    """
    share = max((1 + 1 / m) * between / total, 1e-4) if total > 0 else 1e-4
    df_old = (m - 1) / share**2
    if np.isinf(df_complete):
        return df_old
    df_observed = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - share)
    return df_old * df_observed / (df_old + df_observed)


def pool_rubin(fits: Sequence[LogisticResult]) -> LogisticResult:
    """Pool the same model fitted on m imputed datasets into one LogisticResult (Wald, t-based)."""
    first = fits[0]
    df_complete = float(first.n - (len(first.terms) + 1))
    pooled = [
        _pool_term(term, [(f.intercept, *f.terms)[i] for f in fits], df_complete, first.level)
        for i, term in enumerate((first.intercept, *first.terms))
    ]
    notes = sorted({w for f in fits for w in f.warnings})
    return replace(
        first,
        intercept=pooled[0],
        terms=tuple(pooled[1:]),
        factor_p={},
        ci_method="wald (Rubin's rules)",
        missing="mice",
        diagnostics=None,
        converged=all(f.converged for f in fits),
        separation=any(f.separation for f in fits),
        warnings=tuple(notes),
        method=first.method,
    )


def _pool_term(term: Term, copies: Sequence[Term], df_complete: float, level: float) -> Term:
    m = len(copies)
    estimates = np.array([c.estimate for c in copies])
    qbar = float(estimates.mean())
    within = float(np.mean([c.se**2 for c in copies]))
    between = float(estimates.var(ddof=1)) if m > 1 else 0.0
    total = within + (1 + 1 / m) * between
    se = float(np.sqrt(total))
    df = barnard_rubin(m, between, total, df_complete) if m > 1 else np.inf
    df = max(df, 0.001)  # summary.mipo's floor
    quantile = float(stats.t.ppf(0.5 + level / 2, df))
    p = float(2 * stats.t.sf(abs(qbar) / se, df))
    return replace(
        term,
        estimate=qbar,
        se=se,
        ci_low=qbar - quantile * se,
        ci_high=qbar + quantile * se,
        p=p,
        p_adjusted=None,
    )
