"""A passphrase piped into helpseek is read cleanly: no GetPassWarning, no prompt text (issue 12
item 10). Real subprocesses with a real pipe: CliRunner replaces the prompt and would hide it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpseek.problems import catalogue
from helpseek.store import load_private_key, parse_public_keys

PASSPHRASE = "correct horse battery"


def _helpseek(*args: str, stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HELPSEEK_PASSPHRASE"}
    return subprocess.run(
        [sys.executable, "-m", "helpseek.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_keys_new__passphrase_piped_once__key_made_and_no_warning(tmp_path: Path) -> None:
    result = _helpseek("keys", "new", "--out", "keys", stdin=f"{PASSPHRASE}\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Passphrase" not in result.stderr
    assert result.stderr.startswith("Wrote keys/public.key")
    identity = load_private_key(tmp_path / "keys" / "private.key", PASSPHRASE)
    public = parse_public_keys((tmp_path / "keys" / "public.key").read_text())
    assert public.keys == (result.stdout.strip(),)
    assert identity is not None


def test_keys_new__two_piped_lines_that_differ__refused_with_keys_009(tmp_path: Path) -> None:
    result = _helpseek(
        "keys", "new", "--out", "keys", stdin=f"{PASSPHRASE}\nsomething else\n", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"{catalogue['KEYS-009']} [KEYS-009]"
    assert not (tmp_path / "keys").exists()


def test_keys_show_identity__nothing_piped__cli_003_without_a_warning(tmp_path: Path) -> None:
    assert _helpseek("keys", "new", "--out", "keys", stdin=PASSPHRASE, cwd=tmp_path).returncode == 0
    result = _helpseek(
        "keys", "show-identity", "--private-key", "keys/private.key", stdin="", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"{catalogue['CLI-003']} [CLI-003]"
