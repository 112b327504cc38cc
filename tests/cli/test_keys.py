"""`helpseek keys new` and `helpseek keys show-identity`: files, passphrases, exit codes, messages."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.problems import catalogue
from helpseek.store import parse_public_keys

PASSPHRASE = "correct horse battery"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("HELPSEEK_PASSPHRASE", raising=False)
    return CliRunner()


def test_keys_new__passphrase_typed_twice__writes_public_and_protected_private_key(
    runner: CliRunner, tmp_path: Path
) -> None:
    # When a researcher makes a key and types the passphrase twice at the prompt
    result = runner.invoke(
        app, ["keys", "new", "--out", str(tmp_path / "keys")], input=f"{PASSPHRASE}\n{PASSPHRASE}\n"
    )
    # Then stdout is the public key, public.key holds it, and private.key is owner-only
    assert result.exit_code == 0, result.stderr
    public = (tmp_path / "keys" / "public.key").read_text()
    assert parse_public_keys(public).keys == (result.stdout.strip(),)
    private = tmp_path / "keys" / "private.key"
    assert private.read_text().startswith("helpseek-private-key/1\n")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_keys_new__passphrases_differ__exit_1_and_nothing_written(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["keys", "new", "--out", str(tmp_path / "k")],
        input=f"{PASSPHRASE}\nother words here\n",
    )
    assert result.exit_code == 1
    assert catalogue["KEYS-009"] in result.stderr
    assert not (tmp_path / "k").exists()


def test_keys_new__folder_already_holds_a_key__refuses_to_overwrite(
    runner: CliRunner, tmp_path: Path
) -> None:
    env = {"HELPSEEK_PASSPHRASE": PASSPHRASE}
    assert runner.invoke(app, ["keys", "new", "--out", str(tmp_path)], env=env).exit_code == 0
    before = (tmp_path / "private.key").read_bytes()
    result = runner.invoke(app, ["keys", "new", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 1
    assert "[KEYS-008]" in result.stderr
    assert (tmp_path / "private.key").read_bytes() == before


def test_keys_new__no_passphrase_anywhere__says_where_to_give_one(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["keys", "new", "--out", str(tmp_path)], input="")
    assert result.exit_code == 1
    assert catalogue["CLI-003"] in result.stderr


@pytest.fixture
def key_dir(runner: CliRunner, tmp_path: Path) -> Path:
    (tmp_path / "pass.txt").write_text(PASSPHRASE + "\n")
    args = [
        "keys",
        "new",
        "--out",
        str(tmp_path / "keys"),
        "--passphrase-file",
        str(tmp_path / "pass.txt"),
    ]
    assert runner.invoke(app, args).exit_code == 0
    return tmp_path / "keys"


def test_keys_show_identity__right_passphrase__prints_identity_and_warns_on_stderr(
    runner: CliRunner, key_dir: Path
) -> None:
    result = runner.invoke(
        app,
        ["keys", "show-identity", "--private-key", str(key_dir / "private.key")],
        env={"HELPSEEK_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("AGE-SECRET-KEY-1")
    assert result.stdout.count("\n") == 1
    assert "UNPROTECTED private key" in result.stderr


def test_keys_show_identity__wrong_passphrase__exit_1_with_message_not_traceback(
    runner: CliRunner, key_dir: Path
) -> None:
    private = str(key_dir / "private.key")
    result = runner.invoke(
        app,
        ["keys", "show-identity", "--private-key", private],
        env={"HELPSEEK_PASSPHRASE": "not the one"},
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == catalogue["KEYS-005"].format(path=private) + " [KEYS-005]"
    assert result.stdout == ""


def test_keys_show_identity__missing_key_file__names_the_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    missing = str(tmp_path / "nope.key")
    result = runner.invoke(
        app,
        ["keys", "show-identity", "--private-key", missing],
        env={"HELPSEEK_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 1
    assert catalogue["CLI-001"].format(path=missing) in result.stderr
