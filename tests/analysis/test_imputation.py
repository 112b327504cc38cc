"""Multiple imputation: no crash on numeric gaps (issue 11, defect 3), pooling equal to R mice's
pool(), and pooled estimates equal to R mice's within Monte Carlo error over seeds.

Fixtures: `fixtures/mice/make_mice.R` (R mice 3.15, m = 5, maxit = 10, default methods).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpseek.analysis import Predictor, build_design, fit_logistic, run_analysis, spec_from_mapping
from helpseek.analysis.imputation import impute_chained
from helpseek.analysis.pooling import pool_rubin
from helpseek.data import read_table

MICE = Path(__file__).parent / "fixtures" / "mice"
OUTSIDE = Path(__file__).parent / "fixtures" / "outside"

PIMA = [Predictor(p, "numeric") for p in ("npreg", "glu", "bp", "skin", "bmi", "ped", "age")]
BRANDSMA = [
    Predictor("sex", "categorical", ("boy", "girl")),
    Predictor("den", "categorical", ("public", "protestant", "catholic", "private")),
    Predictor("ses", "numeric"),
    Predictor("iqv", "numeric"),
    Predictor("lpr", "numeric"),
]


def _key(variable: str, level: str | None) -> str:
    return variable if level is None else f"{variable}={level}"


def test_run_analysis__mice_with_missing_numeric_predictors__pools_instead_of_crashing() -> None:
    # Given mice::nhanes2: bmi and chl (numeric) have missing values, and so does the outcome
    data = read_table(MICE / "nhanes2.csv")
    spec = spec_from_mapping(
        {
            "outcomes": [{"name": "hyp", "positive": ["yes"]}],
            "predictors": [
                {"name": "age", "type": "categorical"},
                {"name": "bmi", "type": "numeric"},
                {"name": "chl", "type": "numeric"},
            ],
            "models": ["multivariable"],
            "missing": "mice",
            "imputations": 5,
        }
    )
    # When the analysis imputes them
    result = run_analysis(data, spec)
    # Then the pooled model uses every row with an answered outcome (17 of 25), not 13 complete ones
    complete, pooled = result.models
    assert (complete.n, pooled.n) == (13, 17)
    assert pooled.missing == "mice" and pooled.ci_method == "wald (Rubin's rules)"
    assert {t.variable for t in pooled.terms} == {"age", "bmi", "chl"}


def test_impute_chained__numeric_gaps__observed_values_kept_and_imputations_are_observed_values() -> (
    None
):
    data = read_table(MICE / "pima_tr2.csv")
    frame = data[[p.name for p in PIMA] + ["type"]].astype(float)
    completed = impute_chained(frame, PIMA, "type", m=3, rng=np.random.default_rng(1))
    for copy in completed:
        assert not copy.isna().any().any()
        for p in PIMA:
            observed = frame[p.name].notna()
            # What was answered is never changed; pmm only ever imputes a value someone gave
            pd.testing.assert_series_equal(copy.loc[observed, p.name], frame.loc[observed, p.name])
            assert set(copy.loc[~observed, p.name]) <= set(frame.loc[observed, p.name])


def test_pool_rubin__rs_completed_datasets__equals_mice_pool_summary_to_1e6() -> None:
    # Given the 5 datasets R's mice completed, and R's summary(pool()) of glm on them
    reference = json.loads((MICE / "pool_pima_tr2.json").read_text())
    long = pd.read_csv(MICE / "pool_pima_tr2.csv")
    fits = []
    for _, part in long.groupby(".imp"):
        design = build_design(part, PIMA)
        fits.append(
            fit_logistic(part["type"].to_numpy(float), design, outcome="type", firth="never")
        )
    # When helpseek pools its own fits of them (Rubin's rules, Barnard-Rubin df)
    pooled = pool_rubin(fits)
    # Then estimate, SE, p and the t-based CI are R's to 1e-6 relative
    ours = {_key(t.variable, t.level): t for t in (pooled.intercept, *pooled.terms)}
    for i, key in enumerate(reference["terms"]):
        term = ours[key]
        assert term.estimate == pytest.approx(reference["estimate"][i], rel=1e-6)
        assert term.se == pytest.approx(reference["std_error"][i], rel=1e-6)
        assert term.p == pytest.approx(reference["p_value"][i], rel=1e-6)
        assert term.ci_low == pytest.approx(reference["conf_low"][i], rel=1e-6)
        assert term.ci_high == pytest.approx(reference["conf_high"][i], rel=1e-6)


def _our_pooled(
    frame: pd.DataFrame, predictors: list[Predictor], outcome: str, seed: int
) -> dict[str, tuple[float, float]]:
    completed = impute_chained(frame, predictors, outcome, m=5, rng=np.random.default_rng(seed))
    fits = [
        fit_logistic(
            c[outcome].to_numpy(float),
            build_design(c, predictors),
            outcome=outcome,
            ci="wald",
            with_diagnostics=False,
        )
        for c in completed
    ]
    pooled = pool_rubin(fits)
    return {
        _key(t.variable, t.level): (t.estimate, t.se) for t in (pooled.intercept, *pooled.terms)
    }


def _frames() -> dict[str, tuple[pd.DataFrame, list[Predictor], str]]:
    pima = read_table(MICE / "pima_tr2.csv")
    pima = pima[[p.name for p in PIMA]].astype(float).assign(type=pima["type"].astype(float))
    brandsma = read_table(OUTSIDE / "brandsma.csv")
    frame = pd.DataFrame(
        {
            "sex": brandsma["sex"].astype(object).where(brandsma["sex"].notna(), None),
            "den": brandsma["den"].astype(object).where(brandsma["den"].notna(), None),
            **{p: brandsma[p].astype(float) for p in ("ses", "iqv", "lpr")},
            "min": (brandsma["min"] == "yes").astype(float),
        }
    )
    return {"pima_tr2": (pima, PIMA, "type"), "brandsma": (frame, BRANDSMA, "min")}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "seeds"), [("pima_tr2", 24), ("brandsma", 8)])
def test_impute_chained__over_seeds__pooled_estimates_are_r_mices_within_monte_carlo_error(
    name: str, seeds: int
) -> None:
    # Given R mice's pooled estimates over many seeds (pmm, logreg, polyreg; m = 5, maxit = 10)
    reference = json.loads((MICE / "seeds.json").read_text())["datasets"][name]
    frame, predictors, outcome = _frames()[name]
    # When helpseek imputes the same data with its own chains over other seeds
    runs = [_our_pooled(frame, predictors, outcome, seed) for seed in range(1, seeds + 1)]
    # Then each term's mean pooled estimate and mean pooled SE differ from R's by less than 4
    # Monte Carlo SEs of the difference (the two means are independent)
    for i, key in enumerate(reference["terms"]):
        for which, column in (("estimate", 0), ("se", 1)):
            theirs = np.array(reference[which][i])
            ours = np.array([run[key][column] for run in runs])
            mcse = np.sqrt(theirs.var(ddof=1) / len(theirs) + ours.var(ddof=1) / len(ours))
            difference = ours.mean() - theirs.mean()
            assert abs(difference) <= 4 * mcse, (key, which, ours.mean(), theirs.mean(), mcse)
