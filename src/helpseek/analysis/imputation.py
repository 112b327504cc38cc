"""Multiple imputation by chained equations (sensitivity analysis), with R mice's default methods.

Each incomplete predictor is imputed from all other predictors and the outcome, as `mice()` does
by default with its methods (van Buuren and Groothuis-Oudshoorn, mice 3.x):

| predictor                | method  | model, and how parameter uncertainty is drawn                   |
|--------------------------|---------|-----------------------------------------------------------------|
| numeric                  | pmm     | linear model, Bayesian draw of (beta, sigma); type-1 matching   |
|                          |         | (observed rows at beta-hat, missing at the draw), 5 donors      |
| categorical, 2 levels    | logreg  | logistic model on augmented data, beta drawn from N(b, cov)     |
| categorical, > 2 levels  | polyreg | multinomial logit on augmented data, categories drawn from the  |
|                          |         | fitted probabilities (mice draws no parameters here either)     |

"Augmented data" (White, Daniel and Royston 2010, as mice's `augment`) adds 2 p k weighted
pseudo-rows so that a category predicted perfectly still gets finite coefficients. Chains start
from random draws of the observed values. Pooling is in `pooling.py`. Why this agrees with R mice
within Monte Carlo error: tests/analysis/test_imputation.py and the analysis README.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from helpseek.analysis.coding import Predictor
from helpseek.analysis.profile import newton_logit

DONORS = 5
ITERATIONS = 10
SEED = 20240501  # fixed, recorded in results.json: the same data and spec give the same imputations


@dataclass
class _Variable:
    """One predictor in the chains: values (floats, or level codes 0..k-1) and where they are missing."""

    predictor: Predictor
    values: np.ndarray
    missing: np.ndarray

    @property
    def is_numeric(self) -> bool:
        return self.predictor.kind == "numeric"

    def columns(self) -> np.ndarray:
        """The variable as model columns: itself, or one 0/1 column per non-reference level."""
        if self.is_numeric:
            return self.values[:, None]
        k = len(self.predictor.levels)
        return (self.values[:, None] == np.arange(1, k)[None, :]).astype(float)


def impute_chained(
    frame: pd.DataFrame,
    predictors: Sequence[Predictor],
    outcome: str,
    m: int,
    iterations: int = ITERATIONS,
    rng: np.random.Generator | None = None,
) -> list[pd.DataFrame]:
    """`m` completed copies of `frame[predictors + outcome]` (rows with a missing outcome dropped).

    Numeric predictors are floats, categorical ones text from `Predictor.levels` (as `prepare`
    leaves them); the completed copies have the same columns, with no missing value.
    """
    rng = rng or np.random.default_rng(SEED)
    base = frame[[p.name for p in predictors] + [outcome]].dropna(subset=[outcome])
    y = base[outcome].to_numpy(float)
    completed = []
    for _ in range(m):
        chain = [_variable(base[p.name], p) for p in predictors]
        incomplete = [v for v in chain if v.missing.any()]
        for v in incomplete:
            observed = v.values[~v.missing]
            v.values[v.missing] = rng.choice(observed, int(v.missing.sum()))
        for _ in range(iterations if incomplete else 0):
            for v in incomplete:
                others = [o.columns() for o in chain if o is not v]
                x = np.column_stack([*others, y]) if others else y[:, None]
                v.values[v.missing] = _impute(v, x, rng)
        completed.append(_frame(base, chain, outcome))
    return completed


def _variable(column: pd.Series, predictor: Predictor) -> _Variable:
    if predictor.kind == "numeric":
        values = column.to_numpy(dtype=float, na_value=np.nan, copy=True)
        return _Variable(predictor, values, np.isnan(values))
    codes = pd.Categorical(column, categories=list(predictor.levels)).codes.astype(float)
    missing = codes < 0
    return _Variable(predictor, codes, missing)


def _frame(base: pd.DataFrame, chain: list[_Variable], outcome: str) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {}
    for v in chain:
        if v.is_numeric:
            columns[v.predictor.name] = pd.Series(v.values.copy(), index=base.index)
        else:
            levels = np.array(v.predictor.levels, dtype=object)
            columns[v.predictor.name] = pd.Series(
                levels[v.values.astype(int)], index=base.index, dtype=object
            )
    columns[outcome] = base[outcome]
    return pd.DataFrame(columns, index=base.index)


def _impute(v: _Variable, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """New draws for the missing entries of `v` given the other columns `x` (no intercept)."""
    observed = ~v.missing
    if v.is_numeric:
        return pmm(v.values, observed, x, rng)
    k = len(v.predictor.levels)
    if k == 2:
        return logreg(v.values, observed, x, rng)
    return polyreg(v.values.astype(int), observed, x, k, rng)


def pmm(y: np.ndarray, observed: np.ndarray, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Predictive mean matching, mice's `mice.impute.pmm` with `matchtype = 1`, 5 donors."""
    X = np.column_stack([np.ones(len(y)), x])
    coef, beta_star = _norm_draw(X[observed], y[observed], rng)
    yhat_obs = X[observed] @ coef
    yhat_mis = X[~observed] @ beta_star
    return y[observed][_match(yhat_obs, yhat_mis, DONORS, rng)]


def _norm_draw(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(least-squares coefficients, a draw from their posterior), as mice's `.norm.draw`."""
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    residual = y - X @ coef
    df = max(len(y) - X.shape[1], 1)
    sigma_star = np.sqrt(float(residual @ residual) / rng.chisquare(df))
    xtx = X.T @ X
    try:
        v = np.linalg.inv(xtx)
        lower = np.linalg.cholesky((v + v.T) / 2)
    except np.linalg.LinAlgError:  # mice: "a ridge penalty to continue calculations"
        v = np.linalg.inv(xtx + np.diag(np.diag(xtx) * 1e-5))
        lower = np.linalg.cholesky((v + v.T) / 2)
    return coef, coef + (lower @ rng.standard_normal(X.shape[1])) * sigma_star


def _match(
    yhat_obs: np.ndarray, yhat_mis: np.ndarray, donors: int, rng: np.random.Generator
) -> np.ndarray:
    """For each missing row, a random one of the `donors` observed rows nearest in predicted value.

    Ties are broken at random (a shuffle before a stable sort, as mice's matchindex). The d nearest
    values of a sorted array lie within d places of the insertion point, so no n_mis x n_obs matrix.
    """
    order = rng.permutation(len(yhat_obs))
    order = order[np.argsort(yhat_obs[order], kind="stable")]
    ordered = yhat_obs[order]
    d = min(donors, len(ordered))
    position = np.searchsorted(ordered, yhat_mis)
    window = position[:, None] + np.arange(-d, d)[None, :]
    inside = (window >= 0) & (window < len(ordered))
    window = np.clip(window, 0, len(ordered) - 1)
    distance = np.where(inside, np.abs(ordered[window] - yhat_mis[:, None]), np.inf)
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :d]
    pick = nearest[np.arange(len(yhat_mis)), rng.integers(0, d, len(yhat_mis))]
    return order[window[np.arange(len(yhat_mis)), pick]]


def logreg(
    y: np.ndarray, observed: np.ndarray, x: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Codes 0/1 for the missing rows, as mice's `mice.impute.logreg` (augmented, Bayesian draw)."""
    xa, ya, weights = augment(x[observed], y[observed].astype(int), x, 2)
    X = np.column_stack([np.ones(len(ya)), xa])
    fit = newton_logit(X, ya.astype(float), weights=weights)
    p = special.expit(X @ fit.params)
    information = (X * (weights * p * (1 - p))[:, None]).T @ X
    covariance = np.linalg.inv(information)
    lower = np.linalg.cholesky((covariance + covariance.T) / 2)
    beta_star = fit.params + lower @ rng.standard_normal(X.shape[1])
    missing_x = np.column_stack([np.ones(int((~observed).sum())), x[~observed]])
    probability = special.expit(missing_x @ beta_star)
    return (rng.random(len(probability)) <= probability).astype(float)


def polyreg(
    codes: np.ndarray, observed: np.ndarray, x: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Codes 0..k-1 for the missing rows, as mice's `mice.impute.polyreg` (augmented multinomial
    logit; categories drawn from its fitted probabilities)."""
    seen = np.unique(codes[observed])
    n_missing = int((~observed).sum())
    if len(seen) == 1:  # mice: a category holding every observed row is imputed as is
        return np.full(n_missing, float(seen[0]))
    xa, ya, weights = augment(x[observed], codes[observed], x, k)
    X = np.column_stack([np.ones(len(ya)), xa])
    coef = multinomial_logit(X, ya, k, weights)
    missing_x = np.column_stack([np.ones(n_missing), x[~observed]])
    probabilities = special.softmax(missing_x @ coef, axis=1)
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(n_missing)
    return np.minimum((draws[:, None] > cumulative).sum(axis=1), k - 1).astype(float)


def augment(
    x_obs: np.ndarray, y_obs: np.ndarray, x_all: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed rows plus mice's 2 p k pseudo-rows: each column at its mean +- 0.5 SD (within its
    range; the others at their means), once for each category seen, with weight (p + 1) / (2 p k).

    Means, SDs and ranges are over all rows, as mice computes them on the whole predictor matrix.
    """
    p = x_all.shape[1]
    categories = np.unique(y_obs)
    if p == 0:
        return x_obs, y_obs, np.ones(len(y_obs))
    mean, sd = x_all.mean(axis=0), x_all.std(axis=0, ddof=1)
    rows = []
    for column in range(p):
        for _category in categories:
            for sign in (0.5, -0.5):
                row = mean.copy()
                row[column] = np.clip(
                    mean[column] + sign * sd[column], x_all[:, column].min(), x_all[:, column].max()
                )
                rows.append(row)
    pseudo = np.array(rows)
    pseudo_y = np.tile(np.repeat(categories, 2), p)
    weight = (p + 1) / len(pseudo)
    return (
        np.vstack([x_obs, pseudo]),
        np.concatenate([y_obs, pseudo_y]),
        np.concatenate([np.ones(len(y_obs)), np.full(len(pseudo), weight)]),
    )


def multinomial_logit(
    X: np.ndarray, y: np.ndarray, k: int, weights: np.ndarray, max_iter: int = 100
) -> np.ndarray:
    """Weighted unpenalised multinomial logit by Newton-Raphson; (p, k) coefficients, column 0
    (the first category, nnet::multinom's baseline) fixed at zero."""
    n, p = X.shape
    onehot = np.eye(k)[y][:, 1:]
    beta = np.zeros((p, k - 1))

    def loglik(b: np.ndarray) -> float:
        logits = np.column_stack([np.zeros(n), X @ b])
        return float(
            np.sum(
                weights
                * (np.sum(onehot * logits[:, 1:], axis=1) - special.logsumexp(logits, axis=1))
            )
        )

    llf = loglik(beta)
    for _ in range(max_iter):
        probs = special.softmax(np.column_stack([np.zeros(n), X @ beta]), axis=1)[:, 1:]
        grad = (X.T @ (weights[:, None] * (onehot - probs))).ravel(order="F")
        hess = np.empty((p * (k - 1), p * (k - 1)))
        for a in range(k - 1):
            for b in range(k - 1):
                w = weights * probs[:, a] * ((a == b) - probs[:, b])
                hess[a * p : (a + 1) * p, b * p : (b + 1) * p] = (X * w[:, None]).T @ X
        step = np.linalg.solve(hess, grad).reshape((p, k - 1), order="F")
        scale = 1.0
        while scale > 2.0**-30:
            new_llf = loglik(beta + scale * step)
            if new_llf >= llf - 1e-13 * (1 + abs(llf)):
                break
            scale /= 2
        beta, previous, llf = beta + scale * step, llf, new_llf
        if abs(llf - previous) <= 1e-12 * (1 + abs(llf)):
            break
    return np.column_stack([np.zeros(p), beta])
