"""helpseek's Firth fits against R logistf's numbers (logistf itself cannot be installed here).

`fixtures/logistf/cases.json` holds datasets and the numbers logistf gives on them, as logistf's
own tests and the tests of two Python ports state them (each with `repo@commit:path:line`;
`fixtures/logistf/extract_cases.py` extracts them from the repositories): coefficients, profile
penalised 95% intervals (logistf's default pl = TRUE), Wald SEs and penalised likelihood-ratio
p-values. Each case is run through the real path (read_table, run_analysis with firth: always and
ci: profile) and compared at the relative precision its source states.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from helpseek.analysis import LogisticResult, run_analysis, spec_from_mapping
from helpseek.data import read_table

FIXTURES = Path(__file__).parent / "fixtures" / "logistf"
CASES = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))["cases"]
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
