"""Prevalence intervals: Wilson by default, Clopper-Pearson on request, against statsmodels and the
study's golden numbers (analysis-anchors.md 1.14: 2,471 / 620 / 144 of 4,493)."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from helpseek.analysis import PrevalenceResult


@pytest.mark.parametrize(
    ("events", "wilson", "clopper_pearson"),
    [
        (2471, (53.54, 56.45), (53.53, 56.46)),
        (620, (12.82, 14.84), (12.80, 14.84)),
        (144, (2.73, 3.76), (2.71, 3.76)),
    ],
)
def test_interval__study_outcomes__match_golden_values_and_statsmodels(
    events: int, wilson: tuple[float, float], clopper_pearson: tuple[float, float]
) -> None:
    result = PrevalenceResult("outcome", events, 4493)
    ci = result.interval()
    assert (round(100 * ci.low, 2), round(100 * ci.high, 2)) == wilson
    assert (ci.low, ci.high) == pytest.approx(
        proportion_confint(events, 4493, method="wilson"), rel=1e-12
    )
    exact = result.interval(method="clopper-pearson")
    assert (round(100 * exact.low, 2), round(100 * exact.high, 2)) == clopper_pearson
    assert (exact.low, exact.high) == pytest.approx(
        proportion_confint(events, 4493, method="beta"), rel=1e-12
    )


def test_to_dict__has_the_results_json_fields() -> None:
    record = PrevalenceResult("want_stop", 2471, 4493).to_dict()
    assert (
        record["outcome"] == "want_stop" and record["n"] == 2471 and record["denominator"] == 4493
    )
    assert record["method"] == "wilson" and record["proportion"] == pytest.approx(0.55, abs=1e-4)
    assert record["group"] is None
