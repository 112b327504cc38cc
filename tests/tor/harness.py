"""A private Tor network on 127.0.0.1 for the onion-service tests (not a packaged tool, on purpose).

3 directory authorities (tor-gencert keys), 3 relays, one onion service and one client, all
non-exit (`ExitRelay 0`, `ExitPolicy reject *:*`) with our own `DirAuthority` lines, so no byte
leaves loopback. Recipe, timings and pitfalls: notes/storage-and-tor.md §3. Waits by polling
(the client's bootstrap over its control socket, then the onion address through SOCKS), never
by fixed sleeps; stops every tor by the PID in its pid file, also on failure and at exit.

    cd tests && ../.venv/bin/python -m tor.harness stop    # stop tors left by a killed run
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .probes import bootstrap_progress

TOR = "/usr/sbin/tor" if Path("/usr/sbin/tor").exists() else "tor"
TOR_GENCERT = "tor-gencert"
#: One fixed place, so that a later run can find (and refuse to start beside) a stale network.
DEFAULT_ROOT = Path(os.environ.get("HELPSEEK_TORNET_DIR", "/tmp/helpseek-tornet"))
# First onion request came 20-89 s after start in 11 measured runs (notes §3); 240 s is the cap.
BOOTSTRAP_TIMEOUT_S = 240.0
_POLL_S = 0.5
_PLACEHOLDER_AUTHORITY = "x 127.0.0.1:1 " + "f" * 40

_COMMON = """\
TestingTorNetwork 1
AssumeReachable 1
PathsNeededToBuildCircuits 0.67
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
V3AuthNIntervalsValid 2
RunAsDaemon 0
ShutdownWaitLength 0
CookieAuthentication 1
ClientUseIPv6 0
"""
_RELAY = """\
Address 127.0.0.1
ContactInfo helpseek-test-network
SocksPort 0
ExitRelay 0
ExitPolicy reject *:*
"""
_AUTHORITY = """\
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
V3AuthVotingInterval 20
TestingV3AuthInitialVotingInterval 20
V3AuthVoteDelay 4
V3AuthDistDelay 4
TestingV3AuthInitialVoteDelay 4
TestingV3AuthInitialDistDelay 4
"""


class TorNetworkError(RuntimeError):
    """The private Tor network could not be started (stale processes, busy port, timeout)."""


@dataclass
class Node:
    """One tor process: its folder, torrc and ports (0 = none)."""

    name: str
    folder: Path
    or_port: int = 0
    dir_port: int = 0
    socks_port: int = 0

    @property
    def pid_file(self) -> Path:
        return self.folder / "tor.pid"

    @property
    def torrc(self) -> Path:
        return self.folder / "torrc"

    @property
    def log(self) -> Path:
        return self.folder / "notice.log"

    @property
    def control_socket(self) -> Path:
        return self.folder / "control"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running_pids(root: Path) -> list[int]:
    """PIDs from pid files under `root` whose process is still a running tor."""
    alive = []
    for pid_file in sorted(root.glob("*/tor.pid")):
        try:
            pid = int(pid_file.read_text().split()[0])
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except (OSError, ValueError, IndexError):
            continue
        if command.endswith(b"tor"):
            alive.append(pid)
    return alive


def stop_pids(pids: Iterable[int], timeout_s: float = 15.0) -> None:
    """SIGTERM each PID (tor exits at once with ShutdownWaitLength 0), SIGKILL what remains."""
    pids = list(pids)
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if _is_alive(pid)]
        time.sleep(0.05)
    for pid in pids:
        _signal(pid, signal.SIGKILL)


class TorNetwork:
    """The private network serving 127.0.0.1:`backend_port` as an onion service.

    `service_lines` are the onion service's torrc lines (the output of `helpseek tor-config`);
    they must contain `HiddenServiceDir {hidden_service_dir}`.
    """

    def __init__(self, root: Path, service_lines: Callable[[Path], str]) -> None:
        self.root = root
        self._service_lines = service_lines
        self.authorities = [Node(f"auth{i}", root / f"auth{i}") for i in range(3)]
        self.relays = [Node(f"relay{i}", root / f"relay{i}") for i in range(3)]
        self.service = Node("service", root / "service")
        self.client = Node("client", root / "client")
        self.processes: list[subprocess.Popen[bytes]] = []
        self.onion_address = ""

    @property
    def nodes(self) -> list[Node]:
        return [*self.authorities, *self.relays, self.service, self.client]

    @property
    def hidden_service_dir(self) -> Path:
        return self.service.folder / "hs"

    def socks_proxy(self, credentials: str = "helpseek:respondent") -> str:
        """A SOCKS5 proxy URL; different credentials get a different circuit (IsolateSOCKSAuth)."""
        return f"socks5://{credentials}@127.0.0.1:{self.client.socks_port}"

    def start(
        self, is_ready: Callable[[str], bool], timeout_s: float = BOOTSTRAP_TIMEOUT_S
    ) -> None:
        """Configure, start, and wait until `is_ready(onion_url)` is true through the client."""
        self._refuse_if_stale()
        atexit.register(self.stop)
        try:
            self._configure()
            for node in self.nodes:
                self._launch(node)
            deadline = time.monotonic() + timeout_s
            self._wait_for(
                lambda: bootstrap_progress(self.client.folder) >= 100,
                deadline,
                "the client did not finish bootstrapping",
            )
            hostname = self.hidden_service_dir / "hostname"
            self._wait_for(hostname.exists, deadline, "the onion service has no address")
            self.onion_address = hostname.read_text().strip()
            url = f"http://{self.onion_address}"
            self._wait_for(
                lambda: is_ready(url),
                deadline,
                "the onion service did not answer through the client",
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every tor of this network by PID (pid files, then the processes we started)."""
        pids = set(running_pids(self.root)) | {p.pid for p in self.processes if p.poll() is None}
        stop_pids(pids)
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.processes.clear()

    def log_text(self) -> str:
        """Every node's notice log, for a failure message."""
        return "\n".join(
            f"== {n.name}\n" + (n.log.read_text()[-3000:] if n.log.exists() else "")
            for n in self.nodes
        )

    def _refuse_if_stale(self) -> None:
        stale = running_pids(self.root)
        if stale:
            raise TorNetworkError(
                f"tor processes from an earlier test network are still running (PIDs "
                f"{' '.join(map(str, stale))}); stop them with `cd tests && python -m tor.harness stop` "
                f"(or kill {' '.join(map(str, stale))}) and run the tests again."
            )

    def _configure(self) -> None:
        for node in self.nodes:
            if node.folder.exists():
                shutil.rmtree(node.folder)
            node.folder.mkdir(parents=True, mode=0o700)
            (node.folder / "keys").mkdir(mode=0o700)
        for node in [*self.authorities, *self.relays]:
            node.or_port, node.dir_port = free_port(), free_port()
        self.client.socks_port = free_port()
        authority_lines = "".join(self._authority_line(node) for node in self.authorities)
        common = _COMMON + authority_lines
        for node in self.nodes:
            text = common + self._own_lines(node)
            if node is self.service:
                text += self._service_lines(self.hidden_service_dir)
            node.torrc.write_text(text)
        ports = [p for n in self.nodes for p in (n.or_port, n.dir_port, n.socks_port) if p]
        busy = [port for port in ports if not _is_free(port)]
        if busy:
            raise TorNetworkError(f"ports already in use: {busy}; is another tor running?")

    def _authority_line(self, node: Node) -> str:
        keys = node.folder / "keys"
        subprocess.run(
            [
                TOR_GENCERT,
                "--create-identity-key",
                "-m",
                "12",
                "-a",
                f"127.0.0.1:{node.dir_port}",
                "-i",
                str(keys / "authority_identity_key"),
                "-s",
                str(keys / "authority_signing_key"),
                "-c",
                str(keys / "authority_certificate"),
                "--passphrase-fd",
                "0",
            ],
            input=b"\n",
            check=True,
            capture_output=True,
            timeout=60,
        )
        certificate = (keys / "authority_certificate").read_text()
        v3ident = next(
            line.split()[1] for line in certificate.splitlines() if line.startswith("fingerprint ")
        )
        listed = subprocess.run(
            [
                TOR,
                "--list-fingerprint",
                "--DataDirectory",
                str(node.folder),
                "--ORPort",
                str(node.or_port),
                "--Nickname",
                node.name,
                "--DirAuthority",
                _PLACEHOLDER_AUTHORITY,
                "--Log",
                "err stderr",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        fingerprint = "".join(listed.stdout.strip().splitlines()[-1].split()[1:])
        return (
            f"DirAuthority {node.name} orport={node.or_port} no-v2 v3ident={v3ident} "
            f"127.0.0.1:{node.dir_port} {fingerprint}\n"
        )

    def _own_lines(self, node: Node) -> str:
        lines = [
            f"Nickname {node.name}",
            f"DataDirectory {node.folder}",
            f"PidFile {node.pid_file}",
            f"Log notice file {node.log}",
            f"ControlSocket {node.control_socket}",
        ]
        if node.or_port:
            lines += [
                f"ORPort 127.0.0.1:{node.or_port}",
                f"DirPort 127.0.0.1:{node.dir_port}",
                "SafeLogging 0",
            ]
        if node in self.authorities:
            return "\n".join(lines) + "\n" + _RELAY + _AUTHORITY
        if node in self.relays:
            return "\n".join(lines) + "\n" + _RELAY
        if node is self.client:
            lines += [f"SocksPort 127.0.0.1:{node.socks_port}", "SafeLogging 0"]
        else:
            lines += ["SocksPort 0"]
        return "\n".join(lines) + "\n"

    def _launch(self, node: Node) -> None:
        process = subprocess.Popen(
            [TOR, "-f", str(node.torrc)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)

    def _wait_for(self, condition: Callable[[], bool], deadline: float, failure: str) -> None:
        while time.monotonic() < deadline:
            dead = [p for p in self.processes if p.poll() is not None]
            if dead:
                raise TorNetworkError(f"a tor process exited early\n{self.log_text()}")
            if condition():
                return
            time.sleep(_POLL_S)
        raise TorNetworkError(f"{failure} within the time limit\n{self.log_text()}")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: cd tests && python -m tor.harness stop")
    stop_pids(running_pids(DEFAULT_ROOT))
