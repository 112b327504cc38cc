"""`helpseek tor-config` as a user runs it: tor itself accepts the printed lines (and refuses a
broken variant, so the check has teeth); bad limits get messages, not tracebacks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.problems import catalogue

from .harness import TOR

needs_tor = pytest.mark.skipif(shutil.which(TOR) is None, reason="tor is not installed")


def verify(torrc_lines: str, folder: Path) -> subprocess.CompletedProcess[str]:
    torrc = folder / "torrc"
    torrc.write_text(f"DataDirectory {folder / 'data'}\nSocksPort 0\n{torrc_lines}")
    return subprocess.run(
        [TOR, "--verify-config", "-f", str(torrc)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_tor
@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--export-circuit-id"],
        ["--max-streams", "0"],
        ["--export-circuit-id", "--max-streams", "65535"],
    ],
)
def test_cli_output__is_accepted_by_tor_verify_config(tmp_path: Path, options: list[str]) -> None:
    # Given the lines the CLI prints for a server on port 8080
    printed = CliRunner().invoke(
        app,
        ["tor-config", "--port", "8080", "--hidden-service-dir", str(tmp_path / "hs"), *options],
    )
    assert printed.exit_code == 0, printed.output
    # When tor checks them
    result = verify(printed.stdout, tmp_path)
    # Then they are valid, without deprecated abbreviations or unknown options
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration was valid" in result.stdout
    assert "deprecated" not in result.stdout and "Unknown option" not in result.stdout
    lines = set(printed.stdout.splitlines())
    assert {
        "HiddenServicePoWDefensesEnabled 1",
        "HiddenServiceEnableIntroDoSDefense 1",
        "HiddenServiceMaxStreamsCloseCircuit 1",
    } <= lines
    assert ("HiddenServiceExportCircuitID haproxy" in lines) == ("--export-circuit-id" in options)


@needs_tor
def test_verify_config__refuses_a_stream_limit_tor_does_not_accept(tmp_path: Path) -> None:
    printed = CliRunner().invoke(app, ["tor-config", "--hidden-service-dir", str(tmp_path / "hs")])
    broken = printed.stdout.replace("HiddenServiceMaxStreams 20", "HiddenServiceMaxStreams 70000")
    assert verify(broken, tmp_path).returncode == 1


def test_cli_tor_config__stream_limit_out_of_range__exits_1_with_message() -> None:
    result = CliRunner().invoke(app, ["tor-config", "--max-streams", "70000"])
    assert result.exit_code == 1
    assert catalogue["WEB-005"].format(value=70000) in " ".join(result.output.split())


def test_cli_serve__burst_that_refuses_everything__exits_1_before_listening(
    tmp_path: Path, research_key
) -> None:
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    result = CliRunner().invoke(
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
            "--circuit-rate",
            "30",
            "--circuit-burst",
            "0",
        ],
    )
    assert result.exit_code == 1
    message = catalogue["WEB-006"].format(rate=30, burst=0)
    assert message in " ".join(result.output.split())
