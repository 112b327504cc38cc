"""Profile-likelihood confidence intervals for logistic regression, solved exactly by root finding.

For coefficient j, the constrained fit holds b_j fixed (as an offset) and maximises over the rest;
the interval ends are the roots of 2 (llf_hat - llf_profile(b_j)) = chi2_1(level). R's confint()
interpolates a spline over a grid instead, so it is off the exact root by up to about 1e-4.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def newton_logit(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-12,
) -> tuple[np.ndarray, float]:
    """Maximum-likelihood fit by Newton-Raphson with step halving; returns (params, log-likelihood)."""
    n, k = X.shape
    off = np.zeros(n) if offset is None else offset
    beta = np.zeros(k) if start is None else start.copy()
    llf = _loglik(X, y, off, beta)
    for _ in range(max_iter):
        if k == 0:
            break
        p = special.expit(X @ beta + off)
        grad = X.T @ (y - p)
        hess = (X * (p * (1 - p))[:, None]).T @ X
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        scale = 1.0
        candidate = beta + step
        new_llf = _loglik(X, y, off, candidate)
        while new_llf < llf - 1e-10 * (1 + abs(llf)) and scale > 1e-6:
            scale /= 2
            candidate = beta + scale * step
            new_llf = _loglik(X, y, off, candidate)
        beta, previous, llf = candidate, llf, new_llf
        # Newton converges quadratically: stop once the step or the gain is at rounding level.
        if np.max(np.abs(scale * step)) < 1e-10 or abs(llf - previous) <= tol * (1 + abs(llf)):
            break
    return beta, llf


def _loglik(X: np.ndarray, y: np.ndarray, offset: np.ndarray, beta: np.ndarray) -> float:
    eta = X @ beta + offset if X.shape[1] else offset
    # log-likelihood of a Bernoulli model, stable for large |eta|
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def profile_interval(
    X: np.ndarray,
    y: np.ndarray,
    params: np.ndarray,
    se: np.ndarray,
    llf_hat: float,
    j: int,
    level: float = 0.95,
) -> tuple[float, float]:
    """The exact profile-likelihood interval of coefficient j (either end may be +-inf).

    Each end is a root of g(b) = llf_profile(b) - target, found by Newton's method safeguarded by
    bisection; g'(b) is the score of b_j at the constrained optimum (envelope theorem), so every
    step costs one constrained fit, warm-started from the previous one.
    """
    target = llf_hat - stats.chi2.ppf(level, 1) / 2
    rest = np.delete(X, j, axis=1)
    xj = X[:, j]
    return (
        _end(rest, xj, y, params, se, j, target, -1.0),
        _end(rest, xj, y, params, se, j, target, 1.0),
    )


def _end(
    rest: np.ndarray,
    xj: np.ndarray,
    y: np.ndarray,
    params: np.ndarray,
    se: np.ndarray,
    j: int,
    target: float,
    direction: float,
) -> float:
    start = np.delete(params, j)

    def gap(b: float) -> tuple[float, float]:
        nonlocal start
        start, llf = newton_logit(rest, y, offset=b * xj, start=start)
        slope = float(xj @ (y - special.expit(rest @ start + b * xj)))
        return llf - target, slope

    step = float(se[j]) if np.isfinite(se[j]) and se[j] > 0 else 1.0
    inner = float(params[j])
    outer = inner + direction * 2.5 * step
    outer_gap, slope = gap(outer)
    tries = 0
    while outer_gap > 0 and tries < 40:
        inner, outer = outer, inner + direction * 2.5 * step * 2 ** (tries + 1)
        outer_gap, slope = gap(outer)
        tries += 1
    if outer_gap > 0:
        return direction * np.inf
    low, high = sorted((inner, outer))
    b, value = outer, outer_gap
    for _ in range(100):
        candidate = b - value / slope if slope != 0 else (low + high) / 2
        if not low < candidate < high:
            candidate = (low + high) / 2
        value, slope = gap(candidate)
        b = candidate
        # keep the bracket: inside the interval the gap is positive, outside negative
        if (value > 0) == (direction > 0):
            low = b
        else:
            high = b
        if abs(value) < 1e-10 or high - low < 1e-12 * (1 + abs(b)):
            break
    return b
