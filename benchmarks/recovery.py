"""Parameter recovery (ADEMP, Morris et al. 2019): do the 95% CIs of the bundled help_seeking
analysis cover the odds ratios planted in the synthetic truth at close to the nominal rate?

    .venv/bin/python benchmarks/recovery.py --seeds 100 --n 4493 --workers 2

Data-generating mechanism: the bundled help_us_help_you truth without low-quality respondents
(screening is then not needed), with its refusals, blanks and breakoffs. Estimand: the
conditional log OR of each term of the multivariable model (planted value, or 0 for every term
the truth does not plant). Method: `helpseek.analysis.run_analysis` with the bundled spec
(complete cases, profile-likelihood CIs, Firth when separated), multivariable models only.
Performance: coverage with its Monte Carlo SE, bias and empirical SD of the planted terms.

By default each table is built from the draw, mirroring the questionnaire's logic for users
(accessed_help asked only after sought_help = yes; accessed_help_any its calculation; answers
after a breakoff missing). `--walk` walks every respondent through the collect Session and
assembles the exported table instead: exact, but much slower.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from helpseek.analysis import AnalysisSpec, load_spec, run_analysis
from helpseek.instrument import Instrument, load_instrument
from helpseek.synth import (
    Draw,
    Truth,
    calibration_for,
    draw_respondents,
    load_truth,
    to_dataset,
    walk_all,
)
from helpseek.synth.truth import QualityTruth

FORM = "help_us_help_you"


@dataclass(frozen=True)
class Interval:
    """One estimated term of one replicate: planted value, estimate and its 95% CI (log scale)."""

    seed: int
    outcome: str
    term: str
    planted: float
    estimate: float
    low: float
    high: float
    method: str

    @property
    def covers(self) -> bool:
        return self.low <= self.planted <= self.high


def recovery_truth(form: Instrument) -> Truth:
    """The bundled truth without low-quality respondents."""
    return replace(load_truth(None, form), quality=QualityTruth())


def analysis_spec() -> AnalysisSpec:
    """The bundled help_seeking spec, multivariable models only, no screening flags needed."""
    return replace(load_spec("help_seeking"), screening=(), models=("multivariable",))


def table_from_draw(form: Instrument, draw: Draw) -> pd.DataFrame:
    """The analysed columns of the exported table, built from the draw (see the module docstring)."""
    page_of = {q.name: i for i, page in enumerate(form.pages) for q in page.questions}
    getting_help = page_of["accessed_help"]
    rows: list[dict[str, Any]] = []
    for r in draw.respondents:
        answers = dict(r.answers)
        sought = answers.get("sought_help") == "yes" and "sought_help" not in r.blank
        # pages a user submits, in order (getting_help only after sought_help = yes)
        pages = [i for i in range(len(form.pages)) if i != getting_help or sought]
        reached = set(pages if r.breakoff_after is None else pages[: r.breakoff_after])
        row: dict[str, Any] = {"instrument": FORM}
        for name, value in answers.items():
            shown = page_of.get(name) in reached and name not in r.blank
            if name == "accessed_help" and not sought:
                shown = False
            row[name] = (" ".join(value) if isinstance(value, list) else value) if shown else None
            if isinstance(value, list):
                for choice in form.question(name).choices:
                    row[f"{name}__{choice.name}"] = (
                        str(int(choice.name in value)) if shown else None
                    )
        row["accessed_help_any"] = "yes" if row.get("accessed_help") == "yes" else "no"
        rows.append(row)
    return pd.DataFrame(rows)


def table_by_walking(form: Instrument, draw: Draw) -> pd.DataFrame:
    return to_dataset(walk_all(form, draw), form).frame


def replicate(args: tuple[int, int, bool]) -> list[Interval]:
    """One seed: draw, build the table, analyse, and compare every multivariable term."""
    seed, n, walk = args
    form = load_instrument(FORM)
    truth = recovery_truth(form)
    draw = draw_respondents(form, truth, n, seed, calibration_for(form, truth))
    table = table_by_walking(form, draw) if walk else table_from_draw(form, draw)
    result = run_analysis(table, analysis_spec())
    intervals = []
    for model in result.models:
        if model.kind != "multivariable" or model.missing != "complete":
            continue
        planted = truth.outcome(model.outcome).log_odds_ratios
        for t in model.terms:
            value = planted.get(t.variable, {}).get(t.level or "", 0.0)
            intervals.append(
                Interval(
                    seed,
                    model.outcome,
                    f"{t.variable}={t.level}",
                    value,
                    t.estimate,
                    t.ci_low,
                    t.ci_high,
                    model.method,
                )
            )
    return intervals


def summarise(intervals: Sequence[Interval]) -> pd.DataFrame:
    """Coverage (with Monte Carlo SE) of all terms and of planted terms, per outcome."""
    frame = pd.DataFrame([{**i.__dict__, "covers": i.covers} for i in intervals])
    out = []
    for outcome, part in frame.groupby("outcome", sort=False):
        planted = part[part["planted"] != 0]
        error = planted["estimate"] - planted["planted"]
        out.append(
            {
                "outcome": outcome,
                "replicates": part["seed"].nunique(),
                "coverage_all": part["covers"].mean(),
                "mcse_all": _mcse(part["covers"]),
                "coverage_planted": planted["covers"].mean(),
                "mcse_planted": _mcse(planted["covers"]),
                "bias_planted": error.mean(),
                "sd_planted": error.std(),
                "firth_fits": int((part.drop_duplicates("seed")["method"] == "firth").sum()),
            }
        )
    return pd.DataFrame(out)


def run(seeds: int, n: int, walk: bool, workers: int, first_seed: int = 1) -> list[Interval]:
    jobs = [(seed, n, walk) for seed in range(first_seed, first_seed + seeds)]
    if workers <= 1:
        return [i for job in jobs for i in replicate(job)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [i for chunk in pool.map(replicate, jobs) for i in chunk]


def _mcse(covers: pd.Series) -> float:
    p, k = float(covers.mean()), len(covers)
    return math.sqrt(p * (1 - p) / k) if k else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--n", type=int, default=4493)
    parser.add_argument("--walk", action="store_true", help="walk the collect Session (slow)")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    started = time.perf_counter()
    intervals = run(options.seeds, options.n, options.walk, options.workers)
    seconds = time.perf_counter() - started
    with pd.option_context("display.width", 160, "display.precision", 3):
        print(summarise(intervals).to_string(index=False))
    covers = np.array([i.covers for i in intervals])
    print(
        f"\n{options.seeds} replicates of n = {options.n} in {seconds:.0f} s; pooled coverage "
        f"{covers.mean():.3f} (nominal 0.95, MCSE {_mcse(pd.Series(covers)):.3f}; intervals of "
        "one replicate are correlated, so read the per-outcome rows)"
    )


if __name__ == "__main__":
    main()
