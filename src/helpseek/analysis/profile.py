"""Profile-likelihood confidence intervals for logistic regression, solved exactly by root finding.

For coefficient j, the constrained fit holds b_j fixed (as an offset) and maximises over the rest;
the interval ends are the roots of 2 (llf_hat - llf_profile(b_j)) = chi2_1(level). R's confint()
interpolates a spline over a grid instead, so it is off the exact root by up to about 1e-4.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats


def newton_logit(
    X: np.ndarray, y: np.ndarray, offset: np.ndarray | None = None,
    start: np.ndarray | None = None, max_iter: int = 100, tol: float = 1e-12,
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
        new_llf, scale = -np.inf, 1.0
        while scale > 1e-8:
            candidate = beta + scale * step
            new_llf = _loglik(X, y, off, candidate)
            if new_llf >= llf - 1e-12:
                break
            scale /= 2
        beta = candidate
        done = abs(new_llf - llf) < tol * (abs(llf) + tol) and np.max(np.abs(scale * step)) < 1e-8
        llf = new_llf
        if done:
            break
    return beta, llf


def _loglik(X: np.ndarray, y: np.ndarray, offset: np.ndarray, beta: np.ndarray) -> float:
    eta = X @ beta + offset if X.shape[1] else offset
    # log-likelihood of a Bernoulli model, stable for large |eta|
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def profile_interval(
    X: np.ndarray, y: np.ndarray, params: np.ndarray, se: np.ndarray, llf_hat: float, j: int,
    level: float = 0.95,
) -> tuple[float, float]:
    """The exact profile-likelihood interval of coefficient j (either end may be +-inf)."""
    target = llf_hat - stats.chi2.ppf(level, 1) / 2
    rest = np.delete(X, j, axis=1)
    start = np.delete(params, j)
    xj = X[:, j]

    def gap(b: float) -> float:
        _, llf = newton_logit(rest, y, offset=b * xj, start=start)
        return llf - target

    ends = []
    for direction in (-1.0, 1.0):
        step = max(float(se[j]), 1e-6) if np.isfinite(se[j]) else 1.0
        inner, outer = params[j], params[j] + direction * 2 * step
        tries = 0
        while gap(outer) > 0 and tries < 40:
            inner, outer = outer, params[j] + direction * 2 * step * 2 ** (tries + 1)
            tries += 1
        if gap(outer) > 0:
            ends.append(direction * np.inf)
            continue
        ends.append(optimize.brentq(gap, min(inner, outer), max(inner, outer), xtol=1e-12, rtol=1e-12))
    return ends[0], ends[1]
