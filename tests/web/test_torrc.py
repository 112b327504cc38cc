"""`helpseek tor-config`: the torrc snippet passes tor's own --verify-config."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.problems import InputError, catalogue
from helpseek.web.torrc import torrc_snippet

TOR = shutil.which("tor") or ("/usr/sbin/tor" if Path("/usr/sbin/tor").exists() else None)


@pytest.mark.skipif(TOR is None, reason="Debian tor is not installed (.ci/run installs it)")
@pytest.mark.parametrize("export_circuit_id", [False, True])
def test_tor_config__snippet__is_accepted_by_tor_verify_config(
    tmp_path: Path, export_circuit_id: bool
) -> None:
    # Given the snippet for a server on port 8080, with a data folder for tor
    snippet = torrc_snippet(8080, tmp_path / "hs", export_circuit_id=export_circuit_id)
    torrc = tmp_path / "torrc"
    torrc.write_text(f"DataDirectory {tmp_path / 'data'}\nSocksPort 0\n{snippet}")
    # When tor checks it
    result = subprocess.run(
        [str(TOR), "--verify-config", "-f", str(torrc)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Then it is valid, with no deprecated or unknown option
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration was valid" in result.stdout
    assert "deprecated" not in result.stdout and "Unknown option" not in result.stdout


def test_tor_config__snippet__has_pow_intro_defence_and_stream_limit() -> None:
    lines = set(torrc_snippet(8080).splitlines())
    assert {
        "HiddenServicePort 80 127.0.0.1:8080",
        "HiddenServicePoWDefensesEnabled 1",
        "HiddenServiceEnableIntroDoSDefense 1",
        "HiddenServiceMaxStreams 20",
        "HiddenServiceMaxStreamsCloseCircuit 1",
    } <= lines


def test_tor_config__open_hidden_service_folder__is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "hs"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(InputError) as caught:
        torrc_snippet(8080, folder)
    assert caught.value.problems[0].code == "WEB-003"


def test_cli_tor_config__bad_port__exits_1_with_message() -> None:
    result = CliRunner().invoke(app, ["tor-config", "--port", "70000"])
    assert result.exit_code == 1
    assert catalogue["WEB-004"].format(port=70000) in result.output
