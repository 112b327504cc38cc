"""Profile-likelihood bounds are verified: the deviance at each bound is the target, on the right side.

Issue 11, defect 4: R's mtcars, am ~ wt + hp, gave the wt interval [-17.207, -8.0835], whose upper
end is the point estimate; the exact root of the profile deviance is -3.7695 (MASS agrees).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpseek.analysis import Predictor, build_design, fit_logistic
from helpseek.analysis.profile import (
    VERIFY_TOL,
    check_bound,
    newton_logit,
    profile_interval,
    profile_intervals,
)
from helpseek.analysis.venzon import venzon_moolgavkar

MTCARS = Path(__file__).parent / "fixtures" / "outside" / "mtcars.csv"


def _mtcars() -> tuple[np.ndarray, np.ndarray]:
    data = pd.read_csv(MTCARS)
    design = build_design(data, [Predictor("wt", "numeric"), Predictor("hp", "numeric")])
    return design.matrix, data["am"].to_numpy(float)


def _profile_gap(X: np.ndarray, y: np.ndarray, j: int, b: float, llf_hat: float) -> float:
    """2 (llf_hat - llf_profile(b)) - chi2_1(0.95), refitted from a cold start."""
    rest = np.delete(X, j, axis=1)
    fit = newton_logit(rest, y, offset=b * X[:, j])
    assert fit.converged
    return 2 * (llf_hat - fit.llf) - stats.chi2.ppf(0.95, 1)


def test_profile__mtcars_am_wt_hp__wt_upper_bound_is_the_root_not_the_estimate() -> None:
    # Given R's mtcars and the model am ~ wt + hp (a strongly informative fit)
    data = pd.read_csv(MTCARS)
    design = build_design(data, [Predictor("wt", "numeric"), Predictor("hp", "numeric")])
    # When we ask for profile-likelihood intervals
    result = fit_logistic(data["am"].to_numpy(float), design, outcome="am", ci="profile")
    wt = result.term("wt")
    # Then the upper bound of wt is the exact root: R's uniroot on the profile deviance of glm fits
    # with wt as an offset gives -3.7695301535086458 (MASS's spline: -3.7731)
    assert wt.ci_high == pytest.approx(-3.7695301535086458, rel=1e-9)
    assert wt.ci_low < wt.estimate < wt.ci_high
    assert result.warnings == ()


def test_newton_logit__far_offset_and_warm_start__converges_to_the_cold_start_optimum() -> None:
    # Given the constrained fit of am ~ hp with wt's coefficient held far from its estimate
    X, y = _mtcars()
    rest, offset = np.delete(X, 1, axis=1), -0.41 * X[:, 1]
    cold = newton_logit(rest, y, offset=offset)
    # When it starts from the unconstrained estimates (a poor start for this offset)
    warm = newton_logit(rest, y, offset=offset, start=np.array([18.866, 0.03626]))
    # Then it never accepts a worse step and reaches the same optimum
    assert warm.converged and cold.converged
    assert warm.llf == pytest.approx(cold.llf, abs=1e-9)
    np.testing.assert_allclose(warm.params, cold.params, rtol=1e-7)


@pytest.mark.parametrize("j", [0, 1, 2])
def test_profile_interval__every_bound__deviance_equals_target_on_its_side(j: int) -> None:
    X, y = _mtcars()
    full = newton_logit(X, y)
    se = np.sqrt(np.diag(np.linalg.inv(_information(X, full.params))))
    bounds = profile_interval(X, y, full.params, se, full.llf, j)
    assert bounds.notes == ()
    assert bounds.low < full.params[j] < bounds.high
    for b in (bounds.low, bounds.high):
        assert _profile_gap(X, y, j, b, full.llf) == pytest.approx(0.0, abs=1e-7)


def _information(X: np.ndarray, params: np.ndarray) -> np.ndarray:
    p = 1 / (1 + np.exp(-(X @ params)))
    return (X * (p * (1 - p))[:, None]).T @ X


def test_profile_interval__no_root_can_be_verified__bounds_are_nan_with_notes_not_guesses() -> None:
    # Given a target the profile can never reach (a log-likelihood above the true maximum)
    X, y = _mtcars()
    full = newton_logit(X, y)
    se = np.ones(3)
    # When the interval is solved
    bounds = profile_interval(X, y, full.params, se, full.llf + 10.0, 1)
    # Then neither end is a number: both are reported as not found
    assert np.isnan(bounds.low) and np.isnan(bounds.high)
    assert bounds.notes == ("lower", "upper")


@pytest.mark.parametrize("j", [0, 1, 2])
def test_profile_interval__venzon_moolgavkar__same_bounds_as_the_bracketed_root(j: int) -> None:
    # Given mtcars am ~ wt + hp, whose profile is far from quadratic (issue 11's defect)
    X, y = _mtcars()
    full = newton_logit(X, y)
    covariance = np.linalg.inv(_information(X, full.params))
    se = np.sqrt(np.diag(covariance))
    # When each bound is found by Venzon-Moolgavkar (issue 16) and by the constrained-fit root search
    fast = profile_interval(X, y, full.params, se, full.llf, j, covariance=covariance)
    slow = profile_interval(X, y, full.params, se, full.llf, j)
    # Then both give the same verified bounds
    assert fast.notes == slow.notes == ()
    assert (fast.low, fast.high) == pytest.approx((slow.low, slow.high), rel=1e-9)
    target = full.llf - stats.chi2.ppf(0.95, 1) / 2
    information = _information(X, full.params)
    for chord in (None, information):  # exact Newton, and the chord form from the information
        points = [
            venzon_moolgavkar(X, y, np.ones(len(y)), full.params, covariance, j, target, d,
                              information=chord)
            for d in (-1.0, 1.0)
        ]  # fmt: skip
        assert all(point is not None for point in points)
        assert [p[j] for p in points] == pytest.approx([slow.low, slow.high], rel=1e-9)


def test_profile_interval__venzon_moolgavkar_cannot_settle__the_root_search_still_answers() -> None:
    # Given a quasi-separated predictor: its upper profile bound is infinite, Newton cannot land
    x = np.array([0.0] * 10 + [1.0] * 10)
    y = np.array([0.0] * 7 + [1.0] * 3 + [1.0] * 10)
    X = np.column_stack([np.ones(20), x])
    fit = newton_logit(X, y, max_iter=100)
    covariance = np.linalg.inv(_information(X, fit.params))
    se = np.sqrt(np.diag(covariance))
    target = fit.llf - stats.chi2.ppf(0.95, 1) / 2
    assert venzon_moolgavkar(X, y, np.ones(20), fit.params, covariance, 1, target, 1.0) is None
    bounds = profile_interval(X, y, fit.params, se, fit.llf, 1, covariance=covariance)
    assert bounds.high == np.inf and np.isfinite(bounds.low)


def _bound_point(
    X: np.ndarray, y: np.ndarray, j: int, direction: float
) -> tuple[np.ndarray, float]:
    """(the Venzon-Moolgavkar point of mtcars' bound, the target), both from the full fit."""
    full = newton_logit(X, y)
    covariance = np.linalg.inv(_information(X, full.params))
    target = full.llf - stats.chi2.ppf(0.95, 1) / 2
    point = venzon_moolgavkar(X, y, np.ones(len(y)), full.params, covariance, j, target, direction)
    assert point is not None
    return point, target


@pytest.mark.parametrize("j", [0, 1, 2])
def test_check_bound__right_point__verified_and_its_constrained_fit_is_the_cold_one(j: int) -> None:
    # Given mtcars am ~ wt + hp and the point Venzon-Moolgavkar found for each upper bound
    X, y = _mtcars()
    point, target = _bound_point(X, y, j, 1.0)
    estimate = newton_logit(X, y).params[j]
    # When the warm check runs, then it accepts the bound
    assert check_bound(X, y, np.ones(len(y)), point, j, target, estimate, 1.0)
    # and its constrained fit (coefficient j held) is the cold fit on X without column j
    warm = newton_logit(X, y, start=point, fixed=(j,))
    cold = newton_logit(np.delete(X, j, axis=1), y, offset=point[j] * X[:, j])
    assert warm.converged and cold.converged
    assert warm.params[j] == point[j]
    np.testing.assert_allclose(np.delete(warm.params, j), cold.params, rtol=1e-7)
    assert warm.llf == pytest.approx(cold.llf, abs=1e-9)
    assert abs(warm.llf - target) <= VERIFY_TOL


@pytest.mark.parametrize("shift", [1e-4, -1e-4, 1e-6])
def test_check_bound__bound_moved_off_the_root__rejected(shift: float) -> None:
    # Given the verified upper bound of wt, moved by a little (a wrong bound fed to the check)
    X, y = _mtcars()
    point, target = _bound_point(X, y, 1, 1.0)
    wrong = point.copy()
    wrong[1] += shift
    estimate = newton_logit(X, y).params[1]
    # When the warm check runs on it, then it is rejected: its constrained optimum is off the target
    assert not check_bound(X, y, np.ones(len(y)), wrong, 1, target, estimate, 1.0)


def test_check_bound__other_coefficients_off_their_optimum__still_verified_by_the_fit() -> None:
    # Given the right bound of wt but the other coefficients far from their constrained optimum
    X, y = _mtcars()
    point, target = _bound_point(X, y, 1, 1.0)
    moved = point + np.array([0.5, 0.0, -0.01])
    ones = np.ones(len(y))
    estimate = newton_logit(X, y).params[1]
    # (the log-likelihood at that point itself is far from the target: the check does not read it)
    eta = X @ moved
    assert abs(float(y @ eta - np.logaddexp(0.0, eta).sum()) - target) > 1.0
    # When the warm check runs, then its Newton fit climbs to the constrained optimum and accepts
    assert check_bound(X, y, ones, moved, 1, target, estimate, 1.0)


def test_check_bound__bound_on_the_wrong_side_or_not_finite__rejected() -> None:
    # Given the upper bound of wt offered as its lower bound, and a bound that is not a number
    X, y = _mtcars()
    point, target = _bound_point(X, y, 1, 1.0)
    estimate = newton_logit(X, y).params[1]
    ones = np.ones(len(y))
    # Then neither is accepted
    assert not check_bound(X, y, ones, point, 1, target, estimate, -1.0)
    infinite = point.copy()
    infinite[1] = np.inf
    assert not check_bound(X, y, ones, infinite, 1, target, estimate, 1.0)


def test_newton_logit__fixed_coefficients_at_zero__same_fit_as_without_their_columns() -> None:
    # Given mtcars am ~ wt + hp and the model without hp
    X, y = _mtcars()
    reduced = newton_logit(X[:, :2], y)
    # When hp's coefficient is held at 0 in the full design
    held = newton_logit(X, y, start=np.array([0.0, 0.0, 0.0]), fixed=(2,))
    # Then it is the same fit
    assert held.converged and held.params[2] == 0.0
    np.testing.assert_allclose(held.params[:2], reduced.params, rtol=1e-8)
    assert held.llf == pytest.approx(reduced.llf, abs=1e-9)


def test_profile_intervals__large_weighted_model__same_bounds_as_the_bracketed_root() -> None:
    # Given 30,000 distinct weighted patterns (enough to solve the bounds on several threads)
    rng = np.random.default_rng(16)
    n = 30_000
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 3)), rng.random((n, 2)) < 0.3]).astype(
        float
    )
    truth = np.array([-0.5, 0.8, -0.3, 0.05, 0.6, -1.0])
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ truth)))).astype(float)
    w = rng.integers(1, 4, size=n).astype(float)
    full = newton_logit(X, y, weights=w)
    information = (
        X * (w / (1 + np.exp(-(X @ full.params))) / (1 + np.exp(X @ full.params)))[:, None]
    ).T @ X
    covariance = np.linalg.inv(information)
    se = np.sqrt(np.diag(covariance))
    # When every bound is solved together (chord Venzon-Moolgavkar, warm checks, threads) and one
    # by one by the constrained-fit root search with cold verification
    fast = profile_intervals(X, y, full.params, se, full.llf, 0.95, w, covariance, information)
    slow = [profile_interval(X, y, full.params, se, full.llf, j, 0.95, w) for j in range(6)]
    # Then the bounds are the same, and each puts a cold constrained fit on the target
    for j, (f, s) in enumerate(zip(fast, slow)):
        assert f.notes == s.notes == ()
        assert (f.low, f.high) == pytest.approx((s.low, s.high), rel=1e-9, abs=1e-12)
        for b in (f.low, f.high):
            cold = newton_logit(np.delete(X, j, axis=1), y, offset=b * X[:, j], weights=w)
            assert (
                cold.converged
                and abs(cold.llf - (full.llf - stats.chi2.ppf(0.95, 1) / 2)) <= VERIFY_TOL
            )
