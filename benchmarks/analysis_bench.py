"""Benchmark: the full analysis (`run_analysis`, help_seeking design) against bare statsmodels fits.

For each size (default 4,493 and 1,000,000 synthetic respondents) a fresh child process generates the
data (not timed), times bare `sm.Logit` fits of the same models on pre-built dummy matrices (3 outcomes
x 17 univariable + 1 multivariable; matrix building timed apart), then the full analysis (spec parsing, coding, Table 1, separation
checks, the same models with LR tests and diagnostics, tables), and reports the ratio and the child's
peak memory (ru_maxrss). Wald CIs at every size; profile CIs are timed too at the smaller sizes
(`--profile-up-to`), since they refit every model twice per coefficient.

    .venv/bin/python benchmarks/analysis_bench.py                 # 4,493 and 1,000,000 rows
    .venv/bin/python benchmarks/analysis_bench.py --rows 20000     # one size
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _survey_frame_module():  # the same generator the tests use
    spec = importlib.util.spec_from_file_location(
        "survey_frame", ROOT / "tests" / "analysis" / "survey_frame.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bare_statsmodels(frame, spec) -> tuple[float, float]:
    """(seconds to build the design matrices, seconds for sm.Logit on them): the same models.

    The matrices are built with helpseek's own coding (untimed in the ratio): the baseline is the
    statsmodels fits alone, which is the floor for any implementation of these models.
    """
    import statsmodels.api as sm

    from helpseek.analysis.coding import build_design
    from helpseek.analysis.prepare import prepare

    started = time.perf_counter()
    prepared = prepare(frame, spec)
    problems = []
    for outcome in spec.outcomes:
        column = f"outcome:{outcome.name}"
        sets = [[p] for p in prepared.predictors] + [list(prepared.predictors)]
        for chosen in sets:
            rows = prepared.frame[[column] + [p.name for p in chosen]].dropna()
            problems.append((rows[column].to_numpy(float), build_design(rows, chosen).matrix))
    built = time.perf_counter()
    for y, X in problems:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm.Logit(y, X).fit(method="newton", disp=False)
    return built - started, time.perf_counter() - built


def child(rows: int, profile: bool) -> dict[str, object]:
    from helpseek.analysis import load_spec, run_analysis

    frame = _survey_frame_module().make_survey_frame(rows, seed=2024)
    frame["flag_speeding"] = False
    frame["flag_duplicates"] = False
    frame["flag_inconsistent"] = False
    spec = replace(load_spec("help_seeking"), ci="wald")
    prep, bare = _bare_statsmodels(frame, spec)
    started = time.perf_counter()
    run_analysis(frame, spec)
    full = time.perf_counter() - started
    result: dict[str, object] = {
        "rows": rows,
        "models": 3 * (len(spec.predictors) + 1),
        "design_build_s": round(prep, 3),
        "bare_statsmodels_fits_s": round(bare, 3),
        "full_wald_s": round(full, 3),
        "ratio_wald": round(full / bare, 2),
    }
    if profile:
        started = time.perf_counter()
        run_analysis(frame, replace(spec, ci="profile"))
        result["full_profile_s"] = round(time.perf_counter() - started, 3)
        result["ratio_profile"] = round(float(result["full_profile_s"]) / bare, 2)  # type: ignore[arg-type]
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, action="append", help="sizes (default 4493 and 1000000)"
    )
    parser.add_argument(
        "--profile-up-to", type=int, default=20_000, help="also time profile CIs up to this size"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.child <= args.profile_up_to)))
        return
    for rows in args.rows or [4493, 1_000_000]:
        out = subprocess.run(  # a fresh process per size, so peak memory is this size's own
            [
                sys.executable,
                __file__,
                "--child",
                str(rows),
                "--profile-up-to",
                str(args.profile_up_to),
            ],
            stdout=subprocess.PIPE,  # the child's errors go straight to stderr
            text=True,
            check=True,
        )
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
