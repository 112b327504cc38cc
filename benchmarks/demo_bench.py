"""The demo's collection step: synthetic respondents answering the bundled questionnaire over real
HTTP, against the same server's static page fetched by the same client in the same run (the ratio
and the CPU per page are the results; absolute rates depend on the machine and its load).

    .venv/bin/python benchmarks/demo_bench.py --n 400 --concurrency 32 [--workers 1]

Starts the demo's survey server (uvicorn, SQLite synchronous=FULL, help_us_help_you) on
127.0.0.1, then drives `--n` respondents through it without pauses (time scale 0). CPU per page
is measured for the server's processes and for the driver separately: the demo's two cores are
shared by both, so the sum of the two is what bounds `make demo`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import tempfile
from pathlib import Path

import uvloop
from serverload import static_load, timed

from helpseek.cli.demo_server import running_server
from helpseek.instrument import load_instrument
from helpseek.settings import Settings
from helpseek.store import generate_research_keypair
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.http import drive

FORM = "help_us_help_you"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="respondents (default 400)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="static baseline length")
    parser.add_argument(
        "--uvloop", action="store_true", help="the client on uvloop's event loop (as the demo)"
    )
    args = parser.parse_args()
    if args.uvloop:
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    form = load_instrument(FORM)
    draw = draw_respondents(form, load_truth(None, form), args.n, 1)
    with tempfile.TemporaryDirectory() as folder:
        settings = _settings(Path(folder))
        with running_server(settings, 1.0, Path(folder) / "server.log", args.workers) as server:
            group = server.pid  # the server is its own process group (with its workers)
            static, static_cpu = timed(
                group, static_load(server.base_url, args.concurrency, args.seconds)
            )
            result, cpu = timed(
                group, drive(server.base_url, form, draw, concurrency=args.concurrency)
            )
        records, size = _store_size(Path(folder) / "responses.db")
    static_rate = static / static_cpu.wall
    page_rate = result.pages / cpu.wall
    print(
        f"{args.n} respondents of {FORM}, concurrency {args.concurrency}, {args.workers} worker(s)"
    )
    print(f"static page (GET /static/style.css): {static_rate:8.1f} responses/s")
    print(f"survey pages (sealed + stored):      {page_rate:8.1f} pages/s ({result.pages} pages)")
    print(f"ratio survey/static:                 {page_rate / static_rate:8.3f}")
    print(
        f"CPU per page: server {cpu.server / result.pages * 1000:.2f} ms, "
        f"driver {cpu.driver / result.pages * 1000:.2f} ms "
        f"(per static response: server {static_cpu.server / static * 1000:.2f} ms, "
        f"driver {static_cpu.driver / static * 1000:.2f} ms)"
    )
    print(
        f"store: {records} sealed records ({records / args.n:.1f} per respondent), "
        f"{size / 1024:.0f} KiB ({size / 1024 / args.n:.1f} KiB per respondent)"
    )


def _store_size(database: Path) -> tuple[int, int]:
    """Records and bytes of the SQLite store once the server has stopped (WAL checkpointed)."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        records = conn.execute("SELECT count(*) FROM sealed_records").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return int(records), database.stat().st_size


def _settings(folder: Path) -> Settings:
    public = folder / "public.key"
    public.write_text(generate_research_keypair().public_key + "\n")
    return Settings(
        f"sqlite:///{folder / 'responses.db'}",
        (public,),
        (FORM,),
        secret_key_file=folder / "server.secret",
    )


if __name__ == "__main__":
    main()
