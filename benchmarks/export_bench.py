"""Export of a store holding `--records` sealed records (default 100,000): decryption spread over
one process per core against decryption in one process, measured in the same run (issue 16).

The records are the real questionnaire's pages: synthetic respondents walk help_us_help_you
(`synth`), and their page records are copied under new response ids until there are enough, then
each copy is sealed on its own to a fresh research key and stored in one SQLite file (written in
bulk here: building the store is not what is measured). Then `--repeats` times, alternating
which goes first: `unseal_all` in 1 process and in one per core, each time after measuring how
much faster that many processes of pure CPU finish than one (`rows.core_scaling`): on a machine
whose cores other work keeps busy, that ceiling is well below the number of cores, and the goal
is judged against it. One whole `export_store` to CSV follows, for scale.

    .venv/bin/python benchmarks/export_bench.py [--records 100000] [--repeats 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rows import Row, core_scaling, emit
from serverload import cpu_seconds, process_stats

from helpseek.web.connections import usable_cores

if TYPE_CHECKING:
    from helpseek.store import ResearchIdentity

# helpseek is imported inside the functions: decryption's worker processes are spawned, and a
# spawned process imports the main module first, as it imports `helpseek`'s (light) entry point
# under `helpseek export`; a main module that imported pandas would be timed in every worker.
FORM = "help_us_help_you"
RESPONDENTS = 600  # walked once; their pages are copied under new response ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build the store here, or reuse the one there")
    args = parser.parse_args()
    cores = usable_cores()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        url, identity = _store(folder, args.records)
        alone: list[Timing] = []
        shared: list[Timing] = []
        ceilings = []
        for repeat in range(args.repeats):
            ceilings.append(core_scaling(cores, seconds=2.0))
            for processes in (1, cores) if repeat % 2 == 0 else (cores, 1):
                timing = _timed(lambda p=processes: _decrypt(url, identity, p))  # type: ignore[misc]
                (alone if processes == 1 else shared).append(timing)
                print(f"decrypt, {processes} process(es): {timing}", flush=True)
        whole = _timed(lambda: _export(url, identity, Path(scratch)))
    print(f"whole export to CSV, {cores} processes: {whole}", flush=True)
    print(f"{cores} processes of pure CPU against 1, meanwhile: {ceilings}", flush=True)
    _row(args.records, cores, alone, shared, statistics.median(ceilings), whole)


def _row(
    records: int,
    cores: int,
    alone: list[Timing],
    shared: list[Timing],
    ceiling: float,
    whole: Timing,
) -> None:
    wall_one, wall_many = (statistics.median(t.wall for t in runs) for runs in (alone, shared))
    speedup = wall_one / wall_many
    # What free cores would give: one process's CPU against the busiest process's of the run.
    split = statistics.median(a.cpu / s.critical_cpu for a, s in zip(alone, shared, strict=True))
    emit(
        Row(
            what=f"export: decryption of {records:,} records, {cores} processes",
            figure=wall_many,
            baseline=wall_one,
            unit="s",
            baseline_is="in 1 process",
            ratio=speedup,
            goal=f"scales with cores: work split >= {0.8 * cores:.1f}x, and >= 0.8 x what "
            f"{cores} processes of pure CPU got meanwhile ({ceiling:.2f}x)",
            met=split >= 0.8 * cores and speedup >= 0.8 * ceiling,
            note=f"work split {split:.2f}x (CPU of one process against the busiest process of "
            f"{cores}); CPU {statistics.median(s.cpu for s in shared):.1f} s in all against "
            f"{statistics.median(a.cpu for a in alone):.1f} s; whole export to CSV "
            f"{whole.wall:.0f} s",
        )
    )


def _store(folder: Path, records: int) -> tuple[str, ResearchIdentity]:
    """A SQLite store holding `records` sealed records of the real form (reused from `folder`)."""
    from helpseek.store import (
        ResearchIdentity,
        generate_research_keypair,
        new_record_id,
        open_store,
    )

    db, key_file = folder / "responses.db", folder / "identity.txt"
    if db.exists() and key_file.exists():
        with open_store(f"sqlite:///{db}") as store:
            if store.count_records() == records:
                print(f"reusing {db}", flush=True)
                return f"sqlite:///{db}", ResearchIdentity(key_file.read_text().strip())
        db.unlink()
    key = generate_research_keypair()
    key_file.write_text(key.identity.secret + "\n")
    key_file.chmod(0o600)
    open_store(f"sqlite:///{db}").close()  # the schema, by the store's own migrations
    plaintexts = list(_plaintexts(records))
    print(f"sealing {records:,} records", flush=True)
    with ProcessPoolExecutor(usable_cores()) as pool:
        sealed = pool.map(_seal, plaintexts, [key.public_key] * records, chunksize=500)
        with sqlite3.connect(db) as connection:
            connection.executemany(
                "INSERT INTO sealed_records (id, sealed, stored_on) VALUES (?, ?, ?)",
                ((new_record_id(), data, date.today().isoformat()) for data in sealed),
            )
    return f"sqlite:///{db}", key.identity


def _plaintexts(records: int) -> Iterator[bytes]:
    from helpseek.instrument import load_instrument
    from helpseek.synth import draw_respondents, load_truth, to_page_records, walk_all

    form = load_instrument(FORM)
    draw = draw_respondents(form, load_truth(None, form), RESPONDENTS, 1)
    pages = list(to_page_records(walk_all(form, draw, workers=usable_cores())))
    for n in range(records):
        page = pages[n % len(pages)]
        copy = n // len(pages)
        yield dataclasses.replace(page, response_id=f"{page.response_id}-{copy}").to_json()


def _seal(plaintext: bytes, public_key: str) -> bytes:
    from helpseek.store import Recipients, seal_page

    return seal_page(plaintext, Recipients((public_key,))).data


def _decrypt(url: str, identity: ResearchIdentity, processes: int) -> int:
    from helpseek.data import unseal_all
    from helpseek.store import open_store

    with open_store(url) as store:
        return len(unseal_all(store, identity, processes=processes))


def _export(url: str, identity: ResearchIdentity, folder: Path) -> int:
    from helpseek.data.export import export_store
    from helpseek.store import open_store

    with open_store(url) as store:
        written = export_store(store, identity, [folder / "data.csv"])
    return len(written)


@dataclass(frozen=True)
class Timing:
    """Wall seconds of one run, CPU seconds of this process, and of each child process."""

    wall: float
    own_cpu: float
    children_cpu: tuple[float, ...]

    def __str__(self) -> str:
        workers = ", ".join(f"{c:.2f}" for c in self.children_cpu) or "none"
        return f"{self.wall:.2f} s wall, CPU {self.own_cpu:.2f} s here, workers {workers} s"

    @property
    def cpu(self) -> float:
        return self.own_cpu + sum(self.children_cpu)

    @property
    def critical_cpu(self) -> float:
        """The longest CPU time of one process: the wall time with enough free cores."""
        return max((self.own_cpu, *self.children_cpu))


def _timed(work: Callable[[], object]) -> Timing:
    """`work()` timed, with the CPU of every child process it starts sampled until it exits."""
    sampler = _ChildrenCpu()
    sampler.start()
    own = time.process_time()
    started = time.perf_counter()
    try:
        work()
    finally:
        sampler.stop()
    wall = time.perf_counter() - started
    return Timing(wall, time.process_time() - own, tuple(sampler.seconds.values()))


class _ChildrenCpu(threading.Thread):
    """CPU seconds of each child of this process, read from /proc every 50 ms while they live."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seconds: dict[int, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        parent = os.getpid()
        while not self._done.wait(0.05):
            for pid, fields in process_stats():
                if int(fields[1]) == parent:
                    self.seconds[pid] = cpu_seconds(fields)

    def stop(self) -> None:
        self._done.set()
        self.join()


if __name__ == "__main__":
    sys.exit(main())
