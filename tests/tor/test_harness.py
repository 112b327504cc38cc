"""The test network's own guarantees: it refuses to start beside a stale tor, and a failed start
leaves no tor running."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .harness import TOR, TorNetwork, TorNetworkError, running_pids, stop_pids

needs_tor = pytest.mark.skipif(shutil.which(TOR) is None, reason="tor is not installed")


@needs_tor
def test_stale_tor_from_an_earlier_run__refuses_to_start_and_names_its_pid(tmp_path: Path) -> None:
    # Given a tor left running by an earlier run, with its pid file where the network keeps them
    folder = tmp_path / "auth0"
    folder.mkdir(mode=0o700)
    stale = subprocess.Popen(
        [
            TOR,
            "--SocksPort",
            "0",
            "--DataDirectory",
            str(folder / "data"),
            "--PidFile",
            str(folder / "tor.pid"),
            "--Log",
            "err stderr",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        network = TorNetwork(tmp_path, lambda hs: "")
        _wait_for_pid_file(folder / "tor.pid", stale)
        # When a new network is started there
        with pytest.raises(TorNetworkError) as refused:
            network.start(lambda url: True, timeout_s=5)
        # Then it refuses, names the PID, and started nothing
        assert str(stale.pid) in str(refused.value) and "stop" in str(refused.value)
        assert network.processes == []
    finally:
        stop_pids([stale.pid])
        stale.wait(timeout=10)


@pytest.mark.tor
def test_a_node_that_fails_to_start__every_tor_of_the_network_is_stopped(tmp_path: Path) -> None:
    # Given an onion service whose configuration tor rejects
    network = TorNetwork(tmp_path, lambda hs: "HiddenServiceNoSuchOption 1\n")
    # When the network is started
    with pytest.raises(TorNetworkError, match="exited early"):
        network.start(lambda url: True, timeout_s=60)
    # Then no tor of it is left running
    assert running_pids(tmp_path) == []
    assert _tors_using(tmp_path) == []


def _tors_using(folder: Path) -> list[int]:
    """PIDs of live processes whose command line mentions `folder` (its torrc files)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
            state = (cmdline.parent / "stat").read_text().rsplit(") ", 1)[1][0]
        except (OSError, IndexError):
            continue
        if str(folder).encode() in text and state != "Z":
            pids.append(int(cmdline.parent.name))
    return pids


def _wait_for_pid_file(path: Path, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if path.exists() and path.read_text().strip():
            return
        if process.poll() is not None:
            pytest.fail("the stand-in stale tor did not start")
        time.sleep(0.05)
    pytest.fail("the stand-in stale tor wrote no pid file")
