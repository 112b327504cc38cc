"""Separation is detected and never silently reported: firth: auto switches to Firth (firthmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from firthmodels.adapters.statsmodels import FirthLogit

from helpseek.analysis import Predictor, build_design, fit_logistic
from helpseek.problems import InputError, catalogue


def _separated() -> tuple[np.ndarray, pd.DataFrame]:
    # Given an exposure level where every respondent has the outcome (quasi-complete separation)
    rng = np.random.default_rng(7)
    n = 120
    group = np.array(["a"] * 60 + ["b"] * 40 + ["c"] * 20, dtype=object)
    age = rng.normal(40, 10, n).round()
    y = np.where(group == "c", 1.0, (rng.random(n) < 0.3).astype(float))
    return y, pd.DataFrame({"group": group, "age": age})


@pytest.mark.parametrize(("ci", "ci_method"), [("profile", "profile penalised"), ("wald", "wald")])
def test_fit_logistic__separation_with_firth_auto__uses_firth_and_matches_firthmodels(
    ci: str, ci_method: str
) -> None:
    y, frame = _separated()
    design = build_design(
        frame, [Predictor("group", "categorical", ("a", "b", "c")), Predictor("age", "numeric")]
    )
    # When fitted with firth: auto and the spec's ci (issue 16: ci: wald is honoured under Firth)
    result = fit_logistic(y, design, outcome="y", firth="auto", ci=ci)
    # Then Firth was used, the table will say so, and the numbers are firthmodels' own
    # (pl=True: profile penalised intervals and penalised LR p; pl=False: Wald, as logistf)
    assert result.method == "firth" and result.separation and result.ci_method == ci_method
    assert any("group=c" in w for w in result.warnings)
    # (fitted to helpseek's tolerance, 1e-6: firthmodels' default 1e-4 is 1e-5 off logistf)
    reference = FirthLogit(y, design.matrix).fit(
        pl=ci == "profile", maxiter=100, gtol=1e-6, xtol=1e-6
    )
    interval = np.asarray(reference.conf_int())
    for index, term in enumerate((result.intercept, *result.terms)):
        assert term.estimate == pytest.approx(reference.params[index], rel=1e-9)
        assert term.se == pytest.approx(reference.bse[index], rel=1e-9)
        assert term.p == pytest.approx(reference.pvalues[index], rel=1e-9)
        assert (term.ci_low, term.ci_high) == pytest.approx(tuple(interval[index]), rel=1e-9)
    assert np.isfinite(result.term("group", "c").estimate)


def test_fit_logistic__separation_with_firth_never__says_the_odds_ratio_is_not_finite() -> None:
    y, frame = _separated()
    design = build_design(frame, [Predictor("group", "categorical", ("a", "b", "c"))])
    result = fit_logistic(y, design, outcome="y", firth="never")
    assert result.method == "mle" and result.separation
    assert any("not finite" in w for w in result.warnings)
    assert result.to_dict()["warnings"] == list(result.warnings)


def test_fit_logistic__no_separation_with_firth_always__still_uses_firth() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=200)})
    y = (rng.random(200) < 1 / (1 + np.exp(-frame["x"].to_numpy()))).astype(float)
    result = fit_logistic(
        y, build_design(frame, [Predictor("x", "numeric")]), outcome="y", firth="always"
    )
    assert result.method == "firth" and not result.separation and result.warnings == ()


def test_fit_logistic__collinear_predictors__is_a_clear_problem_naming_the_terms() -> None:
    # Given two predictors that say the same thing in the analysed rows
    rng = np.random.default_rng(5)
    group = np.array(["a", "b"] * 30, dtype=object)
    frame = pd.DataFrame({"group": group, "copy": np.where(group == "b", "yes", "no")})
    y = (rng.random(60) < 0.4).astype(float)
    design = build_design(
        frame,
        [
            Predictor("group", "categorical", ("a", "b")),
            Predictor("copy", "categorical", ("no", "yes")),
        ],
    )
    # When the model is fitted, Then it refuses with the catalogue message, not a LinAlgError
    with pytest.raises(InputError) as raised:
        fit_logistic(y, design, outcome="y")
    expected = catalogue["ANALYSIS-015"].format(
        kind="multivariable", outcome="y", n=60, terms="copy=yes"
    )
    assert [p.message for p in raised.value.problems] == [expected]
