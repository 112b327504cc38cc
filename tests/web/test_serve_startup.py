"""`helpseek serve` before it listens: a busy port is one clear error with nothing created (issue 12
item 7), and the server secret's place is printed and ignored by git (item 8). Real subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpseek.problems import problem

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


def _serve_watching_port(folder: Path, public_key: Path, *options: str) -> tuple[int, str, bool]:
    """Run `helpseek serve ... options` to its end; (exit code, stderr, whether it ever listened).

    The port is tried every 50 ms while the process runs; a server that starts is stopped.
    """
    port = free_port()
    process = subprocess.Popen(
        _serve_command(public_key, port, *options),
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
