"""Model diagnostics: n, events, EPV, AUC, Hosmer-Lemeshow, Nagelkerke R², largest VIF.

All computed from the design, the outcome and the fitted coefficients, so ML and Firth fits share them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import special


@dataclass(frozen=True)
class Diagnostics:
    """Fit statistics of one model; `epv` = events (the rarer class) per model column."""

    n: int
    events: int
    parameters: int
    epv: float
    auc: float
    hosmer_lemeshow_chi2: float
    hosmer_lemeshow_df: int
    hosmer_lemeshow_p: float
    nagelkerke_r2: float
    loglik: float
    null_loglik: float
    max_vif: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def diagnose(
    X: np.ndarray,
    y: np.ndarray,
    params: np.ndarray,
    loglik: float,
    with_vif: bool = True,
    weights: np.ndarray | None = None,
) -> Diagnostics:
    """Diagnostics of a fitted model; `loglik` is the unpenalised log-likelihood at `params`.

    `weights` are frequency weights (row i stands for weights[i] identical rows): every statistic
    is the one of the expanded rows.
    """
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    n, k = int(w.sum()), X.shape[1]
    events = int(w @ y)
    p_hat = special.expit(X @ params)
    mean = events / n
    null = float(n * (mean * np.log(mean) + (1 - mean) * np.log(1 - mean))) if 0 < mean < 1 else 0.0
    chi2, df, p_hl = hosmer_lemeshow(y, p_hat, weights=w)
    return Diagnostics(
        n=n, events=events, parameters=k - 1,
        epv=float(min(events, n - events) / max(k - 1, 1)),
        auc=auc(y, p_hat, w), hosmer_lemeshow_chi2=chi2, hosmer_lemeshow_df=df, hosmer_lemeshow_p=p_hl,
        nagelkerke_r2=nagelkerke(loglik, null, n), loglik=float(loglik), null_loglik=null,
        max_vif=max_vif(X[:, 1:], w) if with_vif else None,
    )  # fmt: skip


def auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Area under the ROC curve (the c-statistic): the share of (positive, negative) pairs the score
    orders correctly, ties counting 1/2 (the Mann-Whitney formula); `weights` count rows.

    >>> auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    w = np.ones(len(y)) if weights is None else weights
    positives = float(w @ y)
    negatives = float(w.sum()) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    values, index = np.unique(score, return_inverse=True)
    pos = np.bincount(index, weights=w * y, minlength=len(values))
    neg = np.bincount(index, weights=w * (1 - y), minlength=len(values))
    below = np.cumsum(neg) - neg  # negatives with a strictly lower score
    return float((pos @ below + 0.5 * (pos @ neg)) / (positives * negatives))


def hosmer_lemeshow(
    y: np.ndarray, p_hat: np.ndarray, groups: int = 10, weights: np.ndarray | None = None
) -> tuple[float, int, float]:
    """Hosmer-Lemeshow chi-square over groups cut at the deciles of predicted risk, df = groups - 2.

    Ties stay in one group (cut points are the unique quantiles, as R's ResourceSelection::hoslem.test),
    so a model with few covariate patterns has fewer groups; with fewer than 3 the test is undefined.
    """
    w = np.ones(len(y)) if weights is None else weights
    breaks = np.unique(_quantiles(p_hat, w, np.linspace(0, 1, groups + 1)))
    if len(breaks) < 4:
        return float("nan"), 0, float("nan")
    index = np.clip(np.searchsorted(breaks, p_hat, side="left") - 1, 0, len(breaks) - 2)
    index[p_hat <= breaks[0]] = 0
    statistic, used = 0.0, 0
    for g in range(len(breaks) - 1):
        member = index == g
        size = float(w[member].sum())
        if size == 0:
            continue
        used += 1
        observed, expected = w[member] @ y[member], w[member] @ p_hat[member]
        variance = expected * (1 - expected / size)
        if variance > 0:
            statistic += (observed - expected) ** 2 / variance
    df = used - 2
    if df < 1:
        return float("nan"), 0, float("nan")
    return float(statistic), df, float(special.chdtrc(df, statistic))  # stats.chi2.sf


def _quantiles(values: np.ndarray, w: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """np.quantile (linear, R's type 7) of the rows `values` with frequency weights `w` stand for."""
    order = np.argsort(values, kind="stable")
    sorted_values, ends = values[order], np.cumsum(w[order])
    position = (ends[-1] - 1) * probs  # 0-based index into the expanded sorted rows
    below = np.floor(position)

    def at(i: np.ndarray) -> np.ndarray:
        return sorted_values[np.searchsorted(ends, np.minimum(i, ends[-1] - 1), side="right")]

    low, high = at(below), at(below + 1)
    return low + (position - below) * (high - low)


def nagelkerke(loglik: float, null_loglik: float, n: int) -> float:
    """Nagelkerke's R² = Cox-Snell R² / its maximum, 1 - exp(2 llnull / n)."""
    cox_snell = 1 - np.exp(2 * (null_loglik - loglik) / n)
    maximum = 1 - np.exp(2 * null_loglik / n)
    return float(cox_snell / maximum) if maximum > 0 else float("nan")


def max_vif(columns: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Largest variance inflation factor among the model columns (None with fewer than two);
    `weights` count rows."""
    if columns.shape[1] < 2:
        return None
    corr = np.cov(
        columns, rowvar=False, fweights=None if weights is None else weights.astype(np.int64)
    )
    sd = np.sqrt(np.diag(corr))
    if np.any(sd == 0):
        return float("inf")
    corr = corr / np.outer(sd, sd)
    try:
        return float(np.max(np.diag(np.linalg.inv(corr))))
    except np.linalg.LinAlgError:
        return float("inf")
