"""Benchmark (issue 16): the whole `helpseek analyze` run at 20,000, 100,000 and 1,000,000 rows.

Each size: a synthetic export of the bundled questionnaire (tests/analysis/survey_frame.py) written
to Parquet (not timed), then `helpseek analyze --data it --spec help_seeking` in its own process:
reading, quality screening, the analysis and writing results.json and the tables. Wall time and
the process's peak memory (wait4's ru_maxrss) are measured. The baseline of each step is the
previous size's time scaled by the growth in rows (a ratio of 1.00 is linear growth); the largest
size is compared with the goal (60 s, 4 GiB).

    .venv/bin/python benchmarks/analyze_scaling.py                       # spec as bundled (profile CIs)
    .venv/bin/python benchmarks/analyze_scaling.py --ci wald --rows 20000 --rows 100000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rows import Row, emit

ROOT = Path(__file__).resolve().parents[1]
HELPSEEK = Path(sys.executable).with_name("helpseek")
GOAL_SECONDS, GOAL_GIB = 60.0, 4.0


def _write_export(rows: int, path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "survey_frame", ROOT / "tests" / "analysis" / "survey_frame.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_survey_frame(rows, seed=2024).to_parquet(path)


def _spec_file(ci: str, folder: Path) -> str:
    """The bundled help_seeking spec, with `ci` replaced when it is not the bundled choice."""
    from helpseek.analysis import bundled_specs

    text = bundled_specs()["help_seeking"].read_text(encoding="utf-8")
    if f"\nci: {ci}" in text:
        return "help_seeking"
    lines = [f"ci: {ci}" if line.startswith("ci: ") else line for line in text.splitlines()]
    path = folder / f"help_seeking_{ci}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def measure(rows: int, spec: str, folder: Path) -> tuple[float, float]:
    """(seconds, peak GiB) of one `helpseek analyze` run on `rows` respondents."""
    data = folder / f"export_{rows}.parquet"
    _write_export(rows, data)
    command = [str(HELPSEEK), "analyze", "--data", str(data), "--spec", spec]
    command += ["--out", str(folder / f"out_{rows}")]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"helpseek analyze failed at {rows:,} rows:\n{stderr}")
    data.unlink()
    return seconds, usage.ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="sizes (20k, 100k, 1M)")
    parser.add_argument("--ci", choices=("profile", "wald"), default="profile")
    args = parser.parse_args()
    sizes = sorted(args.rows or [20_000, 100_000, 1_000_000])
    previous: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        spec = _spec_file(args.ci, Path(tmp))
        for rows in sizes:
            seconds, gib = measure(rows, spec, Path(tmp))
            print(f"{rows:,} rows: {seconds:.1f} s, peak {gib:.2f} GiB, load "
                  f"{os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)  # fmt: skip
            what = f"analyze, N = {rows:,} ({args.ci} CIs, whole run)"
            if previous is not None:
                baseline = previous[1] * rows / previous[0]
                emit(Row(what, seconds, baseline, "s", f"{previous[0]:,} rows x {rows / previous[0]:g}",
                         seconds / baseline, "linear (<= 1x)", seconds / baseline <= 1.1,
                         f"peak {gib:.2f} GiB"))  # fmt: skip
            if rows == 1_000_000:
                emit(Row(f"{what}: time", seconds, GOAL_SECONDS, "s", "goal", seconds / GOAL_SECONDS,
                         "< 60 s", seconds < GOAL_SECONDS))  # fmt: skip
                emit(Row(f"{what}: peak memory", gib, GOAL_GIB, "GiB", "goal", gib / GOAL_GIB,
                         "< 4 GiB", gib < GOAL_GIB))  # fmt: skip
            previous = (rows, seconds)


if __name__ == "__main__":
    main()
