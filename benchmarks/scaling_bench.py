"""Pages per second stored by `helpseek serve --workers N` for N = 1, 2, 4, on SQLite (WAL) and on
PostgreSQL, and the ratio against 1 process on the same store, measured in the same run.

Each run: a fresh store, the bundled help_us_help_you form, `--respondents` concurrent respondents
over loopback (httpx, asyncio) posting every page of the questionnaire; only acknowledged pages
(200 replies) count. The load generator shares the machine's cores with the server, so on a small
host the ratios understate what separate hosts would give.
Run: .venv/bin/python benchmarks/scaling_bench.py [--responses 60] [--respondents 16]
     [--postgres-url postgresql+psycopg://app@127.0.0.1:5432] (else a throwaway server is started)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import lxml.html

from helpseek.store import generate_research_keypair

PROCESSES = (1, 2, 4)
FORM = {"content-type": "application/x-www-form-urlencoded"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 (as the postgres user when run as root); its base URL."""
    bin_dir = max(Path("/usr/lib/postgresql").glob("*/bin"))
    root = Path(tempfile.mkdtemp(prefix="hsbench"))
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port, data = free_port(), root / "data"
    subprocess.run(
        [
            *as_pg,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "app",
            "--auth=trust",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    pg_ctl = [*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data)]
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=200"
    subprocess.run(
        [*pg_ctl, "-l", str(root / "log"), "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://app@127.0.0.1:{port}"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def new_database(kind: str, folder: Path, postgres: str, number: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'bench{number}.db'}"
    import psycopg

    name = f"bench{number}_{os.getpid()}"
    with psycopg.connect(postgres.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres}/{name}"


@contextlib.contextmanager
def serving(database: str, folder: Path, processes: int) -> Iterator[str]:
    """`helpseek serve --workers processes` on a free port; yields its URL once it answers."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "helpseek.cli.main",
        "serve",
        "--instrument",
        "help_us_help_you",
        "--db",
        database,
        "--public-key",
        str(folder / "public.key"),
        "--secret-file",
        str(folder / "web.secret"),
        "--port",
        str(port),
        "--workers",
        str(processes),
        "--circuit-rate",
        "0",
    ]
    with (folder / "server.log").open("ab") as log:
        server = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError((folder / "server.log").read_text()[-2000:])
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


async def respond(client: httpx.AsyncClient) -> int:
    """One whole response, first option everywhere; returns the pages acknowledged."""
    reply = await client.post(
        "/start?lang=en", content=b"instrument=help_us_help_you", headers=FORM
    )
    pages = 0
    while reply.status_code == 200:
        forms = [
            f
            for f in lxml.html.fromstring(reply.text).forms
            if (f.action or "").startswith("/page")
        ]
        if not forms:
            return pages
        fields: list[tuple[str, str]] = [("action", "next")]
        seen: set[str] = set()
        for element in forms[0].inputs:
            kind = getattr(element, "type", "") or element.tag
            if not element.name or element.tag == "button" or kind == "submit":
                continue
            if kind == "hidden":
                fields.append((element.name, element.value))
            elif kind in ("radio", "checkbox"):
                if element.name not in seen:
                    fields.append((element.name, element.get("value")))
            else:
                fields.append((element.name, "tokenalpha"))
            seen.add(element.name)
        reply = await client.post("/page?lang=en", content=urlencode(fields).encode(), headers=FORM)
        pages += reply.status_code == 200
    raise RuntimeError(f"HTTP {reply.status_code} before the end page")


async def load(url: str, responses: int, respondents: int) -> tuple[int, float]:
    """(pages acknowledged, seconds) for `responses` responses, `respondents` at a time."""
    gate = asyncio.Semaphore(respondents)
    limits = httpx.Limits(max_connections=respondents, max_keepalive_connections=0)

    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one() -> int:
            async with gate:
                return await respond(client)

        await asyncio.gather(*(one() for _ in range(respondents)))  # warm every worker up
        started = time.perf_counter()
        pages = await asyncio.gather(*(one() for _ in range(responses)))
        return sum(pages), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=60)
    parser.add_argument("--respondents", type=int, default=16)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hsscale"))
    (folder / "public.key").write_text(generate_research_keypair().public_key + "\n")
    with contextlib.ExitStack() as stack:
        stores = args.stores.split(",")
        postgres = args.postgres_url or (
            stack.enter_context(throwaway_postgres()) if "postgres" in stores else ""
        )
        print(f"{args.responses} responses, {args.respondents} concurrent, {os.cpu_count()} cores")
        print(f"{'store':<10} {'processes':>9} {'pages':>6} {'pages/s':>8} {'vs 1':>6}")
        number = 0
        for kind in stores:
            baseline = 0.0
            for processes in PROCESSES:
                number += 1
                database = new_database(kind, folder, postgres, number)
                with serving(database, folder, processes) as url:
                    pages, seconds = asyncio.run(load(url, args.responses, args.respondents))
                rate = pages / seconds
                baseline = baseline or rate
                print(
                    f"{kind:<10} {processes:>9} {pages:>6} {rate:>8.1f} {rate / baseline:>6.2f}",
                    flush=True,
                )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
