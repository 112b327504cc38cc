"""`make bench`: every goal of issue 16 in one table (figure, its baseline from the same run, ratio,
and how busy the machine was meanwhile).

Each row script below runs as its own process, one after another; its output streams through (so
its progress is visible) and its `BENCH-ROW` lines (benchmarks/rows.py) become rows of the table.
The load column is what the rest of the machine used while that script ran: the CPU time of all
processes (from /proc/stat) minus the script's own and its children's, in cores, next to the
cores there are. A ratio measured while other work held the cores says less than one measured on
a quiet machine; the column says which it was.

    .venv/bin/python benchmarks/bench.py                 # every script, full sizes
    .venv/bin/python benchmarks/bench.py --only export   # scripts whose name contains "export"
    .venv/bin/python benchmarks/bench.py --quick         # small sizes, to check the harness
    .venv/bin/python benchmarks/bench.py --markdown docs/table.md   # also write the table there

To add a row: write benchmarks/<name>.py that measures a figure and its baseline in one run and
calls rows.emit(Row(...)), then add it to SCRIPTS with its full and quick arguments.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rows import Row, busy_cores

from helpseek.web.connections import usable_cores

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Script:
    """A row script: its name, the arguments of a full run, and of a quick one."""

    name: str
    full: tuple[str, ...]
    quick: tuple[str, ...]


SCRIPTS = (
    Script(
        "post_bench.py",
        ("--stores", "sqlite,postgres", "--workers", "1,3"),
        (
            "--stores",
            "sqlite",
            "--workers",
            "1",
            "--rounds",
            "2",
            "--seconds",
            "1",
            "--warm-up",
            "1",
        ),
    ),
    Script("pg_store_bench.py", (), ("--pages", "30", "--repeats", "1")),
    Script("export_bench.py", ("--records", "100000"), ("--records", "24000", "--repeats", "1")),
    Script("analysis_bench.py", (), ("--rows", "2000", "--repeats", "1", "--no-r")),
    Script("analyze_scaling.py", (), ("--rows", "2000", "--rows", "4000", "--ci", "wald")),
    Script("demo_time.py", (), ("--n", "200", "--programme-n", "20")),
)


@dataclass(frozen=True)
class Measured:
    """The rows of one script and the machine's load while it ran."""

    script: str
    rows: tuple[Row, ...]
    seconds: float
    others_cores: float
    exit_code: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="scripts containing this")
    parser.add_argument("--quick", action="store_true", help="small sizes (harness check)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    chosen = [s for s in SCRIPTS if not args.only or any(o in s.name for o in args.only)]
    if not chosen:
        parser.error(f"no script matches {args.only}; there are {[s.name for s in SCRIPTS]}")
    measured = [run(script, script.quick if args.quick else script.full) for script in chosen]
    table = render(measured, args.quick)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    if any(m.exit_code for m in measured):
        sys.exit(1)


def run(script: Script, arguments: tuple[str, ...]) -> Measured:
    """Run one row script, streaming its output, and collect its rows and the load meanwhile."""
    print(f"== {script.name} {' '.join(arguments)}", file=sys.stderr, flush=True)
    ticks = os.sysconf("SC_CLK_TCK")
    own_before = _children_cpu()
    busy_before, _ = busy_cores()
    started = time.perf_counter()
    rows: list[Row] = []
    command = [sys.executable, str(HERE / script.name), *arguments]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            row = Row.from_line(line)
            if row is None:
                sys.stdout.write(line)
            else:
                rows.append(row)
    seconds = time.perf_counter() - started
    others = (busy_cores()[0] - busy_before) / ticks - (_children_cpu() - own_before)
    return Measured(
        script.name, tuple(rows), seconds, max(0.0, others / seconds), process.returncode
    )


def render(measured: list[Measured], quick: bool) -> str:
    """The table as Markdown, with a heading line naming the date, the machine and the mode."""
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    mode = "quick sizes (harness check, not the goals' sizes)" if quick else "full sizes"
    heading = (
        f"`make bench` on {when}, {usable_cores()} usable cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end; {mode}."
    )
    lines = [
        heading,
        "",
        "| goal | figure | baseline (same run) | ratio | target | met | others' load |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in measured:
        load = f"{m.others_cores:.1f} of {usable_cores()} cores"
        if m.exit_code:
            lines.append(f"| {m.script} | failed (exit {m.exit_code}) | | | | no | {load} |")
        for r in m.rows:
            met = {True: "yes", False: "no", None: "n/a"}[r.met]
            note = f" ({r.note})" if r.note else ""
            lines.append(
                f"| {r.what} | {_number(r.figure)} {r.unit} | {_number(r.baseline)} {r.unit} "
                f"{r.baseline_is} | {r.ratio:.2f}x | {r.goal} | {met}{note} | {load} |"
            )
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
