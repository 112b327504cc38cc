"""helpseek's Firth fits against R logistf's numbers (logistf cannot be installed from CRAN here).

`fixtures/logistf/cases.json` holds datasets and the numbers logistf gives on them, as logistf's
own tests and the tests of two Python ports state them (each with `repo@commit:path:line`;
`fixtures/logistf/extract_cases.py` extracts them from the repositories): coefficients, profile
penalised 95% intervals (logistf's default pl = TRUE), Wald SEs and penalised likelihood-ratio
p-values. Each case is run through the real path (read_table, run_analysis with firth: always and
ci: profile) and compared at the relative precision its source states.

`fixtures/logistf/nested.json` holds what logistf's own code gives, compiled from its repository
(fixtures/logistf/run_logistf.py): the tests of several coefficients at once (drop1, anova) that
helpseek's factor p under Firth must equal, on sex2, esoph and Titanic, to 1e-6.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from helpseek.analysis import LogisticResult, run_analysis, spec_from_mapping
from helpseek.analysis.firth_nested import fit_restricted, nested_lr_statistic
from helpseek.data import read_table

FIXTURES = Path(__file__).parent / "fixtures" / "logistf"
REFERENCES = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))
CASES = REFERENCES["cases"]
#: restricted fits (some coefficients held at 0 under the full model's penalty), logistf's own
RESTRICTED = REFERENCES["restricted"]
SEX2_COLUMNS = ["age", "oc", "vic", "vicl", "vis", "dia"]
#: the name of each number in cases.json -> the field of helpseek's Term that holds it
FIELDS = {
    "estimate": "estimate",
    "se": "se",
    "p": "p",
    "profile_low": "ci_low",
    "profile_high": "ci_high",
}


@cache
def _fit(index: int) -> LogisticResult:
    case = CASES[index]
    spec = spec_from_mapping({
        "title": case["name"],
        "outcomes": [{"name": case["outcome"], "positive": ["1"]}],
        "predictors": [{"name": p, "type": "numeric"} for p in case["predictors"]],
        "models": ["multivariable"],
        "firth": "always",
        "ci": "profile",
    })  # fmt: skip
    result = run_analysis(read_table(FIXTURES / case["data"]), spec)
    return next(m for m in result.models if m.kind == "multivariable")


def _numbers(case: dict[str, Any]) -> list[tuple[str, str, float]]:
    return [(k, n, v) for k, values in case["expected"].items() for n, v in values.items()]


def test_logistf_cases__come_from_outside_with_their_sources() -> None:
    # Given the extracted cases: logistf's own test and both ports, three datasets
    assert {c["sources"]["estimate"].split("@")[0] for c in CASES} == {
        "georgheinze/logistf", "jzluo/firthlogist", "jzluo/firthmodels",
    }  # fmt: skip
    assert {c["data"] for c in CASES} == {"sex2.csv", "endometrial.csv", "separation.csv"}
    for case in CASES:
        # every kind of number names the line it came from
        assert all(
            k in case["sources"] or k.split("_")[0] in case["sources"] for k in case["expected"]
        )
        assert all(s.count("@") == 1 and ":" in s for s in case["sources"].values())
    assert sum(len(_numbers(c)) for c in CASES) >= 60


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_firth_fit__agrees_with_logistf_at_the_stated_precision(index: int) -> None:
    case = CASES[index]
    # Given logistf's numbers for this dataset, When helpseek fits the same model with Firth
    model = _fit(index)
    terms = {"(Intercept)": model.intercept, **{t.variable: t for t in model.terms}}
    # Then it is a converged Firth fit with profile penalised intervals on every row
    assert (model.method, model.ci_method, model.converged) == ("firth", "profile penalised", True)
    assert model.n == len(read_table(FIXTURES / case["data"]))
    # and every coefficient, bound, SE and p-value is logistf's to the source's precision
    wrong = [
        f"{kind} {name}: helpseek {getattr(terms[name], FIELDS[kind])!r}, logistf {value!r}"
        for kind, name, value in _numbers(case)
        if getattr(terms[name], FIELDS[kind]) != pytest.approx(value, rel=case["rtol"])
    ]
    assert wrong == []


def test_firth_fit__sex2_quasi_separated_coefficient_to_1e6() -> None:
    # Given sex2, where `dia` is quasi-separated (flat penalised likelihood), and the two
    # logistf values stated for it (logistf's own test and firthlogist's, 3.09601263 / 3.09601166)
    stated = [c["expected"]["estimate"]["dia"] for c in CASES if c["data"] == "sex2.csv"]
    dia = _fit(0).term("dia").estimate
    # Then helpseek's estimate is within 1e-6 of both (firthmodels' default tolerance of 1e-4
    # stopped at 3.0959766, 1.2e-5 away)
    assert all(dia == pytest.approx(v, rel=1e-6) for v in stated), (dia, stated)


# --- Penalised likelihood-ratio tests of several coefficients (logistf's anova / drop1) --------
#
# logistf's default test of dropped terms (`anova(method = "nested")`, `drop1`, `logistftest`)
# refits the model with the terms' coefficients at 0 and keeps the full model's Jeffreys penalty
# (georgheinze/logistf R/anova.logistf.r, R/add1.R); helpseek's factor p under Firth is that test.
# `fixtures/logistf/nested.json` holds what logistf's own code gives (compiled from its repository
# and run by fixtures/logistf/run_logistf.py with logistf_tests.R).

NESTED = json.loads((FIXTURES / "nested.json").read_text(encoding="utf-8"))
OUTSIDE = FIXTURES.parent / "outside"


def _numeric_design(frame: Any, outcome: str, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    X = np.column_stack([np.ones(len(frame))] + [frame[c].to_numpy(float) for c in columns])
    return X, frame[outcome].to_numpy(float)


def test_nested_test_of_one_column__is_logistfs_p_to_1e6() -> None:
    # Given logistf's penalised likelihood-ratio p of each coefficient, as firthmodels states them
    # to 10 digits (the test of one column is the nested test with one column dropped)
    case = next(c for c in CASES if c["data"] == "separation.csv")
    X, y = _numeric_design(read_table(FIXTURES / case["data"]), "y", case["predictors"])
    w = np.ones(len(y))
    full = fit_restricted(X, y, w, [])
    # When each column is dropped alone, its coefficient held at 0 under the full penalty
    found = {}
    for j, name in enumerate(["(Intercept)", *case["predictors"]]):
        statistic, restricted = nested_lr_statistic(X, y, w, full.params, [j])
        assert restricted.converged
        found[name] = float(stats.chi2.sf(statistic, 1))
    # Then every p is logistf's to 1e-6 relative
    assert found == pytest.approx(case["expected"]["p"], rel=1e-6, abs=0)


def test_restricted_fit__logistfs_terms_fit_case__its_own_code_to_1e6_its_test_to_0_1() -> None:
    # Given sex2 fitted with only the intercept and age free (terms.fit = c(1, 2)), the other
    # five coefficients held at 0 under the full penalty
    stated, computed = RESTRICTED[0], NESTED["restricted"]
    X, y = _numeric_design(read_table(FIXTURES / "sex2.csv"), "case", SEX2_COLUMNS)
    names = ["(Intercept)", *SEX2_COLUMNS]
    fixed = [j for j, n in enumerate(names) if n not in stated["free"]]
    # When helpseek fits the same restricted model
    fit = fit_restricted(X, y, np.ones(len(y)), fixed)
    assert fit.converged and np.all(fit.params[fixed] == 0.0)
    # Then it is what logistf's own code gives, to 1e-6
    assert dict(zip(names, fit.params, strict=True)) == pytest.approx(
        computed["estimate"], rel=1e-6, abs=1e-12
    )
    # and within the tolerance of logistf's test-termsfit.R as all.equal measures it (mean
    # relative difference over all seven coefficients): its digits, written on 2021-07-12, are
    # not what logistf's code gives (cases.json's note), 7.1e-4 away
    target = np.array([stated["expected"].get(n, 0.0) for n in names])
    difference = np.sum(np.abs(fit.params - target)) / np.sum(np.abs(target))
    assert difference <= stated["tolerance"]
    assert difference == pytest.approx(7.1e-4, abs=0.5e-4)


@cache
def _run_outside(data: str) -> Any:
    """run_analysis (Firth always, profile) on one of nested.json's datasets, every model."""
    cases = [c for c in NESTED["cases"] if c["data"] == data]
    levels = NESTED["levels"].get(data, {})
    outcome, positive = cases[0]["outcome"], cases[0]["positive"]
    predictors = max((c["predictors"] for c in cases), key=len)
    spec = spec_from_mapping({
        "title": data,
        "outcomes": [{"name": outcome, "positive": [positive]}],
        "predictors": [
            {"name": p, "type": "categorical", "levels": levels[p]} if p in levels
            else {"name": p, "type": "numeric"}
            for p in predictors
        ],
        "models": ["univariable", "multivariable"],
        "firth": "always",
        "ci": "profile",
    })  # fmt: skip
    folder = FIXTURES if data == "sex2.csv" else OUTSIDE
    return run_analysis(read_table(folder / data), spec)


def _model(case: dict[str, Any]) -> LogisticResult:
    models = _run_outside(case["data"]).models
    if case["kind"] == "multivariable":
        return next(m for m in models if m.kind == "multivariable")
    return next(
        m
        for m in models
        if m.kind == "univariable" and m.terms[0].variable == case["predictors"][0]
    )


def _coefficient_names(model: LogisticResult) -> dict[str, Any]:
    """R's names for helpseek's terms: `age`, `agegp35-44` (the variable, then the level)."""
    named = {"(Intercept)": model.intercept}
    named.update({t.variable + (t.level or ""): t for t in model.terms})
    return named


@pytest.mark.parametrize(
    "index", range(len(NESTED["cases"])), ids=[c["name"] for c in NESTED["cases"]]
)
def test_firth_factor_p__logistfs_drop1_to_1e6(index: int) -> None:
    case = NESTED["cases"][index]
    # Given logistf's fit and its drop1 table (each factor's columns at 0, the full penalty)
    # When helpseek fits the same model with Firth
    model = _model(case)
    terms = _coefficient_names(model)
    # Then every coefficient and every coefficient's p is logistf's to 1e-6
    assert {n: terms[n].estimate for n in case["estimate"]} == pytest.approx(
        case["estimate"], rel=1e-6, abs=0
    )
    # (logistf's p is 1 - pchisq, within 2.2e-16 of the tail: relative 1e-6 from 1e-9 up)
    stated = {n: p for n, p in case["p"].items() if p >= 1e-9}
    assert {n: terms[n].p for n in stated} == pytest.approx(stated, rel=1e-6, abs=0)
    assert all(abs(terms[n].p - p) <= 2.3e-16 for n, p in case["p"].items() if p < 1e-9)
    # and a factor of several levels has logistf's p for dropping all its columns: its statistic's
    # chi-squared tail to 1e-6 relative however small (logistf prints 1 - pchisq, 0 below
    # 1e-16), equal to its p where that is not 0
    factors = {v: t for v, t in case["tests"].items() if t["df"] > 1 and v in model.factor_p}
    assert set(factors) == set(model.factor_p)
    for variable, test in factors.items():
        expected = float(stats.chi2.sf(test["chisq"], test["df"]))
        assert model.factor_p[variable] == pytest.approx(expected, rel=1e-6, abs=0), variable
        if test["p"] > 0:
            assert model.factor_p[variable] == pytest.approx(test["p"], rel=1e-6, abs=0), variable


def test_firth_factor_p__same_test_whatever_the_factors_coding() -> None:
    # Given sex2 with vic and vicl (three combinations seen: none, vic only, both) as one factor of
    # three levels, whose two indicator columns span the same space as logistf's vic and vicl
    frame = read_table(FIXTURES / "sex2.csv")
    frame["contact"] = np.select(
        [frame["vicl"] == 1, frame["vic"] == 1], ["both", "vic only"], "none"
    ).astype(object)
    spec = spec_from_mapping({
        "title": "sex2 with a factor",
        "outcomes": [{"name": "case", "positive": ["1"]}],
        "predictors": [
            {"name": p, "type": "categorical", "reference": "none"} if p == "contact"
            else {"name": p, "type": "numeric"}
            for p in ["age", "oc", "contact", "vis", "dia"]
        ],
        "models": ["multivariable"],
        "firth": "always",
        "ci": "profile",
    })  # fmt: skip
    # When helpseek fits it with Firth and tests the factor
    model = run_analysis(frame, spec).models[0]
    # Then the factor's p is logistf's anova(fit, formula = ~vic + vicl)
    joint = next(c for c in NESTED["cases"] if c["name"] == "sex2")["tests"]["vic+vicl"]
    assert model.factor_p["contact"] == pytest.approx(joint["p"], rel=1e-6, abs=0)


def test_firth_factor_p__restricted_fit_not_converged__left_empty_and_noted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given esoph's model, where the fits without each factor need several Newton steps,
    # and those fits allowed only one (so none of them converges)
    from helpseek.analysis import firth_nested

    monkeypatch.setattr(firth_nested, "_MAX_ITER", 1)
    _run_outside.cache_clear()
    try:
        case = next(c for c in NESTED["cases"] if c["name"].startswith("esoph multivariable"))
        model = _model(case)
    finally:
        _run_outside.cache_clear()
    # Then each factor's p is empty, not a number from the unfinished fit, and the notes say so
    assert set(model.factor_p) == {"agegp", "alcgp", "tobgp"}
    assert all(np.isnan(p) for p in model.factor_p.values())
    for variable in model.factor_p:
        assert any(f"p of {variable} (all its levels) was not found" in n for n in model.warnings)
    assert model.to_dict()["factor_p"] == {"agegp": None, "alcgp": None, "tobgp": None}
