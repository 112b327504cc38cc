"""Models fitted on covariate patterns with frequency weights give the row-by-row numbers (issue 16).

The references are the row-by-row fits: statsmodels' Logit on the rows (estimates, SEs, p, llf),
helpseek's own fit on the uncollapsed rows (profile bounds, LR tests, diagnostics), and firthmodels
on the rows under separation.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from helpseek.analysis import Predictor, build_design, fit_logistic, load_spec
from helpseek.analysis.diagnostics import diagnose
from helpseek.analysis.models import fit_models
from helpseek.analysis.prepare import prepare
from helpseek.analysis.profile import newton_logit
from helpseek.analysis.separation import no_separation_proven, separated_columns

from .survey_frame import make_survey_frame


@pytest.fixture(scope="module")
def prepared():  # the bundled design on a synthetic export of 900 respondents
    frame = make_survey_frame(900, seed=11)
    for flag in ("speeding", "duplicates", "inconsistent"):
        frame[f"flag_{flag}"] = False
    spec = load_spec("help_seeking")
    return prepare(frame, spec), spec


def _same(a: object, b: object, path: str = "") -> None:
    """Every number in two results.json fragments equal to 1e-9 (relative), every text identical."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            _same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


def _row_fit(prepared_frame: pd.DataFrame, outcome: str, chosen: list[Predictor], ci: str):
    """The model fitted on its complete-case rows, one row per respondent, no patterns."""
    column = f"outcome:{outcome}"
    rows = prepared_frame[[column] + [p.name for p in chosen]].dropna()
    present = [
        p
        if p.kind == "numeric"
        else Predictor(p.name, p.kind, tuple(lv for lv in p.levels if lv in set(rows[p.name])))
        for p in chosen
    ]
    design = build_design(rows, present)
    y = rows[column].to_numpy(float)
    kind = "univariable" if len(chosen) == 1 else "multivariable"
    return y, design, fit_logistic(y, design, outcome=outcome, kind=kind, ci=ci)


@pytest.mark.slow
def test_fit_models__patterns__every_number_equals_the_row_by_row_fit_and_statsmodels(
    prepared,
) -> None:
    data, spec = prepared
    spec = replace(spec, outcomes=spec.outcomes[:2])  # two outcomes: 36 models, profile bounds
    # When every model is fitted on its covariate patterns
    models = fit_models(data.frame, data.predictors, spec, lambda _m: None, [])
    assert len(models) == 2 * (len(data.predictors) + 1)
    assert sum(m.method == "mle" for m in models) >= 30
    for model in models:
        chosen = [
            p for p in data.predictors if any(t.variable == p.name for t in model.terms)
        ] or list(data.predictors)
        y, design, reference = _row_fit(data.frame, model.outcome, chosen, spec.ci)
        # Then results.json holds the numbers of the same model fitted row by row
        _same(model.to_dict(), reference.to_dict())
        if model.method != "mle":
            continue  # Firth under separation: the row-by-row fit above is firthmodels' own
        # and statsmodels' Logit on the rows agrees on estimates, SEs, p and the log-likelihood
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logit = sm.Logit(y, design.matrix).fit(method="newton", tol=1e-12, disp=False)
        terms = (model.intercept, *model.terms)
        assert [t.estimate for t in terms] == pytest.approx(list(logit.params), rel=1e-7, abs=1e-9)
        assert [t.se for t in terms] == pytest.approx(list(logit.bse), rel=1e-7)
        assert [t.p for t in terms] == pytest.approx(list(logit.pvalues), rel=1e-6, abs=1e-12)
        assert model.diagnostics is not None
        assert model.diagnostics.loglik == pytest.approx(logit.llf, rel=1e-10)
        assert model.n == len(y) and model.events == int(y.sum())


def test_fit_logistic__firth_on_weighted_patterns__equals_firth_on_the_rows() -> None:
    # Given separated data (every "c" is an event) as rows and as weighted patterns
    group = np.array(["a"] * 30 + ["b"] * 20 + ["c"] * 6, dtype=object)
    y = np.array([1.0] * 9 + [0.0] * 21 + [1.0] * 5 + [0.0] * 15 + [1.0] * 6)
    predictor = [Predictor("group", "categorical", ("a", "b", "c"))]
    rows = fit_logistic(
        y, build_design(pd.DataFrame({"group": group}), predictor), outcome="y", ci="profile"
    )
    keys = pd.DataFrame({"group": group, "y": y}).value_counts().reset_index()
    weighted = fit_logistic(
        keys["y"].to_numpy(float),
        build_design(keys, predictor),
        outcome="y",
        ci="profile",
        weights=keys["count"].to_numpy(float),
    )
    # Then both use Firth, and every number is the same
    assert rows.method == weighted.method == "firth" and weighted.separation
    _same(weighted.to_dict(), rows.to_dict())


def test_diagnose__weighted_patterns__equal_the_expanded_rows() -> None:
    rng = np.random.default_rng(4)
    X = np.column_stack([np.ones(40), rng.integers(0, 3, 40), rng.integers(0, 2, 40)]).astype(float)
    y = (rng.random(40) < 0.4).astype(float)
    w = rng.integers(1, 9, 40).astype(float)
    fit = newton_logit(X, y, weights=w)
    weighted = diagnose(X, y, fit.params, fit.llf, True, w)
    counts = w.astype(int)
    expanded = diagnose(np.repeat(X, counts, axis=0), np.repeat(y, counts), fit.params, fit.llf)
    _same(weighted.to_dict(), expanded.to_dict())
    assert weighted.n == int(w.sum()) and weighted.hosmer_lemeshow_df > 0


def test_separated_columns__proof_of_no_separation__holds_only_without_separation() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=300)
    X = np.column_stack([np.ones(300), x])
    w = np.ones(300)
    # Given overlapping outcomes, the converged fit proves there is no separation
    y = (rng.random(300) < 1 / (1 + np.exp(-x))).astype(float)
    fit = newton_logit(X, y, weights=w)
    assert fit.converged and no_separation_proven(X, y, w, fit.params)
    # Given outcomes separated by x = 0, no fit can prove it, and the programme finds column 1
    separated = (x > 0).astype(float)
    far = newton_logit(X, separated, weights=w, max_iter=100)
    assert not no_separation_proven(X, separated, w, far.params)
    for scale in (1.0, 10.0, 1e3):  # not even at points along the separating direction
        assert not no_separation_proven(X, separated, w, np.array([0.0, scale]))
    assert 1 in separated_columns(X, separated, w, far)
    assert math.isfinite(fit.llf)
