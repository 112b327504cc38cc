"""Firth's penalised likelihood with some coefficients held at 0 and the full model's penalty.

This is R logistf's restricted fit (`logistf.fit(col.fit = ...)`, `fitcontrol(terms.fit = ...)`)
and the reduced model of its default nested penalised likelihood-ratio test (`anova(method =
"nested")`, `drop1`, `logistftest`): the Jeffreys penalty 1/2 log det I(beta) is always computed from
the full design, with the dropped coefficients at 0, so a test of one column gives firthmodels' and
logistf's own per-coefficient p, and a factor's test of all its columns is the same kind of test.
Refitting the reduced design with its own, smaller penalty (logistf's `method = "PLR"` compares
such fits) gives another number.

Fitted as logistf.fit does: Newton steps on the free coefficients with the Fisher information and
Firth's modified score, at most `_MAX_STEP` per coefficient, halved until the penalised likelihood
does not fall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from helpseek.analysis.kernels import loglik, score_and_gram

_MAX_STEP = 5.0  # logistf.control(maxstep = 5)
_MAX_HALVINGS = 30
_MAX_ITER = 100
#: Stop when no free coefficient moves more than this and the modified score is this small:
#: well inside logistf's defaults (xconv = gconv = lconv = 1e-5).
_TOLERANCE = 1e-9
#: Or, as logistf stops, when a step under 1e-6 raises the penalised log-likelihood by at most
#: 1e-10: along a nearly flat direction (a quasi-separated column) Newton's step stays at ~1e-10
#: while the likelihood has stopped changing at rounding (esoph's tobgp test: 1.4e-10 for ever).
_STEP_TOLERANCE = 1e-6
_GAIN_TOLERANCE = 1e-10


@dataclass(frozen=True)
class RestrictedFit:
    """The penalised fit with `fixed` coefficients held at 0 (an empty `fixed` is the full fit)."""

    params: np.ndarray
    penalised_llf: float
    converged: bool
    iterations: int


def penalised_loglik(X: np.ndarray, y: np.ndarray, w: np.ndarray, params: np.ndarray) -> float:
    """log L(beta) + 1/2 log det(X' W X), W = diag(w p (1 - p)); -inf where X' W X is singular."""
    eta = X @ params
    p = special.expit(eta)
    _, gram = score_and_gram(X, None, w * p * (1 - p))
    sign, logdet = np.linalg.slogdet(gram)
    if sign <= 0:
        return -np.inf
    return loglik(y, eta, w) + 0.5 * float(logdet)


def fit_restricted(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    fixed: Sequence[int],
    start: np.ndarray | None = None,
) -> RestrictedFit:
    """Maximise the penalised likelihood over the columns not in `fixed`; those stay at 0.

    `w` are frequency weights (a row stands for w identical rows). `start` defaults to zeros.
    """
    k = X.shape[1]
    free = np.array([j for j in range(k) if j not in set(fixed)], dtype=np.intp)
    beta = np.zeros(k) if start is None else np.array(start, dtype=float)
    beta[list(fixed)] = 0.0
    current = penalised_loglik(X, y, w, beta)
    for iteration in range(1, _MAX_ITER + 1):
        try:
            score, information = _modified_score(X, y, w, beta)
            step = np.linalg.solve(information[np.ix_(free, free)], score[free])
        except np.linalg.LinAlgError:  # singular information: no fit to offer
            return RestrictedFit(beta, current, False, iteration)
        largest = float(np.max(np.abs(step), initial=0.0))
        if largest > _MAX_STEP:
            step *= _MAX_STEP / largest
        if largest <= _TOLERANCE and float(np.max(np.abs(score[free]), initial=0.0)) <= _TOLERANCE:
            return RestrictedFit(beta, current, True, iteration)
        moved = _halved_until_not_worse(X, y, w, beta, free, step, current)
        if moved is None:  # no step along Newton's direction helps: at the optimum to rounding
            return RestrictedFit(beta, current, largest <= _STEP_TOLERANCE, iteration)
        gain = moved[1] - current
        beta, current = moved
        if largest <= _STEP_TOLERANCE and gain <= _GAIN_TOLERANCE:
            return RestrictedFit(beta, current, True, iteration)
    return RestrictedFit(beta, current, False, _MAX_ITER)


def nested_lr_statistic(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, full: np.ndarray, dropped: Sequence[int]
) -> tuple[float, RestrictedFit]:
    """2 (l*(full) - l*(restricted)) with the `dropped` columns at 0, both with the full penalty,
    and the restricted fit; the full fit's estimates `full` are its start (dropped ones zeroed)."""
    restricted = fit_restricted(X, y, w, dropped, start=full)
    statistic = 2.0 * (penalised_loglik(X, y, w, full) - restricted.penalised_llf)
    return max(statistic, 0.0), restricted


def _modified_score(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Firth's modified score X' (w (y - p) + h (1/2 - p)) and the Fisher information X' W X, with
    h the hat values of the weighted rows, w p (1 - p) x' I^-1 x."""
    p = special.expit(X @ beta)
    v = w * p * (1 - p)
    _, information = score_and_gram(X, None, v)
    inverse = np.linalg.inv(information)
    hat = v * np.einsum("ij,jk,ik->i", X, inverse, X)
    return X.T @ (w * (y - p) + hat * (0.5 - p)), information


def _halved_until_not_worse(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    beta: np.ndarray,
    free: np.ndarray,
    step: np.ndarray,
    current: float,
) -> tuple[np.ndarray, float] | None:
    for halving in range(_MAX_HALVINGS):
        trial = beta.copy()
        trial[free] += step * 0.5**halving
        value = penalised_loglik(X, y, w, trial)
        if value >= current:
            return trial, value
    return None
