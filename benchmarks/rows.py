"""One row of the `make bench` table (issue 16): a row script prints it, benchmarks/bench.py collects it.

A row script measures its figure and its baseline in the same run and calls `emit(Row(...))`;
the row goes to stdout as one `BENCH-ROW {json}` line among the script's own output. Run alone, a
row script prints the same rows readably (`print_rows`). Imports nothing from helpseek.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

PREFIX = "BENCH-ROW "


@dataclass(frozen=True)
class Row:
    """One goal of issue 16 as measured: figure and baseline from the same run, and their ratio.

    `ratio` is written so that bigger is better when `higher_is_better` (speed-ups, throughput
    ratios) and is figure / baseline otherwise (time against a reference time). `met` is None
    when the goal cannot be judged from this run (say why in `note`).
    """

    what: str
    figure: float
    baseline: float
    unit: str
    baseline_is: str
    ratio: float
    goal: str
    met: bool | None
    note: str = ""

    def to_line(self) -> str:
        return PREFIX + json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> Row | None:
        """The row in one line of a row script's output, or None for any other line."""
        if not line.startswith(PREFIX):
            return None
        return cls(**json.loads(line[len(PREFIX) :]))


def emit(row: Row) -> None:
    """Print the row for bench.py (one line on stdout, flushed at once)."""
    print(row.to_line(), flush=True)


def busy_cores() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot (from /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def core_scaling(processes: int, seconds: float = 1.0) -> float:
    """How much faster `processes` processes finish a pure-CPU loop than one does, right now.

    The ceiling any parallel step can reach on this machine at this moment: on a quiet 2-core
    machine about 2, on one whose cores are busy with other work much less. Each process spins
    for about `seconds` of CPU; the processes are forked, so this costs no imports.
    """
    import multiprocessing

    loops = _loops_for(seconds)
    started = time.perf_counter()
    _spin(loops * processes)
    alone = time.perf_counter() - started
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(processes) as pool:
        pool.map(_spin, [loops] * processes)
    return alone / (time.perf_counter() - started)


def _loops_for(seconds: float) -> int:
    started = time.process_time()
    _spin(200_000)
    return int(200_000 * seconds / max(time.process_time() - started, 1e-6))


def _spin(loops: int) -> int:
    total = 0
    for number in range(loops):
        total += number
    return total
