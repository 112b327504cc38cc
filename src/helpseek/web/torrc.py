"""The torrc lines for an onion service in front of `helpseek serve` (printed by `helpseek tor-config`).

Option names and defaults were checked against tor 0.4.9 with `tor --verify-config`
(/work/shared/notes/storage-and-tor.md §3); tests run the same check.
"""

from __future__ import annotations

import stat
from pathlib import Path

from helpseek.problems import InputError, Location, problem

DEFAULT_HIDDEN_SERVICE_DIR = Path("/var/lib/tor/helpseek/")
# A page is one request; 20 streams per circuit is far more than a respondent needs and stops one
# circuit from holding hundreds of connections (tested live: the 21st stream closes the circuit).
DEFAULT_MAX_STREAMS = 20


def torrc_snippet(
    port: int,
    hidden_service_dir: Path = DEFAULT_HIDDEN_SERVICE_DIR,
    *,
    export_circuit_id: bool = False,
    max_streams: int = DEFAULT_MAX_STREAMS,
) -> str:
    """torrc lines: the onion service forwarding port 80 to 127.0.0.1:`port`, with DoS defences.

    Raises InputError for a port outside 1-65535 or a hidden-service folder tor would refuse.
    """
    _check(port, hidden_service_dir, max_streams)
    lines = [
        "# helpseek survey: onion service (from `helpseek tor-config`). Add to /etc/tor/torrc.",
        f"HiddenServiceDir {hidden_service_dir}",
        f"HiddenServicePort 80 127.0.0.1:{port}",
        "# Proof-of-work: under load, clients solve a puzzle before they are served (no JS needed).",
        "HiddenServicePoWDefensesEnabled 1",
        "HiddenServicePoWQueueRate 250",
        "HiddenServicePoWQueueBurst 2500",
        "# Rate-limit introductions at each introduction point.",
        "HiddenServiceEnableIntroDoSDefense 1",
        "HiddenServiceEnableIntroDoSRatePerSec 25",
        "HiddenServiceEnableIntroDoSBurstPerSec 200",
        "# Bound the streams one circuit may open; a circuit that goes over is closed.",
        f"HiddenServiceMaxStreams {max_streams}",
        "HiddenServiceMaxStreamsCloseCircuit 1",
        "# Keep addresses out of tor's own log.",
        "SafeLogging 1",
    ]
    if export_circuit_id:
        lines += [
            "# Tell helpseek serve each stream's circuit (a PROXY line; kept in memory only),",
            "# so that one circuit over --circuit-rate gets a calm 429 page.",
            "HiddenServiceExportCircuitID haproxy",
        ]
    return "\n".join(lines) + "\n"


def _check(port: int, hidden_service_dir: Path, max_streams: int) -> None:
    problems = []
    if not 1 <= port <= 65535:
        problems.append(problem("WEB-004", port=port))
    if not 0 <= max_streams <= 65535:
        problems.append(problem("WEB-005", value=max_streams))
    if hidden_service_dir.is_dir():
        mode = stat.S_IMODE(hidden_service_dir.stat().st_mode)
        if mode & 0o077:
            problems.append(
                problem(
                    "WEB-003",
                    Location(str(hidden_service_dir)),
                    path=hidden_service_dir,
                    mode=oct(mode)[2:],
                )
            )
    if problems:
        raise InputError(problems)
