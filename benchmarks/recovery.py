"""Parameter recovery (ADEMP, Morris et al. 2019): do the 95% CIs of the bundled help_seeking
analysis cover the odds ratios planted in the synthetic truth at close to the nominal rate?

    .venv/bin/python benchmarks/recovery.py                      # 500 studies, Wald CIs, 2 workers
    .venv/bin/python benchmarks/recovery.py --seeds 100 --ci profile

Data-generating mechanism: the bundled help_us_help_you truth without low-quality respondents
(screening is then not needed), with its refusals, blanks and breakoffs, n = 4,493 a study.
Estimand: the conditional log OR of each term of the multivariable model (planted value, or 0 for
every term the truth does not plant). Method: `helpseek.analysis.run_analysis` with the bundled
spec, multivariable models only, complete cases, Wald CIs by default (`--ci profile` for the
spec's own exact profile-likelihood CIs, about 2x the time), Firth when separated.
Performance: coverage with its Monte Carlo SE (binomial, and clustered by study, since the terms
of one study are correlated), bias and empirical SD of the planted terms.

A study is cheap: the table is built straight from the draw, mirroring the questionnaire's logic
for users (accessed_help asked only after sought_help = yes; accessed_help_any its calculation;
answers after a breakoff missing); no report. `--walk` walks every respondent through the collect
Session and assembles the exported table instead: exact, but much slower. The printed timing is a
ratio against a profile-CI study measured in the same run.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

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


def analysis_spec(ci: str = "wald") -> AnalysisSpec:
    """The bundled help_seeking spec, multivariable models only, no screening flags needed."""
    return replace(load_spec("help_seeking"), screening=(), models=("multivariable",), ci=ci)


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


@cache
def _setting() -> tuple[Instrument, Truth, Any]:
    """The questionnaire, truth and calibration: the same for every study, made once a process."""
    form = load_instrument(FORM)
    truth = recovery_truth(form)
    return form, truth, calibration_for(form, truth)


def replicate(args: tuple[int, int, bool, str]) -> list[Interval]:
    """One seed: draw, build the table, analyse, and compare every multivariable term."""
    seed, n, walk, ci = args
    form, truth, calibration = _setting()
    draw = draw_respondents(form, truth, n, seed, calibration)
    table = table_by_walking(form, draw) if walk else table_from_draw(form, draw)
    result = run_analysis(table, analysis_spec(ci))
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
    """Coverage (with Monte Carlo SE) of all terms and of planted terms, per outcome and overall."""
    frame = pd.DataFrame([{**i.__dict__, "covers": i.covers} for i in intervals])
    parts = [(outcome, part) for outcome, part in frame.groupby("outcome", sort=False)]
    out = []
    for outcome, part in [*parts, ("all outcomes", frame)]:
        planted = part[part["planted"] != 0]
        error = planted["estimate"] - planted["planted"]
        out.append(
            {
                "outcome": outcome,
                "studies": part["seed"].nunique(),
                "coverage_all": part["covers"].mean(),
                "mcse_all": _mcse(part["covers"]),
                "intervals_planted": len(planted),
                "coverage_planted": planted["covers"].mean(),
                "mcse_planted": _mcse(planted["covers"]),
                "mcse_planted_clustered": _clustered_mcse(planted),
                "bias_planted": error.mean(),
                "sd_planted": error.std(),
                "firth_fits": int(
                    (part.drop_duplicates(["seed", "outcome"])["method"] == "firth").sum()
                ),
            }
        )
    return pd.DataFrame(out)


def run(
    seeds: int, n: int, walk: bool, workers: int, first_seed: int = 1, ci: str = "wald"
) -> list[Interval]:
    jobs = [(seed, n, walk, ci) for seed in range(first_seed, first_seed + seeds)]
    if workers <= 1:
        return [i for job in _progress(jobs, map(replicate, jobs)) for i in job]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(replicate, jobs, chunksize=4)
        return [i for chunk in _progress(jobs, results) for i in chunk]


def _progress(jobs: Sequence[Any], results: Iterable[list[Interval]]) -> Iterator[list[Interval]]:
    """Plain progress lines on stderr (every 25 studies), the results passed through."""
    started = time.perf_counter()
    for done, result in enumerate(results, start=1):
        if done % 25 == 0 or done == len(jobs):
            seconds = time.perf_counter() - started
            print(f"{done}/{len(jobs)} studies, {seconds:.0f} s", file=sys.stderr, flush=True)
        yield result


def _mcse(covers: pd.Series) -> float:
    p, k = float(covers.mean()), len(covers)
    return math.sqrt(p * (1 - p) / k) if k else float("nan")


def _clustered_mcse(intervals: pd.DataFrame) -> float:
    """MC SE of a coverage pooled over studies, with the studies as clusters (terms of one study
    share its data): the SD of per-study coverage counts, scaled (a ratio estimator)."""
    if intervals.empty:
        return float("nan")
    per_study = intervals.groupby("seed")["covers"].agg(["sum", "count"])
    studies = len(per_study)
    if studies < 2:
        return float("nan")
    p = per_study["sum"].sum() / per_study["count"].sum()
    residual = per_study["sum"] - p * per_study["count"]
    mean_size = per_study["count"].mean()
    return float(math.sqrt((residual**2).sum() / (studies - 1) / studies) / mean_size)


def _seconds_per_study(n: int, ci: str, seeds: Sequence[int]) -> float:
    """CPU seconds of one study in this process (CPU, not wall time: the machine is shared)."""
    _setting()
    started = time.process_time()
    for seed in seeds:
        replicate((seed, n, False, ci))
    return (time.process_time() - started) / len(seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--n", type=int, default=4493)
    parser.add_argument("--ci", choices=["wald", "profile"], default="wald")
    parser.add_argument("--walk", action="store_true", help="walk the collect Session (slow)")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    started = time.perf_counter()
    intervals = run(options.seeds, options.n, options.walk, options.workers, ci=options.ci)
    seconds = time.perf_counter() - started
    with pd.option_context("display.width", 200, "display.precision", 4):
        print(summarise(intervals).to_string(index=False))
    planted = [i for i in intervals if i.planted != 0]
    covered = pd.Series([i.covers for i in planted])
    clustered = _clustered_mcse(pd.DataFrame([{**i.__dict__, "covers": i.covers} for i in planted]))
    print(
        f"\n{options.seeds} studies of n = {options.n}, {options.ci} CIs, in {seconds:.0f} s "
        f"({options.workers} workers). Coverage of the planted odds ratios: {covered.mean():.4f} "
        f"over {len(planted)} intervals, MC SE {_mcse(covered):.4f} (binomial) / {clustered:.4f} "
        "(clustered by study); nominal 0.95, goal 0.935-0.965."
    )
    if not options.walk:
        sample = range(10_001, 10_004)  # seeds outside the run: timing only
        cheap = _seconds_per_study(options.n, options.ci, sample)
        profile = _seconds_per_study(options.n, "profile", sample)
        print(
            f"One study, one process: {cheap:.2f} CPU s with {options.ci} CIs vs {profile:.2f} CPU s "
            f"with profile CIs (ratio {cheap / profile:.2f})."
        )


if __name__ == "__main__":
    main()
