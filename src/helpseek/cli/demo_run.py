"""The whole study on loopback, for `helpseek demo`: keys -> server -> synthetic respondents over
HTTP -> export with the private key -> screening -> analysis -> report -> headline numbers.

Glue only: every step calls the capability that real users call (store, web via uvicorn, data,
quality, analysis, report); nothing is shortcut.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import uvloop

from helpseek.analysis import AnalysisResult, load_spec, resolve_spec, run_analysis
from helpseek.cli.analyze import write_outputs
from helpseek.cli.demo import DEMO_N
from helpseek.cli.demo_server import running_server
from helpseek.data import assemble, read_table, unseal_store, write_dataset
from helpseek.instrument import Instrument, load_instrument
from helpseek.problems import InputError, Location, problem
from helpseek.quality import options_for, screen
from helpseek.settings import Settings
from helpseek.store import load_private_key, open_store, write_research_key
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.http import DriveError, DriveResult, Sample, drive_all

MAIN, PROGRAMME = "help_us_help_you", "program_feedback"
MARKER = ".helpseek-demo"
#: What a previous demo left in its folder (removed before a new run; nothing else is touched).
OUTPUTS = (
    "keys",
    "data",
    "results",
    "responses.db",
    "responses.db-wal",
    "responses.db-shm",
    "responses.db-writer",
    "server.secret",
    "server.log",
    "report.html",
    "report.docx",
    MARKER,
)


@dataclass(frozen=True)
class DemoOptions:
    """What `helpseek demo` was asked to do."""

    out: Path
    n: int = DEMO_N
    programme_n: int = 255
    concurrency: int = 256
    seed: int = 1
    passphrase: str | None = None
    # 40x: a 30 s page takes 0.75 s of real time; the server's clock runs 40x faster to match.
    time_scale: float = 40.0
    # Each server process runs Python on one core at a time (its threads share one lock), and
    # the respondents' driver needs a quarter of a core: on 2 cores, 1 worker served ~125 pages/s,
    # 2 ~185 and 3 ~215 (benchmarks/demo_bench.py). They share the SQLite file by taking turns
    # (store/database.py).
    workers: int = 3


@dataclass
class DemoReport:
    """Where everything went, the headline numbers and how long each step took (seconds)."""

    out: Path
    report: Path | None = None
    results: dict[str, Path] = field(default_factory=dict)
    drives: dict[str, DriveResult] = field(default_factory=dict)
    main_result: AnalysisResult | None = None
    timings: dict[str, float] = field(default_factory=dict)
    passphrase_file: Path | None = None


class Steps:
    """Callbacks for the shell: `say(text)` between steps, `advance(kind, k)` per respondent."""

    def __init__(
        self,
        say: Callable[[str], None],
        start_bar: Callable[[str, int], object],
        advance: Callable[[str, int], None],
    ) -> None:
        self.say, self.start_bar, self.advance = say, start_bar, advance


def run_demo(options: DemoOptions, steps: Steps) -> DemoReport:
    """Run every step; the server is stopped on the way out, also on errors and Ctrl-C."""
    out = _prepare(options.out)
    report = DemoReport(out)
    tick = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        report.timings[name] = now - tick
        tick = now

    steps.say("making a research key pair")
    passphrase, report.passphrase_file = _passphrase(options, out)
    keys = write_research_key(out / "keys", passphrase, "moderate")
    del keys
    forms = {MAIN: load_instrument(MAIN), PROGRAMME: load_instrument(PROGRAMME)}
    lap("keys")
    report.drives = _collect(options, out, forms, steps)
    lap("collect")
    steps.say("exporting with the private key")
    data = _export(out, forms, load_private_key(out / "keys" / "private.key", passphrase))
    lap("export")
    steps.say("screening and analysing")
    report.main_result, report.results = _analyse(out, data, forms)
    lap("analyse")
    steps.say("writing the report")
    report.report = _report(out, report.results, [forms[MAIN], forms[PROGRAMME]])
    lap("report")
    return report


def _prepare(out: Path) -> Path:
    """A fresh demo folder: refuse one that holds other files, clear a previous demo's outputs."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise InputError([problem("SYNTH-012", Location(file=str(out)), path=str(out))])
    for name in OUTPUTS:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        "written by helpseek demo; its outputs are replaced on the next run\n"
    )
    return out


def _passphrase(options: DemoOptions, out: Path) -> tuple[str, Path | None]:
    """The given passphrase, or a generated one written (0600) beside the demo keys."""
    if options.passphrase:
        return options.passphrase, None
    passphrase = secrets.token_urlsafe(24)
    path = out / "keys" / "passphrase.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as sink:
        sink.write(passphrase + "\n")
    return passphrase, path


def _collect(
    options: DemoOptions,
    out: Path,
    forms: dict[str, Instrument],
    steps: Steps,
) -> dict[str, DriveResult]:
    """Start the server, send both samples through its pages at once, stop the server."""
    settings = Settings(
        database_url=f"sqlite:///{out / 'responses.db'}",
        public_key_paths=(out / "keys" / "public.key",),
        instrument_names=(MAIN, PROGRAMME),
        secret_key_file=out / "server.secret",
    )
    sizes = {MAIN: options.n, PROGRAMME: options.programme_n}
    draws = {
        name: draw_respondents(
            forms[name], load_truth(None, forms[name]), size, options.seed + offset
        )
        for offset, (name, size) in enumerate(sizes.items())
        if size > 0
    }
    steps.say(f"starting the survey server (SQLite, {', '.join(draws)})")
    with running_server(
        settings, options.time_scale, out / "server.log", options.workers
    ) as server:
        for name, size in sizes.items():
            steps.start_bar(name, size)
        # One pool of browsers for both samples, longest respondents first: no browser idles
        # while respondents wait, and the last to start are short ones.
        samples = [
            Sample(forms[name], draw, draw.respondents, _advancer(steps, name))
            for name, draw in draws.items()
        ]
        try:
            # uvloop, as under the server: the respondents' client spends its CPU on the same
            # cores as the server, and uvloop's event loop costs less of it a request
            results = uvloop.run(
                drive_all(
                    server.base_url,
                    samples,
                    concurrency=options.concurrency,
                    time_scale=options.time_scale,
                    longest_first=True,
                )
            )
        except DriveError as error:
            raise InputError(
                [problem("SYNTH-011", status=error.status, page=error.page, detail=error.detail)]
            ) from None
    retried = sum(r.retried_after_server_error for r in results)
    if retried:
        steps.say(
            f"{retried} pages were sent again after a server error (see {out / 'server.log'})"
        )
    return dict(zip(draws, results, strict=True))


def _advancer(steps: Steps, name: str) -> Callable[[int], None]:
    return lambda k: steps.advance(name, k)


def _export(out: Path, forms: dict[str, Instrument], identity: Any) -> dict[str, Path]:
    """Unseal every page with the private key; one dataset (.sav + .csv + codebook) per sample."""
    store = open_store(f"sqlite:///{out / 'responses.db'}")
    try:
        unsealed = unseal_store(store, identity)
    finally:
        store.close()
    records = unsealed.pages
    # Withdrawals are counted per store, not per questionnaire: 0 for each sample only when the
    # store held no tombstone at all, else not known per sample (the demo withdraws nothing)
    nothing_withdrawn = unsealed.withdrawn == 0 and unsealed.unmatched_tombstones == 0
    written: dict[str, Path] = {}
    (out / "data").mkdir(exist_ok=True)
    for name, stem in ((MAIN, "main"), (PROGRAMME, "programme")):
        own = [r for r in records if r.form_id == name]
        if not own:
            continue
        dataset = replace(assemble(own, [forms[name]]), withdrawn=0 if nothing_withdrawn else None)
        for suffix in (".sav", ".csv"):
            write_dataset(dataset, out / "data" / f"{stem}{suffix}")
        written[name] = out / "data" / f"{stem}.sav"
    return written


def _analyse(
    out: Path,
    data: dict[str, Path],
    forms: dict[str, Instrument],
) -> tuple[AnalysisResult | None, dict[str, Path]]:
    """Screen each sample, then run the bundled specs as `helpseek analyze` does."""
    screened: dict[str, pd.DataFrame] = {}
    specs = {MAIN: "help_seeking", PROGRAMME: "program_feedback"}
    for name, path in data.items():
        spec = load_spec(specs[name])
        table = read_table(path)
        screened[name] = screen(
            table, options_for(forms[name], spec.screening_options), forms[name]
        ).frame
    runs = [
        ("main", "help_seeking", [MAIN]),
        ("programme", "program_feedback", [PROGRAMME]),
        ("comparison", "help_seekers_vs_programme", [MAIN, PROGRAMME]),
    ]
    folders: dict[str, Path] = {}
    main_result = None
    for folder, spec_name, names in runs:
        if not all(n in screened for n in names):
            continue
        frame = pd.concat([screened[n] for n in names], ignore_index=True)
        result = run_analysis(frame, load_spec(spec_name))
        write_outputs(
            result,
            out / "results" / folder,
            [data[n] for n in names],
            [forms[n] for n in names],
            resolve_spec(spec_name),
        )
        folders[folder] = out / "results" / folder
        main_result = result if folder == "main" else main_result
    return main_result, folders


def _report(out: Path, results: dict[str, Path], instruments: list[Instrument]) -> Path | None:
    from helpseek.report import build_report

    if "main" not in results:
        return None
    ordered: Sequence[Path] = [
        results[k] for k in ("main", "programme", "comparison") if k in results
    ]
    build_report(ordered, out / "report.html", docx=out / "report.docx", instrument=instruments)
    return out / "report.html"
