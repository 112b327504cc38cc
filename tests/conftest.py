"""Shared fixtures for the whole suite."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpseek.store import ResearchKeypair, generate_research_keypair

# --- A real throwaway PostgreSQL (store, web and multi-collector tests) ------------------------
# initdb/pg_ctl refuse to run as root, so they run as the `postgres` user on a short mktemp
# directory (the unix socket path must stay under 107 bytes); see notes/storage-and-tor.md §1.

_PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
_pg_database_numbers = itertools.count(1)


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayPostgres:
    """A PostgreSQL server of its own on 127.0.0.1 and a free port, in a mktemp directory; `stop`
    (pg_ctl stop -m fast: every client is cut off) and `start` again on the same data."""

    def __init__(self) -> None:
        if not _PG_BIN_DIRS:
            pytest.fail(
                "PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)"
            )
        bin_dir = _PG_BIN_DIRS[0]
        self.root = Path(tempfile.mkdtemp(prefix="hspg"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.data, self.port = self.root / "data", _free_port()
        self.url = f"postgresql+psycopg://app@127.0.0.1:{self.port}"
        self._pg_ctl = str(bin_dir / "pg_ctl")
        initdb = [str(bin_dir / "initdb"), "-D", str(self.data), "-U", "app", "--auth=trust"]
        subprocess.run(_as_postgres(*initdb, "--no-sync"), check=True, capture_output=True)

    def start(self) -> None:
        """Start the server; returns once it accepts connections (pg_ctl -w)."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        log = str(self.root / "log")
        subprocess.run(
            _as_postgres(
                self._pg_ctl, "-D", str(self.data), "-l", log, "-w", "-o", options, "start"
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, *, check: bool = True) -> None:
        """Stop the server the way an operator or a crash of the database host would: fast."""
        subprocess.run(
            _as_postgres(self._pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"),
            check=check,
            capture_output=True,
        )

    def create_database(self, name: str) -> str:
        """A fresh, empty database on this server, as a SQLAlchemy URL."""
        return _create_database(self.url, name)

    def remove(self) -> None:
        self.stop(check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 for this test session; yields its base URL (no database)."""
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server.url
    finally:
        server.remove()


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server for one test that stops and starts it (no other test shares it)."""
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def research_key() -> ResearchKeypair:
    """A real research keypair made once per session; tests unseal stored pages with it."""
    return generate_research_keypair()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's PostgreSQL server, as a SQLAlchemy URL."""
    return _create_database(postgres_server, f"t{next(_pg_database_numbers)}")


def _create_database(server_url: str, name: str) -> str:
    import psycopg

    dsn = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


# --- A real headless Chromium with JavaScript off (browser-marked tests) -----------------------

CHROMIUM = Path("/usr/bin/chromium")
# Playwright 1.65's own --disable-features list, repeated because the last switch wins, plus the
# switches that stop Chromium's background traffic (/work/shared/notes/browsers.md).
_PLAYWRIGHT_DISABLED = (
    "AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,"
    "HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,"
    "ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,TcpPortRandomizationWin,"
    "OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch,"
    "msForceBrowserSignIn,msEdgeUpdateLaunchServicesPreferredVersion"
)
QUIET_CHROMIUM_ARGS = [
    f"--disable-features={_PLAYWRIGHT_DISABLED},AutofillServerCommunication",
    "--gaia-url=http://127.0.0.1:9/",
    "--component-updater=url-source=http://127.0.0.1:9/",
    "--proxy-server=http://127.0.0.1:9",  # anything that is not loopback goes nowhere
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Debian Chromium per test module; tests open a JS-off context each.

    Module scope, not session: while Playwright's sync API is open, its event loop counts as
    running in the main thread, and later tests that call asyncio.run() would fail."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is not installed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=QUIET_CHROMIUM_ARGS
        )
        yield launched
        launched.close()
