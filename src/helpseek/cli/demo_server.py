"""The survey server of `helpseek demo`: the real app, started by uvicorn in its own process group,
with a clock that runs `time_scale` times faster so that page durations look real without waiting.

Demo only: `helpseek serve` never speeds up its clock.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from helpseek.problems import InputError, problem
from helpseek.settings import Settings

_CONFIG_ENV = "HELPSEEK_DEMO_SERVER"
_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class DemoServer:
    """A running demo server: where it listens, where its messages go, and its process (the
    leader of its own process group, with any workers)."""

    base_url: str
    log: Path
    pid: int


def demo_app() -> Any:
    """uvicorn factory: the survey app for the Settings the parent wrote, on a sped-up clock."""
    config = json.loads(os.environ[_CONFIG_ENV])
    settings = Settings(
        database_url=config["database_url"],
        public_key_paths=tuple(Path(p) for p in config["public_key_paths"]),
        instrument_names=tuple(config["instrument_names"]),
        secret_key_file=Path(config["secret_key_file"]),
    )
    scale, start = float(config["time_scale"]), float(config["started"])

    def clock() -> float:
        return start + (time.time() - start) * scale

    from helpseek.web import create_app

    return create_app(settings, clock=clock)


@contextmanager
def running_server(
    settings: Settings, time_scale: float, log: Path, workers: int = 1
) -> Iterator[DemoServer]:
    """Start uvicorn on 127.0.0.1 (a free port) and stop it, with its whole process group, on exit.

    Also on Ctrl-C and on errors: the server never outlives the demo.
    """
    from helpseek.web.tokens import load_or_create_secret

    load_or_create_secret(settings.secret_key_file)  # once, before the workers race for it
    port = _free_port()
    config = {
        "database_url": settings.database_url,
        "public_key_paths": [str(p) for p in settings.public_key_paths],
        "instrument_names": list(settings.instrument_names),
        "secret_key_file": str(settings.secret_key_file),
        "time_scale": time_scale,
        "started": time.time(),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "helpseek.cli.demo_server:demo_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--no-proxy-headers",
        "--log-level",
        "warning",
        "--no-server-header",
        "--no-date-header",
    ]
    env = {**os.environ, _CONFIG_ENV: json.dumps(config)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_up(process, base_url, log)
            yield DemoServer(base_url, log, process.pid)
        finally:
            _stop(process)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise InputError(
                [
                    problem(
                        "SYNTH-010",
                        reason=f"it exited with code {process.returncode}",
                        log=str(log),
                    )
                ]
            )
        try:
            if httpx.get(f"{base_url}/", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise InputError(
        [problem("SYNTH-010", reason=f"no answer within {_START_TIMEOUT_S:.0f} s", log=str(log))]
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (uvicorn and its workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
