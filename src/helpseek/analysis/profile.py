"""Profile-likelihood confidence intervals for logistic regression, solved exactly and verified.

For coefficient j, the constrained fit holds b_j fixed (as an offset) and maximises over the rest;
the interval ends are the roots of 2 (llf_hat - llf_profile(b_j)) = chi2_1(level). R's confint()
interpolates a spline over a grid instead, so it is off the exact root by up to about 1e-4.

Every bound is checked before it is returned (issue 11, defect 4): a converged constrained fit
must put the profile log-likelihood on the target within `VERIFY_TOL`, and the bound must lie on
its side of the estimate. The fit starts from the Venzon-Moolgavkar point (`check_bound`, issue 16)
or cold (every other path, and when that check fails). A bound that fails is searched again by
bisection with cold-started fits; one that still fails is returned as NaN with a note, never as a
wrong number.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from helpseek.analysis.kernels import loglik, score_and_gram, weighted_gram
from helpseek.analysis.venzon import chord_points, venzon_moolgavkar

#: |llf_profile(bound) - target| allowed at a verified bound (log-likelihood units; the deviance
#: is twice this). The root itself is solved to ~1e-10; this leaves room for a cold refit.
VERIFY_TOL = 1e-7
#: Covariate patterns from which a model's bounds are solved on several threads (below it, the
#: threads' start-up and the interpreter's lock cost more than the passes over X save).
_THREADED_ROWS = 20_000


@dataclass(frozen=True)
class NewtonFit:
    """A (possibly constrained) logistic ML fit: coefficients, log-likelihood, and whether it converged."""

    params: np.ndarray
    llf: float
    converged: bool


def newton_logit(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-12,
    weights: np.ndarray | None = None,
    fixed: Sequence[int] = (),
) -> NewtonFit:
    """Maximum likelihood by Newton-Raphson with step halving that never accepts a worse point.

    `weights` are prior (case) weights, as glm's `weights`: each row counts that many times.
    The coefficients listed in `fixed` keep their values from `start` and the others are fitted: the
    constrained fit of a profile, or (held at 0) a model without those columns, without copying X.

    Converged when the Newton decrement (the likelihood gain a full step promises) is below
    `tol * (1 + |llf|)`. The log-likelihood is concave, so from any start the accepted steps climb
    to the one optimum (when it is finite). Each iteration costs two passes over X (the Hessian and
    the step's linear predictor); eta = X beta + offset is carried along, not recomputed.
    """
    n, k = X.shape
    off = np.zeros(n) if offset is None else offset
    w = np.ones(n) if weights is None else weights
    held = list(fixed)
    if held and start is None:
        raise ValueError("fixed coefficients need their values in `start`")
    beta = _initial(X, y, off, w) if start is None else np.asarray(start, dtype=float).copy()
    eta = X @ beta + off if k else off
    llf = _loglik_eta(y, eta, w)
    if k == 0:
        return NewtonFit(beta, llf, True)
    for _ in range(max_iter):
        p = special.expit(eta)
        grad, hess = score_and_gram(X, w * (y - p), w * p * (1 - p))
        if held:  # held coefficients have no score to zero and take no step
            grad[held], hess[held, :], hess[:, held], hess[held, held] = 0.0, 0.0, 0.0, 1.0
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            return NewtonFit(beta, llf, False)
        # a saturated fit (every p at 0 or 1) has a zero Hessian and a zero "step": not converged
        solved = np.linalg.norm(hess @ step - grad) <= 1e-6 * (1 + np.linalg.norm(grad))
        done = solved and float(grad @ step) / 2 <= tol * (1 + abs(llf))
        accepted = _halve_until_not_worse(y, w, beta, eta, step, X @ step, llf)
        if accepted is None:
            return NewtonFit(beta, llf, done)
        beta, eta, llf = accepted
        if done:  # the last, tiny step squares the remaining error (quadratic convergence)
            return NewtonFit(beta, llf, True)
    return NewtonFit(beta, llf, False)


def _initial(X: np.ndarray, y: np.ndarray, offset: np.ndarray, w: np.ndarray) -> np.ndarray:
    """R glm's start: one weighted least-squares step from fitted values (y + 1/2) / 2, so that a
    large offset does not start Newton where every probability is 0 or 1."""
    mu = (y + 0.5) / 2
    weight = w * mu * (1 - mu)
    working = special.logit(mu) + (y - mu) / weight - offset
    try:  # the normal equations (cheap); least squares only when they are singular
        return np.linalg.solve(weighted_gram(X, weight), X.T @ (weight * working))
    except np.linalg.LinAlgError:
        root = np.sqrt(weight)
        return np.linalg.lstsq(X * root[:, None], working * root, rcond=None)[0]


def _halve_until_not_worse(
    y: np.ndarray,
    w: np.ndarray,
    beta: np.ndarray,
    eta: np.ndarray,
    step: np.ndarray,
    eta_step: np.ndarray,
    llf: float,
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(beta, eta, llf) at beta + scale * step for the largest scale in 1, 1/2, ... 2^-40 that does
    not lower llf (`eta_step` = X step)."""
    slack = 1e-13 * (1 + abs(llf))  # rounding: a converging step may not raise llf measurably
    scale = 1.0
    while scale > 2.0**-40:
        candidate = eta + scale * eta_step
        new_llf = _loglik_eta(y, candidate, w)
        if new_llf >= llf - slack:
            return beta + scale * step, candidate, new_llf
        scale /= 2
    return None


def _loglik_eta(y: np.ndarray, eta: np.ndarray, w: np.ndarray) -> float:
    # log-likelihood of a Bernoulli model, stable for large |eta|
    return loglik(y, eta, w)


@dataclass(frozen=True)
class ProfileBounds:
    """Both ends of one coefficient's profile interval; NaN where a bound was not found (see notes)."""

    low: float
    high: float
    notes: tuple[str, ...] = ()


def profile_interval(
    X: np.ndarray,
    y: np.ndarray,
    params: np.ndarray,
    se: np.ndarray,
    llf_hat: float,
    j: int,
    level: float = 0.95,
    weights: np.ndarray | None = None,
    covariance: np.ndarray | None = None,
    information: np.ndarray | None = None,
) -> ProfileBounds:
    """The exact, verified profile-likelihood interval of coefficient j (either end may be +-inf).

    With `covariance` (the inverse information at `params`), each end is first sought by
    Venzon-Moolgavkar's Newton on the full system (venzon.py; with `information` too, its chord
    form) and checked by `check_bound`, a constrained fit warm-started from the point found, or a
    cold one when that check fails. Otherwise, or when that end is still not verified, it is a root
    of g(b) = llf_profile(b) - target, found by Newton's method safeguarded by bisection; g'(b) is
    the score of b_j at the constrained optimum (envelope theorem), so every step costs one
    constrained fit, warm-started from the previous one, and the root is verified by a cold
    constrained fit.
    """
    w = np.ones(len(y)) if weights is None else weights
    target = llf_hat - stats.chi2.ppf(level, 1) / 2
    solved = _Solved(X, y, w, params, se, llf_hat, target, covariance, information)
    return solved.interval(j, {})


def profile_intervals(
    X: np.ndarray,
    y: np.ndarray,
    params: np.ndarray,
    se: np.ndarray,
    llf_hat: float,
    level: float = 0.95,
    weights: np.ndarray | None = None,
    covariance: np.ndarray | None = None,
    information: np.ndarray | None = None,
) -> list[ProfileBounds]:
    """`profile_interval` of every coefficient, the same bounds; with `covariance` and
    `information`, the Venzon-Moolgavkar points of all ends are first solved together
    (venzon.chord_points), and each is still verified on its own."""
    w = np.ones(len(y)) if weights is None else weights
    target = llf_hat - stats.chi2.ppf(level, 1) / 2
    solved = _Solved(X, y, w, params, se, llf_hat, target, covariance, information)
    ends = [(j, d) for j in range(X.shape[1]) for d in (-1.0, 1.0)]
    points: dict[tuple[int, float], np.ndarray | None] = {}
    threads = _threads(len(y))
    with ThreadPoolExecutor(threads) as pool:
        if covariance is not None and information is not None:
            share = -(-len(ends) // threads)
            parts = [ends[i : i + share] for i in range(0, len(ends), share)]
            found = pool.map(
                lambda part: chord_points(
                    X, y, w, params, covariance, information, llf_hat, target, part
                ),
                parts,
            )
            points = dict(zip(ends, [p for part in found for p in part]))
        return list(pool.map(lambda j: solved.interval(j, points), range(X.shape[1])))


def _threads(rows: int) -> int:
    """Threads for the bounds of one model: numpy's matrix products and ufuncs release the GIL
    on arrays this long, so the bounds of a large model use every core the process may run on."""
    return min(len(os.sched_getaffinity(0)), 4) if rows >= _THREADED_ROWS else 1


@dataclass(frozen=True)
class _Solved:
    """A fitted model whose profile bounds are sought: the data, the fit and the target."""

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    params: np.ndarray
    se: np.ndarray
    llf_hat: float
    target: float
    covariance: np.ndarray | None
    information: np.ndarray | None

    def interval(self, j: int, points: dict[tuple[int, float], np.ndarray | None]) -> ProfileBounds:
        """Both verified ends of coefficient j; `points` holds Venzon-Moolgavkar points found
        beforehand (an end missing there, or None, is sought again here)."""
        X, y, w, target = self.X, self.y, self.w, self.target
        estimate = float(self.params[j])
        profile: _Profile | None = None  # X without column j: a copy, made only when needed
        ends, notes = [], []
        for direction, side in ((-1.0, "lower"), (1.0, "upper")):
            value = float("nan")
            point = points.get((j, direction))
            if point is None and self.covariance is not None:
                point = venzon_moolgavkar(
                    X, y, w, self.params, self.covariance, j, target, direction,
                    information=self.information, llf_hat=self.llf_hat,
                )  # fmt: skip
            if point is not None and check_bound(X, y, w, point, j, target, estimate, direction):
                value = float(point[j])
            elif point is not None:
                profile = profile or _Profile(np.delete(X, j, axis=1), X[:, j], y, w, target)
                if _verified(profile, float(point[j]), estimate, direction):
                    value = float(point[j])
            if np.isnan(value):
                profile = profile or _Profile(np.delete(X, j, axis=1), X[:, j], y, w, target)
                se = self.se[j]
                step = float(se) if np.isfinite(se) and se > 0 else 1.0
                value = _end(profile, estimate, step, direction, np.delete(self.params, j))
            if np.isnan(value):
                notes.append(side)
            ends.append(value)
        return ProfileBounds(ends[0], ends[1], tuple(notes))


def check_bound(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    point: np.ndarray,
    j: int,
    target: float,
    estimate: float,
    direction: float,
) -> bool:
    """Whether b = point[j] is a verified profile bound of coefficient j on the side `direction`:
    b lies beyond the estimate on that side, and the constrained fit at b (b_j held, every other
    coefficient fitted by `newton_logit` from `point`) converges with its log-likelihood on the
    target within `VERIFY_TOL`.

    The constrained log-likelihood is concave, so Newton reaches its one optimum from any start:
    started at a right point it converges in one step (one Hessian); from a wrong point it still
    climbs to the true constrained optimum, whose log-likelihood is then off the target.
    """
    b = float(point[j])
    if not np.isfinite(b) or (b - estimate) * direction <= 0:
        return False
    fit = newton_logit(X, y, start=point, weights=w, fixed=(j,))
    return fit.converged and abs(fit.llf - target) <= VERIFY_TOL


@dataclass(frozen=True)
class _Profile:
    """The profile of one coefficient: the other columns, its column, the outcome, the frequency
    weights and the target."""

    rest: np.ndarray
    xj: np.ndarray
    y: np.ndarray
    w: np.ndarray
    target: float

    def gap(self, b: float, start: np.ndarray | None) -> tuple[float, float, NewtonFit]:
        """(llf_profile(b) - target, its derivative in b, the constrained fit)."""
        fit = newton_logit(self.rest, self.y, offset=b * self.xj, start=start, weights=self.w)
        p = special.expit(self.rest @ fit.params + b * self.xj)
        return fit.llf - self.target, float(self.xj @ (self.w * (self.y - p))), fit


def _end(
    profile: _Profile, estimate: float, step: float, direction: float, start: np.ndarray
) -> float:
    """One end of the interval: bracket, solve, verify; bisection with cold fits when that fails."""
    bracket = _bracket(profile, estimate, step, direction, start)
    if bracket is None:
        return float("nan")
    inner, outer, outer_fit = bracket
    if outer_fit is None:
        return direction * np.inf
    bound = _newton_root(profile, inner, outer, direction, outer_fit)
    if bound is not None and _verified(profile, bound, estimate, direction):
        return bound
    bound = _bisect(lambda b: profile.gap(b, None)[0], inner, outer)
    if bound is not None and _verified(profile, bound, estimate, direction):
        return bound
    return float("nan")


def _bracket(
    profile: _Profile, estimate: float, step: float, direction: float, start: np.ndarray
) -> tuple[float, float, NewtonFit | None] | None:
    """(inner, outer, fit at outer) with gap(inner) > 0 >= gap(outer); fit None when the profile
    never reaches the target (an infinite bound); None when a constrained fit failed."""
    inner, fit_start = estimate, start
    for tries in range(41):
        outer = estimate + direction * 2.5 * step * 2.0**tries
        value, _, fit = profile.gap(outer, fit_start)
        if not fit.converged:
            value, _, fit = profile.gap(outer, None)
            if not fit.converged:
                return None
        if value <= 0:
            return inner, outer, fit
        inner, fit_start = outer, fit.params
    return inner, outer, None


def _newton_root(
    profile: _Profile, inner: float, outer: float, direction: float, fit: NewtonFit
) -> float | None:
    """Safeguarded Newton on the gap inside [inner, outer], warm-starting each constrained fit."""
    low, high = sorted((inner, outer))
    b = outer
    value, slope, fit = profile.gap(outer, fit.params)
    for _ in range(100):
        candidate = b - value / slope if slope != 0 else (low + high) / 2
        if not low < candidate < high:
            candidate = (low + high) / 2
        value, slope, fit = profile.gap(candidate, fit.params)
        if not fit.converged:
            return None
        b = candidate
        # keep the bracket: inside the interval the gap is positive, outside negative
        if (value > 0) == (direction > 0):
            low = b
        else:
            high = b
        if abs(value) < 1e-10 or high - low < 1e-12 * (1 + abs(b)):
            return b
    return None


def _bisect(gap: Callable[[float], float], inner: float, outer: float) -> float | None:
    """The root of a decreasing-away-from-the-estimate gap by plain bisection (None if not bracketed)."""
    g_inner, g_outer = gap(inner), gap(outer)
    if not (g_inner > 0 >= g_outer):
        return None
    for _ in range(200):
        middle = (inner + outer) / 2
        if middle in (inner, outer):
            break
        if gap(middle) > 0:
            inner = middle
        else:
            outer = middle
        if abs(outer - inner) < 1e-13 * (1 + abs(middle)):
            break
    return (inner + outer) / 2


def _verified(profile: _Profile, bound: float, estimate: float, direction: float) -> bool:
    """A bound is kept only if it lies beyond the estimate on its side and a cold-started constrained
    fit there puts the profile log-likelihood on the target."""
    if not np.isfinite(bound) or (bound - estimate) * direction <= 0:
        return False
    value, _, fit = profile.gap(bound, None)
    return fit.converged and abs(value) <= VERIFY_TOL
