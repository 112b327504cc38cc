"""Commands that read refuse a database that is not there, and say what was probably meant
(issue 12 item 9): a typo never becomes a new, empty database."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.invite import open_counts
from helpseek.problems import problem
from helpseek.store import open_store

PASSPHRASE = "correct horse battery"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A research folder with keys/ and an (empty) responses.db, as the commands are run in it."""
    monkeypatch.setenv("HELPSEEK_PASSPHRASE", PASSPHRASE)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["keys", "new", "--out", "keys"]).exit_code == 0
    open_store("sqlite:///responses.db").close()
    return tmp_path


def _export(db: str) -> object:
    args = ["export", "--db", db, "--private-key", "keys/private.key", "--out", "data.csv"]
    return CliRunner().invoke(app, args)


def test_export__mistyped_sqlite_path__refused_with_the_close_match_and_nothing_created(
    folder: Path,
) -> None:
    result = _export("sqlite:///respones.db")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    expected = problem(
        "STORE-010",
        path="respones.db",
        url="sqlite:///respones.db",
        hint=' Did you mean "sqlite:///responses.db"?',
    )
    assert result.stderr.strip() == str(expected)  # type: ignore[attr-defined]
    assert not (folder / "respones.db").exists()
    assert not (folder / "data.csv").exists()


def test_export__database_without_a_scheme__echoed_with_the_sqlite_form_suggested(
    folder: Path,
) -> None:
    result = _export("responses.db")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    expected = problem("STORE-011", url="responses.db", suggestion="sqlite:///responses.db")
    assert result.stderr.strip() == str(expected)  # type: ignore[attr-defined]
    assert 'has no scheme. Did you mean "sqlite:///responses.db"?' in expected.message


def test_export__missing_file_with_no_close_match__refused_without_a_guess(folder: Path) -> None:
    result = _export("sqlite:///wave2.db")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    expected = problem("STORE-010", path="wave2.db", url="sqlite:///wave2.db", hint="")
    assert result.stderr.strip() == str(expected)  # type: ignore[attr-defined]
    assert not (folder / "wave2.db").exists()


def test_invite_stats__mistyped_counts_database__refused_and_not_created(folder: Path) -> None:
    open_counts("sqlite:///invite.db").close()
    result = CliRunner().invoke(app, ["invite", "stats", "--db", "sqlite:///invtie.db"])
    assert result.exit_code == 1
    expected = problem(
        "STORE-010",
        path="invtie.db",
        url="sqlite:///invtie.db",
        hint=' Did you mean "sqlite:///invite.db"?',
    )
    assert result.stderr.strip() == str(expected)
    assert not (folder / "invtie.db").exists()
    assert not (folder / "funnel").exists()


def test_invite_stats__database_without_a_scheme__suggests_the_sqlite_form(folder: Path) -> None:
    result = CliRunner().invoke(app, ["invite", "stats", "--db", "invite.db"])
    assert result.exit_code == 1
    expected = problem("STORE-011", url="invite.db", suggestion="sqlite:///invite.db")
    assert result.stderr.strip() == str(expected)
    assert not (folder / "invite.db").exists()


def test_invite_counts__new_sqlite_file__created_readable_by_its_owner_only(
    folder: Path,
) -> None:
    previous = os.umask(0o022)  # the usual umask, which gave 0644 before
    try:
        open_counts("sqlite:///invite.db").close()
    finally:
        os.umask(previous)
    assert stat.S_IMODE((folder / "invite.db").stat().st_mode) == 0o600
