"""Benchmark (issue 16): helpseek's model fitting against bare statsmodels and R glm, and scaling.

For each size (default 4,493) a fresh child process generates a synthetic export of the bundled
questionnaire (tests/analysis/survey_frame.py, not timed) and runs the bundled `help_seeking` spec
(3 outcomes x (17 univariable + 1 multivariable) = 54 models). Measured in the same process, best of
`--repeats`, interleaved so the machine's load hits each alike, every one on one BLAS thread:

- bare: `sm.Logit(y, X).fit(method="newton")` of the 54 models on design matrices built beforehand
  (not timed): the floor for fitting these models in Python;
- fits: helpseek's `fit_models` with Wald intervals: the same 54 fits plus what bare statsmodels does
  not do (separation checks, factor LR tests, diagnostics), from the prepared frame;
- profile: the same with the spec's profile-likelihood intervals; the intervals' own cost (profile
  minus fits) is reported apart, as the goal asks;
- R glm: the same 54 models with R's `glm` (benchmarks/analysis_glm.R; R's start-up and reading of
  the data not timed), when Rscript is installed;
- the whole `run_analysis` (Table 1, prevalence, descriptions too) once, and the child's peak memory.

    .venv/bin/python benchmarks/analysis_bench.py                  # 4,493 rows
    .venv/bin/python benchmarks/analysis_bench.py --rows 20000 --rows 100000
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

from rows import Row, emit

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 1.2


def _survey_frame_module():  # the same generator the tests use
    spec = importlib.util.spec_from_file_location(
        "survey_frame", ROOT / "tests" / "analysis" / "survey_frame.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _problems(prepared, spec) -> list[tuple[object, object]]:
    """(y, X) of the spec's 54 models, each on its complete cases, built with helpseek's coding."""
    from helpseek.analysis.coding import build_design

    problems = []
    for outcome in spec.outcomes:
        column = f"outcome:{outcome.name}"
        for chosen in [[p] for p in prepared.predictors] + [list(prepared.predictors)]:
            rows = prepared.frame[[column] + [p.name for p in chosen]].dropna()
            problems.append((rows[column].to_numpy(float), build_design(rows, chosen).matrix))
    return problems


def _bare(problems) -> float:
    import statsmodels.api as sm

    started = time.perf_counter()
    for y, X in problems:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm.Logit(y, X).fit(method="newton", disp=False)
    return time.perf_counter() - started


def _helpseek(prepared, spec) -> float:
    from helpseek.analysis.models import fit_models

    started = time.perf_counter()
    fit_models(prepared.frame, prepared.predictors, spec, lambda _m: None, [])
    return time.perf_counter() - started


def _r_glm(prepared, spec, repeats: int) -> float | None:
    """Best elapsed seconds of R's glm on the same models, or None without Rscript."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        columns = [f"outcome:{o.name}" for o in spec.outcomes]
        columns += [p.name for p in prepared.predictors]
        prepared.frame[columns].to_csv(folder / "data.csv", index=False)
        names = ",".join(p.name for p in prepared.predictors)
        lines = [
            f"{c}\t{chosen}"
            for c in columns[: len(spec.outcomes)]
            for chosen in [p.name for p in prepared.predictors] + [names]
        ]
        (folder / "models.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        levels = [f"{p.name}\t{'|'.join(p.levels)}" for p in prepared.predictors if p.levels]
        (folder / "levels.tsv").write_text("\n".join(levels) + "\n", encoding="utf-8")
        out = subprocess.run(
            ["Rscript", str(Path(__file__).with_name("analysis_glm.R"))]
            + [str(folder / n) for n in ("data.csv", "models.tsv", "levels.tsv")]
            + [str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
    return float(out.stdout.split()[-1])


def child(rows: int, repeats: int, with_r: bool) -> dict[str, object]:
    from threadpoolctl import threadpool_limits

    from helpseek.analysis import load_spec, run_analysis
    from helpseek.analysis.prepare import prepare

    frame = _survey_frame_module().make_survey_frame(rows, seed=2024)
    for flag in ("speeding", "duplicates", "inconsistent"):
        frame[f"flag_{flag}"] = False
    spec = load_spec("help_seeking")
    wald = replace(spec, ci="wald")
    result: dict[str, object] = {"rows": rows, "models": 3 * (len(spec.predictors) + 1)}
    with threadpool_limits(limits=1, user_api="blas"):
        prepared = prepare(frame, spec)
        problems = _problems(prepared, spec)
        times: dict[str, list[float]] = {"bare": [], "fits": [], "profile": []}
        for _ in range(repeats):
            times["bare"].append(_bare(problems))
            times["fits"].append(_helpseek(prepared, wald))
            times["profile"].append(_helpseek(prepared, spec))
        result.update({k: min(v) for k, v in times.items()})
        result["r_glm"] = _r_glm(prepared, spec, repeats) if with_r else None
    started = time.perf_counter()
    run_analysis(frame, spec)
    result["run_analysis"] = time.perf_counter() - started
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def report(r: dict[str, object]) -> None:
    """The rows of one size for the `make bench` table."""
    n, models = f"{r['rows']:,}", r["models"]
    bare, fits, profile = float(r["bare"]), float(r["fits"]), float(r["profile"])  # type: ignore[arg-type]
    ratio = fits / bare
    emit(Row(f"model fits, N = {n} ({models} models, Wald)", fits, bare, "s",
             "bare statsmodels Logit", ratio, f"<= {GOAL_RATIO}x", ratio <= GOAL_RATIO,
             "fits include separation checks, factor LR tests and diagnostics"))  # fmt: skip
    if r["r_glm"] is not None:
        r_glm = float(r["r_glm"])  # type: ignore[arg-type]
        emit(Row(f"model fits, N = {n}, against R", fits, r_glm, "s", "R glm (same models)",
                 fits / r_glm, "< 1x (faster than R glm)", fits < r_glm))  # fmt: skip
    emit(Row(f"profile-likelihood intervals, N = {n} (apart)", profile - fits, bare, "s",
             "bare statsmodels Logit", (profile - fits) / bare, "reported apart", None,
             "every bound verified by a constrained fit (warm-started; cold when that check fails)"))  # fmt: skip
    emit(Row(f"run_analysis, N = {n} (profile CIs, whole run)", float(r["run_analysis"]), bare,  # type: ignore[arg-type]
             "s", "bare statsmodels Logit", float(r["run_analysis"]) / bare, "-", None,  # type: ignore[arg-type]
             f"peak {float(r['peak_rss_mib']):,.0f} MiB"))  # type: ignore[arg-type]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="sizes (default 4493)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many (default 3)")
    parser.add_argument("--no-r", action="store_true", help="skip the R glm baseline")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeats, not args.no_r)))
        return
    for rows in args.rows or [4493]:
        command = [sys.executable, __file__, "--child", str(rows), "--repeats", str(args.repeats)]
        out = subprocess.run(  # a fresh process per size, so peak memory is this size's own
            command + (["--no-r"] if args.no_r else []),
            stdout=subprocess.PIPE,  # the child's errors go straight to stderr
            text=True,
            check=True,
        )
        result = json.loads(out.stdout)
        print(json.dumps(result), f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
        report(result)


if __name__ == "__main__":
    main()
