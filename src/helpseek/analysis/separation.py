"""Separation: which coefficients have an infinite ML estimate (issue 16: proven absent cheaply).

Konis' linear programme (firthmodels.detect_separation) answers exactly but costs a solver run per
model. It is skipped when the converged ML fit proves there is no separation. By Stiemke's lemma,
exactly one holds for the rows a_i = s_i x_i (s_i = +1 for an event, -1 otherwise):

- a direction d != 0 with a_i d >= 0 on every row (the data are separated or quasi-separated);
- weights mu_i > 0 on every row with sum mu_i a_i = 0.

At the ML fit the score is sum w_i lambda_i a_i = g with lambda_i = 1 - p_i for an event and p_i
otherwise, all > 0, and g ~ 0. The correction mu_i = lambda_i + s_i x_i c with
(X' W X) c = -g cancels g exactly; when every mu_i stays above lambda_i / 2 (and no lambda_i is so
small that rounding could matter), the weights of the second case exist: no separation.
"""

from __future__ import annotations

import numpy as np
from firthmodels import detect_separation
from scipy import special

from helpseek.analysis.profile import NewtonFit

#: Smallest lambda_i (a fitted probability this close to 0 or 1) the proof accepts.
_SMALLEST = 1e-6


def separated_columns(X: np.ndarray, y: np.ndarray, w: np.ndarray, ml: NewtonFit) -> list[int]:
    """Indices of the columns whose ML estimate is infinite (empty: no separation).

    `X` has full column rank, its first column is the intercept; `w` counts rows; `ml` is the
    unpenalised fit, used only to prove there is no separation.
    """
    if X.shape[1] < 2 or (ml.converged and no_separation_proven(X, y, w, ml.params)):
        return []
    result = detect_separation(X[:, 1:], y, fit_intercept=True)
    if not result.separation:
        return []
    directions = np.asarray(result.directions)
    return [i + 1 for i, d in enumerate(directions[:-1]) if d != 0] or [0]


def no_separation_proven(X: np.ndarray, y: np.ndarray, w: np.ndarray, params: np.ndarray) -> bool:
    """True when the fit at `params` proves (Stiemke's lemma, module docstring) there is no
    separation; False proves nothing."""
    p = special.expit(X @ params)
    slack = np.where(y > 0, 1 - p, p)  # lambda_i
    if not np.all(np.isfinite(slack)) or slack.min() < _SMALLEST:
        return False
    grad = X.T @ (w * (y - p))
    information = (X * w[:, None]).T @ X
    try:
        c = np.linalg.solve(information, -grad)
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.abs(X @ c) < slack / 2))
