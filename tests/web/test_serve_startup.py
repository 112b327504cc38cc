"""`helpseek serve` before it listens: a busy port is one clear error with nothing created (issue 12
item 7), and the server secret's place is printed and ignored by git (item 8). Real subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from helpseek.problems import problem

from .live import LiveServer

REPOSITORY = Path(__file__).resolve().parents[2]


def _serve(folder: Path, public_key: Path, port: int) -> subprocess.CompletedProcess[str]:
    command = [
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
    ]
    return subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


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
