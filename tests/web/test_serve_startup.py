"""`helpseek serve` before it listens: a busy port is one clear error with nothing created (issue 12
item 7), and the server secret's place is printed and ignored by git (item 8). Real subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from helpseek.problems import problem
from helpseek.web.connections import usable_cores

from .live import LiveServer, free_port

REPOSITORY = Path(__file__).resolve().parents[2]


def _serve_command(public_key: Path, port: int, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "helpseek.cli.main",
        "serve",
        "--instrument",
        "help_us_help_you",
        "--db",
        "sqlite:///responses.db",
        "--public-key",
        str(public_key),
        "--port",
        str(port),
        *options,
    ]


def _serve(folder: Path, public_key: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _serve_command(public_key, port),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _is_listening(port: int) -> bool:
    with socket.socket() as client:
        client.settimeout(0.2)
        return client.connect_ex(("127.0.0.1", port)) == 0


def _serve_watching_port(
    folder: Path,
    public_key: Path,
    *options: str,
    open_files: tuple[int, int] | None = None,
    on_listening: Callable[[int], None] = lambda pid: None,
) -> tuple[int, str, bool]:
    """Run `helpseek serve ... options` to its end; (exit code, stderr, whether it ever listened).

    The port is tried every 50 ms while the process runs; a server that starts is handed to
    `on_listening(pid)` and stopped. `open_files`: the (soft, hard) RLIMIT_NOFILE to start it under.
    """
    port = free_port()
    # prlimit(1) sets the limits and execs serve in the same process
    limit = ["prlimit", "--nofile={}:{}".format(*open_files), "--"] if open_files else []
    process = subprocess.Popen(
        [*limit, *_serve_command(public_key, port, *options)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    listened = False
    deadline = time.monotonic() + 120
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if _is_listening(port):
                listened = True
                on_listening(process.pid)
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.terminate()
        _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr, listened


def test_serve__port_already_in_use__one_clear_error_and_nothing_created(
    tmp_path: Path, public_key_file: Path
) -> None:
    # Given another program listening on the port
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        folder = tmp_path / "run"
        folder.mkdir()
        # When serve is started on it
        result = _serve(folder, public_key_file, port)
    # Then it exits 1 with one line naming the port, and created no database and no secret
    assert result.returncode == 1
    assert result.stderr.strip() == str(problem("WEB-010", host="127.0.0.1", port=port))
    assert result.stdout == ""
    assert sorted(os.listdir(folder)) == []


def test_serve__default_secret__full_path_printed_at_start_and_kept_on_restart(
    tmp_path: Path, public_key_file: Path
) -> None:
    # Given serve started with no --secret-file in a folder
    server = LiveServer(tmp_path, public_key_file, ("help_us_help_you",))
    server.command = [arg for arg in server.command if arg != str(tmp_path / "web.secret")]
    server.command.remove("--secret-file")
    secret = tmp_path / "helpseek-web.secret"
    original_cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        server.start()
        server.stop()
        first = server.log.read_text()
        server.start()
        server.stop()
    finally:
        os.chdir(original_cwd)
    # Then it says where the secret is, that it was created, then that it was kept
    assert f"server secret: {secret} (created; back it up with the database)" in first
    again = server.log.read_text()[len(first) :]
    assert f"server secret: {secret} (kept; back it up with the database)" in again
    assert secret.stat().st_mode & 0o777 == 0o600


def test_gitignore__server_secret_and_databases__never_committed() -> None:
    names = ["helpseek-web.secret", "deploy/web.secret", "responses.db", "invite.db"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *names],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == names


CORES = usable_cores()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--workers", "0"), [problem("WEB-029", value=0)]),
        (("--workers", "-2"), [problem("WEB-029", value=-2)]),
        (("--max-connections", "0"), [problem("WEB-030", value=0)]),
        (("--read-timeout", "-1"), [problem("WEB-031", value=-1.0)]),
        (("--read-timeout", "0"), [problem("WEB-031", value=0.0)]),
        (("--read-timeout", "nan"), [problem("WEB-031", value=float("nan"))]),
        (("--read-timeout", "inf"), [problem("WEB-031", value=float("inf"))]),
        (("--read-timeout", "3601"), [problem("WEB-031", value=3601.0)]),
        (("--circuit-burst", "0"), [problem("WEB-006", rate=120, burst=0)]),
        (("--resume-days", "0"), [problem("WEB-025", option="--resume-days", value=0)]),
        (
            ("--date-precision", "months"),
            [problem("WEB-032", value="months", suggestion=' Did you mean "month"?')],
        ),
        (("--date-precision", "week"), [problem("WEB-032", value="week", suggestion="")]),
        (
            ("--workers", str(2 * CORES + 1)),
            [problem("WEB-033", value=2 * CORES + 1, cores=CORES, most=2 * CORES)],
        ),
        (
            ("--workers", "0", "--max-connections", "-1", "--read-timeout", "-5"),
            [
                problem("WEB-029", value=0),
                problem("WEB-030", value=-1),
                problem("WEB-031", value=-5.0),
            ],
        ),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_serve__number_out_of_range__refused_before_listening_and_nothing_created(
    tmp_path: Path, public_key_file: Path, options: tuple[str, ...], expected: list[object]
) -> None:
    # Given an empty folder to start serve in
    folder = tmp_path / "run"
    folder.mkdir()
    # When serve is started with a number out of its range
    returncode, stderr, listened = _serve_watching_port(folder, public_key_file, *options)
    # Then it never listens, exits 1 with every problem (one line each), and created nothing
    assert not listened
    assert returncode == 1
    assert stderr.splitlines() == [str(p) for p in expected]
    assert sorted(os.listdir(folder)) == []


def test_serve__numbers_at_the_edges_of_their_ranges__start(
    tmp_path: Path, public_key_file: Path
) -> None:
    # The smallest and largest values the checks allow are not refused.
    server = LiveServer(
        tmp_path,
        public_key_file,
        ("help_us_help_you",),
        extra=("--max-connections", "1", "--read-timeout", "3600"),
    )
    server.start()
    server.stop()
    assert "[WEB-0" not in server.log.read_text()


def test_serve__max_connections_over_the_hard_open_file_limit__refused_with_the_way_out(
    tmp_path: Path, public_key_file: Path
) -> None:
    # Given a process that may open at most 1,024 files (systemd's default LimitNOFILE)
    folder = tmp_path / "run"
    folder.mkdir()
    # When serve is asked for more connections than that leaves room for
    returncode, stderr, listened = _serve_watching_port(
        folder, public_key_file, "--max-connections", "2000", open_files=(1024, 1024)
    )
    # Then it never listens, says what is needed and how to get it, and created nothing
    # (2,000 connections + 151 files for a SQLite store + 64 of its own; 1,024 leaves room for 809)
    expected = problem("WEB-034", value=2000, needed=2215, store=151, own=64, limit=1024, most=809)
    assert (returncode, stderr.splitlines(), listened) == (1, [str(expected)], False)
    assert "LimitNOFILE=2215" in str(expected)
    assert sorted(os.listdir(folder)) == []


def test_serve__soft_open_file_limit_too_low__raised_to_what_max_connections_needs(
    tmp_path: Path, public_key_file: Path
) -> None:
    # Given a soft open-file limit of 256 under a hard one of 4,096
    folder = tmp_path / "run"
    folder.mkdir()
    limits: list[str] = []

    def read_limit(pid: int) -> None:
        lines = Path(f"/proc/{pid}/limits").read_text().splitlines()
        limits.extend(line for line in lines if line.startswith("Max open files"))

    # When serve starts with the default 512 connections
    _, stderr, listened = _serve_watching_port(
        folder, public_key_file, open_files=(256, 4096), on_listening=read_limit
    )
    # Then it serves, with the soft limit raised to 512 + 151 + 64 and one line saying so
    assert listened
    assert limits and limits[0].split()[3:5] == ["727", "4096"]
    assert "open-file limit raised from 256 to 727 (--max-connections)" in stderr.splitlines()


@pytest.mark.postgres
@pytest.mark.parametrize("workers", [1, 2])
def test_serve__postgres_accepts_fewer_connections_than_the_workers_may_open__warns_and_starts(
    tmp_path: Path, public_key_file: Path, own_postgres, workers: int
) -> None:
    # Given a PostgreSQL with max_connections = 20 (3 reserved for superusers)
    postgres_url = own_postgres.create_database("survey")
    with psycopg.connect(own_postgres.url.replace("+psycopg", "") + "/survey") as admin:
        admin.autocommit = True
        admin.execute("ALTER SYSTEM SET max_connections = 20")
    own_postgres.stop()
    own_postgres.start()
    folder = tmp_path / "run"
    folder.mkdir()
    options = ("--db", postgres_url, "--workers", str(workers))
    # When serve starts with one worker (12 connections at most) or two (24)
    _, stderr, listened = _serve_watching_port(folder, public_key_file, *options)
    # Then it serves either way, and with two workers says that PostgreSQL allows too few
    warning = problem("WEB-035", severity="warning", allowed=17, workers=2, needed=24, per=12)
    assert listened
    assert (str(warning) in stderr.splitlines()) is (workers == 2)
    assert "WEB-035" not in stderr or workers == 2
