"""Survey POST pages against the same server's static page, 64 clients, `helpseek serve --workers N`
on SQLite and on PostgreSQL, in alternating rounds on one server (issue 16).

For each store and worker count: a fresh store and `helpseek serve` (the production path: uvicorn
with helpseek's own HTTP protocol class) on loopback. `--clients` browsers of synthetic respondents
answer the real help_us_help_you questionnaire (`synth.http.drive`: landing page, consent, every
page read and answered, each POST validated, sealed and durably stored before its reply); between
the loads they are held at a gate before their next page (`drive`'s `before_page`), respondents
mid-questionnaire, connections kept. After a warm-up (`--warm-up` seconds of POST load, not
measured), `--rounds` rounds of, one after the other on the same server:

- static: `--clients` connections GET /static/style.css for `--seconds`;
- POST: the gate opens for `--seconds`, then shuts and the phase ends when every browser is back at
  it (each answers the request it has in flight: the "tail" printed).

So both phases are fixed-time loads with every client busy until the stop and the same end (the
requests in flight), and the POST load is the steady mix of a long run: respondents at every
stage, each new one's landing page and consent included, none of the drain a fixed number of
respondents ends with (the last seconds with fewer browsers busy, as in this script before).
A round's ratio is its POST pages a second against its static responses a second, measured
within seconds of each other: on this shared machine the speed moves by 1.4x within a minute,
so one long load of each cannot tell 0.45x from 0.55x. The row's figure is the median round's
(the lower of the two middle ones for an even count); the note and the printed lines add the
range of the rounds, the ratio of all rounds pooled, and the median of the rounds during which
the rest of the machine used under `QUIET_CORES` in both loads. Other work on the machine does
not only add noise: with one worker, the rounds during which it used half a core or more had a
median 0.03-0.08 below the quiet rounds of the same run (docs/performance.md).

Each phase reports the server's CPU a request (all its processes, from /proc; a POST phase's
requests are its pages plus two for each respondent started) and what the load kept busy, in
cores: the server, on that store PostgreSQL (its postmaster and the postmaster's children), this
driver (which shares the machine's cores) and the rest of the machine. Before each PostgreSQL run with several
workers, how much faster that many processes of pure CPU finish than one (`rows.core_scaling`):
more workers cannot raise throughput past that ceiling.

    .venv/bin/python benchmarks/post_bench.py [--stores sqlite,postgres] [--workers 1,3]
        [--clients 64] [--rounds 5] [--seconds 2] [--warm-up 3] [--respondents 640]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rows import Row, core_scaling, emit
from scaling_bench import new_database, serving, throwaway_postgres
from serverload import Cpu, Reading, postmaster, server_group, static_load

from helpseek.instrument import load_instrument
from helpseek.store import generate_research_keypair
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.http import drive
from helpseek.synth.respondents import Draw
from helpseek.web.connections import usable_cores

FORM = "help_us_help_you"
#: How long the browsers may take to come back to the gate after it shuts (a request in flight).
GATE_TIMEOUT_S = 120.0
#: A round during which the rest of the machine used less than this, in both loads, ran alone.
QUIET_CORES = 0.2


@dataclass(frozen=True)
class Phase:
    """One load: the units counted (static responses or POST pages), the requests sent, the cost."""

    counted: int
    requests: int
    cpu: Cpu

    @property
    def rate(self) -> float:
        return self.counted / self.cpu.wall

    @property
    def server_ms(self) -> float:
        """The server's CPU a request, in milliseconds."""
        return self.cpu.server / self.requests * 1000


@dataclass(frozen=True)
class Round:
    """A static load and the POST load right after it, on the same server."""

    static: Phase
    post: Phase

    @property
    def ratio(self) -> float:
        return self.post.rate / self.static.rate


@dataclass(frozen=True)
class Run:
    """One store and worker count: its rounds."""

    store: str
    workers: int
    rounds: tuple[Round, ...]

    @property
    def median(self) -> Round:
        """The median round by ratio (the lower middle one for an even count)."""
        return sorted(self.rounds, key=lambda r: r.ratio)[(len(self.rounds) - 1) // 2]

    @property
    def post_rate(self) -> float:
        """The median round's POST pages a second (by POST rate, for the workers row)."""
        return statistics.median_low(r.post.rate for r in self.rounds)

    def pooled(self) -> tuple[float, float]:
        """POST pages a second and static responses a second over all rounds together."""
        post = sum(r.post.counted for r in self.rounds) / sum(r.post.cpu.wall for r in self.rounds)
        static = sum(r.static.counted for r in self.rounds) / sum(
            r.static.cpu.wall for r in self.rounds
        )
        return post, static

    def spread(self) -> str:
        """The rounds' range, all rounds pooled, and the median of the rounds the rest of the
        machine left alone (a ratio measured while other work holds the cores may be lower, not
        just noisier: this machine is shared)."""
        ratios = [r.ratio for r in self.rounds]
        post, static = self.pooled()
        quiet = [
            r.ratio
            for r in self.rounds
            if max(r.static.cpu.rest_cores, r.post.cpu.rest_cores) < QUIET_CORES
        ]
        alone = f"median {statistics.median_low(quiet):.2f}x" if quiet else "none"
        return (
            f"rounds {min(ratios):.2f}-{max(ratios):.2f}x; all {len(ratios)} rounds pooled "
            f"{post / static:.2f}x (POST {post:.0f} pages/s, static {static:.0f}/s); "
            f"{len(quiet)} rounds with the rest of the machine under {QUIET_CORES} cores: {alone}"
        )


class Gate:
    """Where the browsers of one `drive` wait between POST loads (its `before_page` hook).

    Open, a browser counts its next page and posts it; shut, it waits there, its respondent
    mid-questionnaire and its connection kept, until the gate opens again.
    """

    def __init__(self, browsers: int) -> None:
        self.browsers = browsers
        self.pages = 0
        self._open = asyncio.Event()
        self._held = 0
        self._all_held = asyncio.Event()

    async def before_page(self) -> None:
        while not self._open.is_set():
            self._held += 1
            if self._held == self.browsers:
                self._all_held.set()
            await self._open.wait()
            self._held -= 1
        self.pages += 1

    def open(self) -> None:
        self._all_held.clear()
        self._open.set()

    def shut(self) -> None:
        self._open.clear()

    async def all_back(self, driving: asyncio.Task[Any]) -> None:
        """Return when every browser waits at the gate; raise what `drive` raised if it ended."""
        back = asyncio.ensure_future(self._all_held.wait())
        await asyncio.wait({back, driving}, timeout=GATE_TIMEOUT_S, return_when="FIRST_COMPLETED")
        if not back.done():
            back.cancel()
            if driving.done():
                driving.result()  # the DriveError, if any
            raise RuntimeError("the browsers did not come back to the gate: out of respondents?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,3")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="each load of a round")
    parser.add_argument("--warm-up", type=float, default=3.0, help="POST load before the rounds")
    parser.add_argument(
        "--respondents", type=int, default=640, help="drawn, then sent again as new ones"
    )
    args = parser.parse_args()
    form = load_instrument(FORM)
    draw = draw_respondents(form, load_truth(None, form), args.respondents, 7)
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
                    label = f"{store:<8} {workers} worker(s)"
                    pg = postmaster(postgres) if store == "postgres" else 0
                    rounds = asyncio.run(_rounds(url, pg, label, form, draw, args))
                runs.append(Run(store, workers, tuple(rounds)))
                _print(runs[-1], label)
                _print_shutdown_counts(folder / "server.log", label)
    _rows(runs, args, max(ceilings, default=float("nan")))


def _print_shutdown_counts(log: Path, label: str) -> None:
    """The server processes' shutdown lines, summed over the workers: the form states reused
    (instrument/logic.py `StateMemo`), the fillers sealed ahead and inline (web/fillers.py) and
    the session states held (web/sessions.py `RecentStates`). The log is cleared for the next
    server."""
    lines = log.read_text(errors="replace").splitlines()
    log.write_bytes(b"")
    states = _summed(lines, "form states:", 2)  # reused, computed
    fillers = _summed(lines, "fillers:", 2)  # sealed ahead by the workers' children, inline
    counts = _summed(lines, "session states held:", 3)
    if any(states):
        print(
            f"{label}: form states {states[0]} reused, {states[1]} computed "
            f"({states[0] / sum(states):.0%} reused)"
        )
    if any(fillers):
        print(f"{label}: fillers {fillers[0]} sealed ahead, {fillers[1]} sealed inline")
    if any(counts):
        total = sum(counts)
        print(
            f"{label}: {counts[0]} of {total} POSTs ({counts[0] / total:.0%}) read no session "
            f"state back, {counts[1]} read one (not held), {counts[2]} read one all the same"
        )


def _summed(lines: list[str], marker: str, size: int) -> list[int]:
    """The `size` numbers after `marker`, summed over the lines that carry it.

    >>> _summed(["a fillers: 3 ahead, 1 inline", "fillers: 2 x 5", "other 9 9"], "fillers:", 2)
    [5, 6]
    """
    sums = [0] * size
    for line in lines:
        if marker in line:
            numbers = [int(w) for w in line.split(marker, 1)[1].split() if w.isdigit()]
            sums = [a + b for a, b in zip(sums, numbers, strict=True)]
    return sums


async def _rounds(url: str, pg: int, label: str, form: Any, draw: Draw, args: Any) -> list[Round]:
    """The warm-up and the rounds on the server at `url` (its PostgreSQL's postmaster `pg`, or
    0 on SQLite), one `drive` for all of them."""
    group = server_group(url)
    gate = Gate(args.clients)
    started = 0

    def finished(count: int) -> None:  # a browser starts its next respondent at once
        nonlocal started
        started += count

    laps = -(-(args.warm_up + 2 * args.rounds * args.seconds) * 2000 // len(draw.respondents))
    driving = asyncio.create_task(
        drive(
            url,
            form,
            draw,
            concurrency=args.clients,
            respondents=list(draw.respondents) * int(laps),  # 2,000 respondents a second
            progress=finished,
            before_page=gate.before_page,
        )
    )
    try:
        await gate.all_back(driving)  # every browser past its first landing page and consent
        await _post_load(gate, driving, args.warm_up)
        rounds: list[Round] = []
        for number in range(1, args.rounds + 1):
            before = Reading.now(group, pg)
            responses = await static_load(url, args.clients, args.seconds)
            static = Phase(responses, responses, before.since())
            pages, respondents = gate.pages, started
            before = Reading.now(group, pg)
            await _post_load(gate, driving, args.seconds)
            pages, respondents = gate.pages - pages, started - respondents
            post = Phase(pages, pages + 2 * respondents, before.since())
            rounds.append(Round(static, post))
            print(f"{label} round {number}: {_round_line(rounds[-1], args.seconds)}", flush=True)
    finally:
        driving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await driving
    return rounds


async def _post_load(gate: Gate, driving: asyncio.Task[Any], seconds: float) -> None:
    gate.open()
    await asyncio.sleep(seconds)
    gate.shut()
    await gate.all_back(driving)


def _round_line(r: Round, seconds: float) -> str:
    return (
        f"static {r.static.rate:6.1f}/s (tail {r.static.cpu.wall - seconds:.2f} s; "
        f"{r.static.server_ms:.2f} ms server CPU each; {r.static.cpu.cores()}), POST {r.post.rate:6.1f} pages/s (tail "
        f"{r.post.cpu.wall - seconds:.2f} s; {r.post.server_ms:.2f} ms server CPU a request; "
        f"{r.post.cpu.cores()}): ratio {r.ratio:.3f}"
    )


def _print(run: Run, label: str) -> None:
    middle = run.median
    print(
        f"{label}: ratio {middle.ratio:.3f} (median round: POST {middle.post.rate:.1f} "
        f"pages/s, static {middle.static.rate:.1f}/s); {run.spread()}",
        flush=True,
    )


def _rows(runs: list[Run], args: Any, ceiling: float) -> None:
    for run in runs:
        middle = run.median
        emit(
            Row(
                what=f"survey POST vs static page, {args.clients} clients, {run.store}, "
                f"{run.workers} worker(s)",
                figure=middle.post.rate,
                baseline=middle.static.rate,
                unit="/s",  # POST pages a second against static responses a second
                baseline_is="static page responses",
                ratio=middle.ratio,
                goal=">= 0.5x",
                met=middle.ratio >= 0.5,
                note=f"POST pages a second; median of {len(run.rounds)} rounds of {args.seconds:g} s static then "
                f"{args.seconds:g} s POST on one server, {run.spread()}; server CPU "
                f"{middle.post.server_ms:.1f} ms a POST request, {middle.static.server_ms:.1f} ms "
                f"a static one; POST phase {middle.post.cpu.cores()}; static phase "
                f"{middle.static.cpu.cores()}",
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
                note=f"median rounds' POST pages a second; processes of pure CPU got "
                f"{ceiling:.2f}x of one meanwhile; server CPU {one.median.post.server_ms:.1f} ms "
                f"a POST request with {one.workers}, {most.median.post.server_ms:.1f} ms with "
                f"{most.workers}",
            )
        )


if __name__ == "__main__":
    main()
