"""The analysis kernels agree with the plain numpy expressions they replace (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

from helpseek.analysis.kernels import loglik, score_and_gram, softplus, weighted_gram


@pytest.mark.parametrize("n", [1, 7, 1024, 1025, 5000])
def test_weighted_gram__any_row_count__equals_x_transpose_diag_v_x(n: int) -> None:
    # Given 0/1 dummies and a numeric column over n rows, and positive weights (below, at and
    # above one block of rows)
    rng = np.random.default_rng(n)
    X = np.column_stack([np.ones(n), rng.random((n, 5)) < 0.3, rng.normal(size=n)]).astype(float)
    v = rng.random(n)
    # Then the blocked product is X' diag(v) X to rounding
    np.testing.assert_allclose(weighted_gram(X, v), (X * v[:, None]).T @ X, rtol=1e-13, atol=1e-12)
    # and the score from the same pass is X' r
    r = rng.normal(size=n)
    score, gram = score_and_gram(X, r, v)
    np.testing.assert_allclose(score, X.T @ r, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(gram, (X * v[:, None]).T @ X, rtol=1e-13, atol=1e-12)


def test_softplus__small_large_and_extreme_eta__equals_numpy_logaddexp() -> None:
    eta = np.concatenate([np.linspace(-40, 40, 10001), [-1e300, -745.0, 0.0, 709.0, 1e300]])
    got = softplus(eta)
    np.testing.assert_allclose(got, np.logaddexp(0.0, eta), rtol=1e-15, atol=1e-300)
    assert np.all(np.isfinite(got))
    assert got[-1] == 1e300 and got[-5] == 0.0


def test_loglik__bernoulli_weighted__equals_the_sum_of_log_probabilities() -> None:
    # Given an outcome, linear predictors and frequency weights
    y = np.array([1.0, 0.0, 1.0, 0.0])
    eta = np.array([0.3, -1.2, 4.0, 2.5])
    w = np.array([2.0, 1.0, 3.0, 1.0])
    p = 1 / (1 + np.exp(-eta))
    # Then it is sum w (y log p + (1 - y) log(1 - p)), computed another way
    expected = float(np.sum(w * (y * np.log(p) + (1 - y) * np.log(1 - p))))
    assert loglik(y, eta, w) == pytest.approx(expected, rel=1e-14)
