"""Benchmark: slow clients against the survey server, with and without the connection guard.

Opens N connections (default 1,000) to a server on 127.0.0.1 that each send one byte of a request
line every `--interval` seconds (default 10, as in issue 12), for `--seconds` (default 60). Every
`--interval` it counts how many of them the server still holds open and sends a normal `GET /`
from a fresh client (status, or the error a respondent would see).

Two servers, one after the other, in the same run:
  baseline  uvicorn with helpseek's PROXY-line protocol only (what `serve` ran before issue 12)
  guarded   `helpseek serve` with its read deadline and connection cap (`--read-timeout`,
            `--max-connections`; defaults 30 s and 512)

    .venv/bin/python benchmarks/slow_clients.py
    .venv/bin/python benchmarks/slow_clients.py --connections 300 --seconds 40

Only loopback is contacted; every loop is bounded in count and time, and both servers are stopped.
"""

from __future__ import annotations

import argparse
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from helpseek.store import generate_research_keypair

_BASELINE = """
import sys, uvicorn
from pathlib import Path
from helpseek.settings import Settings
from helpseek.web import create_app
from helpseek.web.proxy_protocol import ProxyLineProtocol
folder, port = Path(sys.argv[1]), int(sys.argv[2])
settings = Settings(f"sqlite:///{folder / 'baseline.db'}", (folder / "public.key",),
                    ("help_us_help_you",), secret_key_file=folder / "web.secret")
uvicorn.run(create_app(settings), host="127.0.0.1", port=port, access_log=False,
            log_level="warning", http=ProxyLineProtocol)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _attack(port: int, connections: int, interval: float, seconds: float) -> dict[str, object]:
    """Open the slow connections and trickle bytes; return open counts over time and a probe."""
    selector = selectors.DefaultSelector()
    sockets: list[socket.socket] = []
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setblocking(False)
        sockets.append(sock)
        selector.register(sock, selectors.EVENT_READ)
    is_open = {sock: True for sock in sockets}
    line = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 10_000
    counts: list[tuple[float, int, int | str]] = []
    start = time.monotonic()
    ticks = 0
    while (elapsed := time.monotonic() - start) < seconds:
        for key, _ in selector.select(timeout=0.2):
            _mark_if_closed(key.fileobj, is_open, selector)  # type: ignore[arg-type]
        if elapsed >= ticks * interval:
            for sock in sockets:
                if is_open[sock]:
                    try:
                        sock.send(line[ticks : ticks + 1])
                    except OSError:
                        _close(sock, is_open, selector)
            counts.append((round(elapsed, 1), sum(is_open.values()), _probe(port)))
            ticks += 1
    counts.append((round(time.monotonic() - start, 1), sum(is_open.values()), _probe(port)))
    for sock in sockets:
        sock.close()
    return {"counts": counts}


def _probe(port: int) -> int | str:
    """What a respondent arriving now gets: the status, or the transport error's name."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code
    except httpx.TransportError as error:
        return type(error).__name__


def _mark_if_closed(sock: socket.socket, is_open: dict[socket.socket, bool], selector) -> None:  # type: ignore[no-untyped-def]
    try:
        if sock.recv(4096) == b"":
            _close(sock, is_open, selector)
    except BlockingIOError:
        pass
    except OSError:
        _close(sock, is_open, selector)


def _close(sock: socket.socket, is_open: dict[socket.socket, bool], selector) -> None:  # type: ignore[no-untyped-def]
    if is_open[sock]:
        is_open[sock] = False
        selector.unregister(sock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--read-timeout", type=float, default=30.0)
    parser.add_argument("--max-connections", type=int, default=512)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.connections)), hard))

    folder = Path(tempfile.mkdtemp(prefix="hs-slow-"))
    (folder / "public.key").write_text(generate_research_keypair().public_key + "\n")
    results = {}
    for name in ("baseline", "guarded"):
        port = _free_port()
        if name == "baseline":
            command = [sys.executable, "-c", _BASELINE, str(folder), str(port)]
        else:
            command = [
                *(sys.executable, "-m", "helpseek.cli.main", "serve"),
                *("--instrument", "help_us_help_you", "--db", f"sqlite:///{folder / 'g.db'}"),
                *("--public-key", str(folder / "public.key")),
                *("--secret-file", str(folder / "web.secret"), "--port", str(port)),
                *("--read-timeout", str(args.read_timeout)),
                *("--max-connections", str(args.max_connections)),
            ]
        process = _start(command, port, folder / f"{name}.log")
        try:
            results[name] = _attack(port, args.connections, args.interval, args.seconds)
        finally:
            _stop(process)
        print(f"{name}: (seconds, slow connections still open, a fresh GET /):")
        print("   ", results[name]["counts"])
    baseline_open = results["baseline"]["counts"][-1][1]  # type: ignore[index]
    guarded_open = results["guarded"]["counts"][-1][1]  # type: ignore[index]
    print(
        f"open after {args.seconds:.0f} s of {args.connections} slow connections: "
        f"baseline {baseline_open}, guarded {guarded_open} "
        f"(ratio guarded/baseline {guarded_open / max(baseline_open, 1):.3f})"
    )


if __name__ == "__main__":
    main()
