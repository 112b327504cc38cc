"""A profile-likelihood bound by Venzon and Moolgavkar's method (Appl. Statist. 37, 1988) (issue 16).

The bound b_j of coefficient j is the point beta where the log-likelihood is on the target and
every other score is zero: F(beta) = (llf(beta) - target, score_{-j}(beta)) = 0. Newton's method on
F needs one gradient and Hessian per step, where a root search over b_j needs a whole constrained
fit per step. It starts on the quadratic approximation (the Wald bound, the other coefficients at
their conditional optimum given b_j) and usually lands in 3-5 steps.

Given the information at the estimate (`information`), the Hessian rows of F's Jacobian are taken
from it instead of being recomputed at every step (a chord method; the score row is always exact):
a step then costs two passes over X instead of a Hessian, and converges in 3 steps on large data,
where the bound is a few standard errors from the estimate and the Hessian hardly changes. When a
step does not shrink to a quarter of the one before, the Hessian is recomputed at the current
point (a far-from-quadratic profile, as mtcars' am ~ wt + hp). The root F = 0 is the same either
way. profile.py verifies the point with a constrained fit and falls back on its own bracketed
search when this fails.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from helpseek.analysis.kernels import loglik, softplus, weighted_gram

#: The largest Newton step (relative to the coefficients) after which the bound is taken.
_TOL = 1e-10
#: Ends solved together by `chord_points`: one pass over X serves them all (n x 16 floats a pass).
_BLOCK = 16


def venzon_moolgavkar(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    params: np.ndarray,
    covariance: np.ndarray,
    j: int,
    target: float,
    direction: float,
    max_iter: int = 30,
    information: np.ndarray | None = None,
    llf_hat: float | None = None,
) -> np.ndarray | None:
    """The point beta of the bound on the side `direction` (-1 lower, +1 upper; b_j = beta[j]), or
    None when Newton does not settle. With `information` (at `params`), a chord method (above).
    `llf_hat`, the log-likelihood at `params`, is computed when not given."""
    if llf_hat is None:
        llf_hat = loglik(y, X @ params, w)
    drop = llf_hat - target  # chi2 / 2
    if not (drop > 0 and covariance[j, j] > 0):
        return None
    shift = direction * np.sqrt(2 * drop * covariance[j, j])
    beta = params + shift * covariance[:, j] / covariance[j, j]
    others = [i for i in range(X.shape[1]) if i != j]  # their scores must be zero
    hessian = None if information is None else -information[others]
    previous = np.inf
    for _ in range(max_iter):
        eta = X @ beta
        p = special.expit(eta)
        value = loglik(y, eta, w) - target
        score = X.T @ (w * (y - p))
        if hessian is None:
            hessian = -weighted_gram(X, w * p * (1 - p))[others]
        jacobian = np.vstack([score[None, :], hessian])
        try:
            step = np.linalg.solve(jacobian, -np.concatenate([[value], score[others]]))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        beta = beta + step
        size = float(np.max(np.abs(step)))
        if size <= _TOL * (1 + np.max(np.abs(beta))):
            # each step shrinks the error at least fourfold (else the Hessian is refreshed): the
            # error left after a step this small is below a third of it
            return beta if (beta[j] - params[j]) * direction > 0 else None
        if information is None or size > previous / 4:
            hessian = None  # exact Newton, or a chord too far from the current point: refresh
        previous = size
    return None


def chord_points(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    params: np.ndarray,
    covariance: np.ndarray,
    information: np.ndarray,
    llf_hat: float,
    target: float,
    ends: list[tuple[int, float]],
    max_iter: int = 30,
) -> list[np.ndarray | None]:
    """`venzon_moolgavkar`'s chord form for many ends (j, direction) at once, blocks of `_BLOCK`:
    each step computes the linear predictors and scores of a block with two matrix products over
    X instead of two vector products per end. An end whose step does not shrink fourfold, or that
    does not settle, is None here (venzon_moolgavkar, which refreshes the Hessian, is its next try).
    """
    drop = llf_hat - target
    found: dict[int, np.ndarray | None] = {}
    todo: list[tuple[int, int, np.ndarray]] = []
    for index, (j, direction) in enumerate(ends):
        if not (drop > 0 and covariance[j, j] > 0):
            found[index] = None
            continue
        shift = direction * np.sqrt(2 * drop * covariance[j, j])
        todo.append((index, j, params + shift * covariance[:, j] / covariance[j, j]))
    for start in range(0, len(todo), _BLOCK):
        block = todo[start : start + _BLOCK]
        points = _chord_block(X, y, w, information, target, block, max_iter)
        for (index, j, _), point in zip(block, points):
            side = ends[index][1]
            found[index] = (
                point if point is not None and (point[j] - params[j]) * side > 0 else None
            )
    return [found[i] for i in range(len(ends))]


def _chord_block(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    information: np.ndarray,
    target: float,
    block: list[tuple[int, int, np.ndarray]],
    max_iter: int,
) -> list[np.ndarray | None]:
    """The chord iterations of one block of ends (index, j, start), all columns of B at once."""
    B = np.column_stack([start for _, _, start in block])
    result: list[np.ndarray | None] = [None] * len(block)
    previous = np.full(len(block), np.inf)
    active = list(range(len(block)))
    wy = w * y
    xwy = X.T @ wy
    for _ in range(max_iter):
        if not active:
            break
        eta = X @ B[:, active]  # n x len(active): no other array of that size is made but two
        values = wy @ eta - w @ softplus(eta) - target
        fitted = special.expit(eta, out=eta)
        fitted *= w[:, None]
        scores = xwy[:, None] - X.T @ fitted
        still = []
        for column, b in enumerate(active):
            j = block[b][1]
            others = [i for i in range(X.shape[1]) if i != j]
            jacobian = np.vstack([scores[:, column][None, :], -information[others]])
            try:
                step = np.linalg.solve(
                    jacobian, -np.concatenate([[values[column]], scores[others, column]])
                )
            except np.linalg.LinAlgError:
                continue
            if not np.all(np.isfinite(step)):
                continue
            B[:, b] += step
            size = float(np.max(np.abs(step)))
            if size <= _TOL * (1 + np.max(np.abs(B[:, b]))):
                result[b] = B[:, b].copy()
            elif size <= previous[b] / 4:
                previous[b] = size
                still.append(b)
        active = still
    return result
