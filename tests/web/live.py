"""A real `helpseek serve` in a subprocess on 127.0.0.1 and a free port (tests at depth 2 and 3),
and an app object under uvicorn in a thread of the test's own process (`ThreadServer`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Self

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThreadServer:
    """`app` under uvicorn in a daemon thread on 127.0.0.1 and a free port, for tests that reach
    into the app object (its clock, caches, store) while real clients talk to it over loopback.
    `options` go to uvicorn.Config (e.g. `http=`, `lifespan=`); `thread` runs the event loop."""

    def __init__(self, app: Any, **options: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, access_log=False, log_level="warning", **options
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started, "the app did not start under uvicorn"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class LiveServer:
    """`python -m helpseek.cli.main serve ...` with its output in a log file; kill -9 and restart."""

    def __init__(
        self,
        folder: Path,
        public_key: Path,
        instruments: tuple[str, ...],
        workers: int = 1,
        *,
        database_url: str | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        """`database_url` defaults to a SQLite file in `folder`; `extra` are more serve options."""
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = folder / "responses.db"
        self.log = folder / "server.log"
        self.command = [
            sys.executable,
            "-m",
            "helpseek.cli.main",
            "serve",
            "--db",
            database_url or f"sqlite:///{self.database}",
            "--public-key",
            str(public_key),
            "--secret-file",
            str(folder / "web.secret"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            *extra,
        ] + [arg for name in instruments for arg in ("--instrument", name)]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=log, start_new_session=True, env={**os.environ}
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs (the crash test)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
