"""Completed survey pages per second at a given concurrency, against a static page of the same server
in the same run (the ratio is the result; absolute numbers depend on the machine).

    .venv/bin/python benchmarks/collect_bench.py --concurrency 4 --seconds 10

Starts a real `helpseek serve` (SQLite, synchronous=FULL, one worker) on 127.0.0.1 and a free
port; each client thread walks a small two-page questionnaire again and again.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from helpseek.store import generate_research_keypair

FORM = """
| survey |
| | type | name | label::English (en) | required | appearance |
| | begin_group | first | First | | field-list |
| | integer | age | Age | yes | |
| | select_one yn | agree | Agree? | yes | |
| | end_group | | | | |
| | text | words | Words | | |

| choices |
| | list_name | name | label::English (en) |
| | yn | yes | Yes |
| | yn | no | No |

| settings |
| | form_id | version | default_language |
| | bench | 1 | English (en) |
"""
_TOKEN = re.compile(r'name="token" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, process = _start_server(Path(folder))
        try:
            static = _measure(url, args.concurrency, args.seconds, _static_page)
            pages = _measure(url, args.concurrency, args.seconds, _survey_pages)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
    print(f"concurrency {args.concurrency}, {args.seconds:.0f} s each, one worker, SQLite FULL")
    print(f"static page (GET /static/style.css): {static:8.1f} responses/s")
    print(f"survey pages (sealed + stored):      {pages:8.1f} pages/s")
    print(f"ratio survey/static:                 {pages / static:8.3f}")


def _static_page(client: httpx.Client) -> int:
    client.get("/static/style.css").raise_for_status()
    return 1


def _survey_pages(client: httpx.Client) -> int:
    """One response: consent, two answered pages (each sealed and stored). Returns pages stored."""
    page = client.post("/start?lang=en", data={"instrument": "bench"})
    page = client.post(
        "/page?lang=en",
        data={"token": _token(page.text), "action": "next", "age": "30", "agree": "yes"},
    )
    page = client.post(
        "/page?lang=en", data={"token": _token(page.text), "action": "next", "words": "tokenalpha"}
    )
    page.raise_for_status()
    return 2


def _measure(
    url: str, concurrency: int, seconds: float, work: Callable[[httpx.Client], int]
) -> float:
    counts = [0] * concurrency
    stop = time.monotonic() + seconds

    def run(slot: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop:
                counts[slot] += work(client)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def _token(html: str) -> str:
    match = _TOKEN.search(html)
    if match is None:
        raise RuntimeError("no token in the page: " + html[:200])
    return match.group(1)


def _start_server(folder: Path) -> tuple[str, subprocess.Popen[bytes]]:
    key = folder / "public.key"
    key.write_text(generate_research_keypair().public_key + "\n")
    (folder / "bench.md").write_text(FORM)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "helpseek.cli.main",
        "serve",
        "--instrument",
        str(folder / "bench.md"),
        "--db",
        f"sqlite:///{folder / 'r.db'}",
        "--public-key",
        str(key),
        "--secret-file",
        str(folder / "secret"),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return url, process
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


if __name__ == "__main__":
    main()
