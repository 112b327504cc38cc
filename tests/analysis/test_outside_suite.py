"""The outside validation suite: helpseek against R on datasets that R ships (issue 11).

Each `fixtures/outside/<name>.csv` is run through `read_table` and `run_analysis` with the spec in
`<name>.json`, and every number is compared with R's (made by `fixtures/outside/make_outside.R`;
the datasets and what each exercises are listed there): per model n, events, each coefficient's
estimate, SE, Wald p, Wald and exact profile-likelihood bounds, the likelihood-ratio p of each
multi-level factor (R's drop1), log-likelihoods, AUC and Nagelkerke R²; the prevalence counts and
Wilson intervals overall and by group. Numbers agree to 1e-6 relative, counts exactly.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpseek.analysis import AnalysisResult, LogisticResult, run_analysis, spec_from_mapping
from helpseek.data import read_table

OUTSIDE = Path(__file__).parent / "fixtures" / "outside"
DATASETS = sorted(p.stem for p in OUTSIDE.glob("*.json"))
REL = 1e-6


def _close(ours: float, theirs: Any) -> bool:
    """Equal to R's value to 1e-6 relative (infinities as R writes them: "Infinity")."""
    if isinstance(theirs, str):
        return bool(np.isinf(ours)) and (ours > 0) == (theirs == "Infinity")
    return ours == pytest.approx(theirs, rel=REL, abs=1e-12)


@cache
def _reference(name: str) -> dict[str, Any]:
    return json.loads((OUTSIDE / f"{name}.json").read_text())


@cache
def _run(name: str, ci: str) -> AnalysisResult:
    raw = dict(_reference(name)["spec"])
    spec = spec_from_mapping({**raw, "ci": ci})
    return run_analysis(read_table(OUTSIDE / f"{name}.csv"), spec)


def _model(result: AnalysisResult, reference: dict[str, Any]) -> LogisticResult:
    wanted = set(reference["predictors"])
    return next(
        m
        for m in result.models
        if m.kind == reference["kind"] and {t.variable for t in m.terms} == wanted
    )


def _cases() -> list[tuple[str, int]]:
    return [(name, i) for name in DATASETS for i in range(len(_reference(name)["models"]))]


def _id(case: tuple[str, int]) -> str:
    name, i = case
    return f"{name}: {_reference(name)['models'][i]['formula']}"


def test_outside_suite__has_at_least_five_datasets_r_ships() -> None:
    assert len(DATASETS) >= 5
    sources = {_reference(name)["source"].split(" ")[0] for name in DATASETS}
    assert all("::" in s for s in sources)


@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_outside__model__agrees_with_r_glm_to_1e6(case: tuple[str, int]) -> None:
    name, index = case
    reference = _reference(name)["models"][index]
    # Given R's glm fit of this model, When helpseek runs the dataset's spec (profile CIs)
    profile = _model(_run(name, "profile"), reference)
    wald = _model(_run(name, "wald"), reference)
    # Then the counts are R's, the fit is plain ML and converged
    assert (profile.n, profile.events) == (reference["n"], reference["events"])
    assert profile.method == "mle" and profile.converged and profile.warnings == ()
    # And every coefficient, SE, p, Wald and exact profile bound agrees to 1e-6 relative
    ours = {(t.variable, t.level): (t, w) for t, w in zip(
        (profile.intercept, *profile.terms), (wald.intercept, *wald.terms), strict=True
    )}  # fmt: skip
    assert len(ours) == len(reference["terms"])
    mismatches = []
    for theirs in reference["terms"]:
        term, wald_term = ours[(theirs["variable"], theirs["level"])]
        for field, value in [
            ("estimate", term.estimate), ("se", term.se), ("p", term.p),
            ("wald_low", wald_term.ci_low), ("wald_high", wald_term.ci_high),
            ("profile_low", term.ci_low), ("profile_high", term.ci_high),
        ]:  # fmt: skip
            if not _close(value, theirs[field]):
                mismatches.append(
                    (theirs["variable"], theirs["level"], field, value, theirs[field])
                )
    assert mismatches == []
    # And every factor with more than one non-reference level has its likelihood-ratio p: R's drop1
    levels_of: dict[str, int] = {}
    for theirs in reference["terms"]:
        if theirs["level"] is not None:
            levels_of[theirs["variable"]] = levels_of.get(theirs["variable"], 0) + 1
    assert set(profile.factor_p) == {v for v, count in levels_of.items() if count > 1}
    for variable, p in profile.factor_p.items():
        assert _close(p, reference["drop1_lr_p"][variable])
    # And the fit statistics agree
    diagnostics = profile.diagnostics
    assert diagnostics is not None
    assert _close(diagnostics.loglik, reference["loglik"])
    assert _close(diagnostics.null_loglik, reference["null_loglik"])
    assert _close(diagnostics.auc, reference["auc"])
    assert _close(diagnostics.nagelkerke_r2, reference["nagelkerke_r2"])


@pytest.mark.parametrize("name", DATASETS)
def test_outside__prevalence__counts_equal_and_wilson_interval_is_prop_test(name: str) -> None:
    reference = _reference(name)["prevalence"]
    ours = _run(name, "profile").prevalence
    assert [(p.group_column, p.group) for p in ours] == [
        (r["group_column"], r["group"]) for r in reference
    ]
    for prevalence, theirs in zip(ours, reference, strict=True):
        assert (prevalence.events, prevalence.denominator) == (
            theirs["events"],
            theirs["denominator"],
        )
        interval = prevalence.interval()
        assert _close(interval.low, theirs["ci_low"])
        assert _close(interval.high, theirs["ci_high"])


def test_outside__spec_levels__reference_is_rs_first_level() -> None:
    # The suite only means something if helpseek's reference levels are R's: check one by hand.
    model = _run("esoph", "profile").model("case", "multivariable")
    assert {t.reference for t in model.terms if t.variable == "agegp"} == {"25-34"}
    assert [t.level for t in model.terms if t.variable == "agegp"] == [
        "35-44", "45-54", "55-64", "65-74", "75+"
    ]  # fmt: skip
