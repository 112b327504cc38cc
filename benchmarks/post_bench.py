"""Survey POST pages against the same server's static page, 64 clients, `helpseek serve --workers N`
on SQLite and on PostgreSQL, measured in the same run (issue 16).

For each store and worker count: a fresh store, `helpseek serve` (the production path: uvicorn with
helpseek's own HTTP protocol class) on loopback, then with the same aiohttp client and `--clients`
connections at once: GET /static/style.css for `--seconds`, and synthetic respondents answering the
real help_us_help_you questionnaire (`synth.http.drive`: landing page, consent, every page read and
answered, each POST validated, sealed and durably stored before its reply). The figures are POST
pages a second against static responses a second, and the server's CPU per request (all its
processes, from /proc) for each; the driver shares the machine's cores, so its CPU is printed too.
Before each PostgreSQL run with several workers, how much faster that many processes of pure CPU
finish than one (`rows.core_scaling`): more workers cannot raise throughput past that ceiling.

    .venv/bin/python benchmarks/post_bench.py [--stores sqlite,postgres] [--workers 1,3]
        [--clients 64] [--respondents 256] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rows import Row, core_scaling, emit
from scaling_bench import new_database, serving, throwaway_postgres
from serverload import server_group, static_load, timed

from helpseek.instrument import load_instrument
from helpseek.store import generate_research_keypair
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.http import drive
from helpseek.web.connections import usable_cores

FORM = "help_us_help_you"


@dataclass(frozen=True)
class Run:
    """One store and worker count: requests a second and server CPU ms a request, static and POST."""

    store: str
    workers: int
    static_rate: float
    static_cpu_ms: float
    post_rate: float
    post_cpu_ms: float
    driver_cpu_ms: float

    @property
    def ratio(self) -> float:
        return self.post_rate / self.static_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,3")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--respondents", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    form = load_instrument(FORM)
    draw = draw_respondents(form, load_truth(None, form), args.respondents + args.clients, 7)
    runs: list[Run] = []
    ceilings: list[float] = []
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        folder = Path(scratch)
        (folder / "public.key").write_text(generate_research_keypair().public_key + "\n")
        stores = args.stores.split(",")
        postgres = stack.enter_context(throwaway_postgres()) if "postgres" in stores else ""
        number = 0
        for store in stores:
            for workers in (int(w) for w in args.workers.split(",")):
                number += 1
                if store == "postgres" and workers > 1:  # what more processes can get right now
                    ceilings.append(core_scaling(min(workers, usable_cores()), seconds=2.0))
                database = new_database(store, folder, postgres, number)
                with serving(database, folder, workers) as url:
                    runs.append(_measure(url, store, workers, form, draw, args))
                _print(runs[-1])
    _rows(runs, args.clients, max(ceilings, default=float("nan")))


def _measure(url: str, store: str, workers: int, form: Any, draw: Any, args: Any) -> Run:
    group = server_group(url)
    warm, measured = draw.respondents[: args.clients], draw.respondents[args.clients :]
    asyncio.run(drive(url, form, draw, concurrency=args.clients, respondents=warm))
    static, static_cpu = timed(group, static_load(url, args.clients, args.seconds))
    result, post_cpu = timed(
        group, drive(url, form, draw, concurrency=args.clients, respondents=measured)
    )
    requests = result.pages + 2 * len(measured)  # + each respondent's landing page and consent
    return Run(
        store,
        workers,
        static / static_cpu.wall,
        static_cpu.server / static * 1000,
        result.pages / post_cpu.wall,
        post_cpu.server / requests * 1000,
        post_cpu.driver / requests * 1000,
    )


def _print(run: Run) -> None:
    print(
        f"{run.store:<9} {run.workers} worker(s): static {run.static_rate:7.1f}/s "
        f"({run.static_cpu_ms:.2f} ms server CPU each), POST pages {run.post_rate:7.1f}/s "
        f"({run.post_cpu_ms:.2f} ms server CPU a request, driver {run.driver_cpu_ms:.2f} ms): "
        f"ratio {run.ratio:.3f}",
        flush=True,
    )


def _rows(runs: list[Run], clients: int, ceiling: float) -> None:
    for run in runs:
        emit(
            Row(
                what=f"survey POST vs static page, {clients} clients, {run.store}, "
                f"{run.workers} worker(s)",
                figure=run.post_rate,
                baseline=run.static_rate,
                unit="req/s",
                baseline_is="static page",
                ratio=run.ratio,
                goal=">= 0.5x",
                met=run.ratio >= 0.5,
                note=f"server CPU {run.post_cpu_ms:.1f} ms a POST request, "
                f"{run.static_cpu_ms:.1f} ms a static one",
            )
        )
    for store in dict.fromkeys(r.store for r in runs):
        by_workers = sorted((r for r in runs if r.store == store), key=lambda r: r.workers)
        if len(by_workers) < 2 or store != "postgres":
            continue
        one, most = by_workers[0], by_workers[-1]
        emit(
            Row(
                what=f"POST throughput, {store}, {most.workers} workers vs {one.workers}",
                figure=most.post_rate,
                baseline=one.post_rate,
                unit="pages/s",
                baseline_is=f"with {one.workers} worker",
                ratio=most.post_rate / one.post_rate,
                goal="grows (> 1x)",
                met=most.post_rate > 1.05 * one.post_rate,
                note=f"processes of pure CPU got {ceiling:.2f}x of one meanwhile; server CPU "
                f"{one.post_cpu_ms:.1f} ms a POST request with {one.workers}, "
                f"{most.post_cpu_ms:.1f} ms with {most.workers}",
            )
        )


if __name__ == "__main__":
    main()
