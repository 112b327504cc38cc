"""Multiple imputation by chained equations (sensitivity analysis) and pooling by Rubin's rules.

Each incomplete predictor is imputed from all other predictors and the outcome: numbers by predictive
mean matching (5 donors), categories by a draw from a (lightly ridged) multinomial logistic model.
Parameter uncertainty is propagated by fitting each imputation model on a bootstrap sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from helpseek.analysis.coding import Predictor, build_design
from helpseek.analysis.logistic import LogisticResult

DONORS = 5
RIDGE = 1e-3  # keeps category models finite under separation; negligible at survey sizes


SEED = 20240501  # fixed, recorded in results.json: the same data and spec give the same imputations


def impute_chained(
    frame: pd.DataFrame,
    predictors: Sequence[Predictor],
    outcome: str,
    m: int,
    iterations: int = 10,
    rng: np.random.Generator | None = None,
) -> list[pd.DataFrame]:
    """`m` completed copies of `frame[predictors + outcome]` (rows with a missing outcome dropped)."""
    rng = rng or np.random.default_rng(SEED)
    base = frame[[p.name for p in predictors] + [outcome]].dropna(subset=[outcome])
    missing = {p.name: base[p.name].isna().to_numpy() for p in predictors}
    incomplete = [p for p in predictors if missing[p.name].any()]
    completed = []
    for _ in range(m):
        current = base.copy()
        for p in incomplete:
            observed = current.loc[~missing[p.name], p.name].to_numpy(dtype=object)
            current.loc[missing[p.name], p.name] = rng.choice(observed, int(missing[p.name].sum()))
        for _ in range(iterations if incomplete else 0):
            for p in incomplete:
                _impute_one(
                    current,
                    p,
                    [q for q in predictors if q.name != p.name],
                    outcome,
                    missing[p.name],
                    rng,
                )
        completed.append(current)
    return completed


def _impute_one(
    current: pd.DataFrame,
    target: Predictor,
    others: Sequence[Predictor],
    outcome: str,
    is_missing: np.ndarray,
    rng: np.random.Generator,
) -> None:
    X = np.column_stack([build_design(current, others).matrix, current[outcome].to_numpy(float)])
    observed = np.flatnonzero(~is_missing)
    boot = rng.choice(observed, len(observed))
    if target.kind == "numeric":
        y = current[target.name].to_numpy(float)
        beta = np.linalg.lstsq(X[boot], y[boot], rcond=None)[0]
        fitted = X @ beta
        donors_fit, donors_y = fitted[observed], y[observed]
        for row in np.flatnonzero(is_missing):
            nearest = np.argsort(np.abs(donors_fit - fitted[row]))[:DONORS]
            current.iat[row, current.columns.get_loc(target.name)] = donors_y[rng.choice(nearest)]
        return
    levels = np.array(target.levels, dtype=object)
    codes = pd.Categorical(current[target.name], categories=levels).codes
    probs = _multinomial_probs(X[boot], codes[boot], len(levels), X[is_missing])
    draws = [rng.choice(len(levels), p=row) for row in probs]
    current.loc[is_missing, target.name] = levels[draws]


def _multinomial_probs(X: np.ndarray, y: np.ndarray, k: int, new: np.ndarray) -> np.ndarray:
    """Class probabilities for `new` rows from a ridged multinomial logistic fit on (X, y)."""
    n, p = X.shape
    onehot = np.eye(k)[y]

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        W = flat.reshape(p, k)
        logits = X @ W
        log_probs = logits - special.logsumexp(logits, axis=1, keepdims=True)
        value = -np.sum(onehot * log_probs) + RIDGE * n * np.sum(W[1:] ** 2) / 2
        grad = X.T @ (np.exp(log_probs) - onehot)
        grad[1:] += RIDGE * n * W[1:]
        return float(value), grad.ravel()

    solution = optimize.minimize(loss, np.zeros(p * k), jac=True, method="L-BFGS-B")
    return special.softmax(new @ solution.x.reshape(p, k), axis=1)


def pool_rubin(fits: Sequence[LogisticResult]) -> LogisticResult:
    """Pool the same model fitted on m imputed datasets (Rubin 1987: T = W + (1 + 1/m) B, t with nu df)."""
    m = len(fits)
    first = fits[0]
    z_level = first.level
    pooled_terms = []
    for index, term in enumerate((first.intercept, *first.terms)):
        estimates = np.array([(f.intercept, *f.terms)[index].estimate for f in fits])
        variances = np.array([(f.intercept, *f.terms)[index].se ** 2 for f in fits])
        qbar, within = float(estimates.mean()), float(variances.mean())
        between = float(estimates.var(ddof=1)) if m > 1 else 0.0
        total = within + (1 + 1 / m) * between
        ratio = (1 + 1 / m) * between / within if within > 0 else np.inf
        df = (m - 1) * (1 + 1 / ratio) ** 2 if ratio > 0 else np.inf
        se = float(np.sqrt(total))
        quantile = (
            stats.t.ppf(0.5 + z_level / 2, df)
            if np.isfinite(df)
            else stats.norm.ppf(0.5 + z_level / 2)
        )
        p = 2 * (
            stats.t.sf(abs(qbar) / se, df) if np.isfinite(df) else stats.norm.sf(abs(qbar) / se)
        )
        pooled_terms.append(
            replace(
                term,
                estimate=qbar,
                se=se,
                ci_low=qbar - quantile * se,
                ci_high=qbar + quantile * se,
                p=float(p),
                p_adjusted=None,
            )
        )
    notes = sorted({w for f in fits for w in f.warnings})
    return replace(
        first,
        intercept=pooled_terms[0],
        terms=tuple(pooled_terms[1:]),
        factor_p={},
        ci_method="wald (Rubin's rules)",
        missing="mice",
        diagnostics=None,
        converged=all(f.converged for f in fits),
        separation=any(f.separation for f in fits),
        warnings=tuple(notes),
        method=first.method,
    )
