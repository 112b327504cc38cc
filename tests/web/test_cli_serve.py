"""`helpseek serve` fails closed with a clear message and exit code 1 before it listens."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.problems import catalogue
from helpseek.store import protect_private_key


def _serve(tmp_path: Path, key: Path) -> object:
    return CliRunner().invoke(
        app,
        [
            "serve",
            "--instrument",
            "help_us_help_you",
            "--db",
            f"sqlite:///{tmp_path / 'r.db'}",
            "--public-key",
            str(key),
            "--secret-file",
            str(tmp_path / "web.secret"),
            "--port",
            "1",
        ],
    )


def test_serve__missing_public_key__exit_1_names_the_file(tmp_path: Path) -> None:
    result = _serve(tmp_path, tmp_path / "absent.key")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    expected = catalogue["CLI-001"].format(path=tmp_path / "absent.key")
    assert expected in result.output  # type: ignore[attr-defined]
    assert not (tmp_path / "r.db").exists()


def test_serve__private_key_given_as_public_key__refused(tmp_path: Path, research_key) -> None:
    key = tmp_path / "private.key"
    key.write_bytes(protect_private_key(research_key.identity, "a long passphrase"))
    result = _serve(tmp_path, key)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "[KEYS-007]" in result.output  # type: ignore[attr-defined]
