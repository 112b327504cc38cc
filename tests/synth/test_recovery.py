"""Parameter recovery with few seeds (the full Monte Carlo is benchmarks/recovery.py): the adjusted
ORs of the bundled analysis recover the ORs planted in the synthetic truth."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "recovery.py"


def _recovery_module():
    spec = importlib.util.spec_from_file_location("recovery_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_recovery__six_seeds_at_the_study_size__cis_cover_the_planted_odds_ratios() -> None:
    recovery = _recovery_module()
    # Given six synthetic studies of 4,493 respondents with planted odds ratios
    intervals = recovery.run(seeds=6, n=4493, walk=False, workers=1)
    summary = recovery.summarise(intervals)
    # Then every outcome's model was fitted in every replicate
    assert set(summary["outcome"]) == {
        "want_stop", "sought_help", "accessed_help_any", "all outcomes"
    }  # fmt: skip
    assert (summary["studies"] == 6).all()
    # And the 95% CIs cover the truth near the nominal rate (thresholds ~5 Monte Carlo SEs below)
    planted = [i for i in intervals if i.planted != 0]
    assert sum(i.covers for i in planted) / len(planted) >= 0.80
    assert sum(i.covers for i in intervals) / len(intervals) >= 0.88
    # And the planted log ORs are estimated without gross bias
    assert abs(sum(i.estimate - i.planted for i in planted) / len(planted)) < 0.1
