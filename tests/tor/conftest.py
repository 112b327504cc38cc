"""One private Tor network per session in front of a real `helpseek serve` (see harness.py).

Tests marked `tor` run only when asked for (`make test-tor`, i.e. `pytest -m tor tests/tor`): the
network takes ~730 MB and 20-90 s to come up, too much for every `make test`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from web.live import LiveServer

from helpseek.store import ResearchKeypair
from helpseek.web.torrc import torrc_snippet

from .harness import DEFAULT_ROOT, TorNetwork
from .probes import answers_through

# Low enough that a flood trips it within seconds, high enough for a whole survey (16 requests).
CIRCUIT_RATE_PER_MINUTE = 30
CIRCUIT_BURST = 40


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "tor" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="brings up a private Tor network: run `make test-tor`")
    for item in items:
        if item.get_closest_marker("tor") is not None:
            item.add_marker(skip)


@dataclass
class OnionSurvey:
    """The survey server, and the network that serves it as an onion service."""

    server: LiveServer
    network: TorNetwork

    @property
    def url(self) -> str:
        return f"http://{self.network.onion_address}"


@pytest.fixture(scope="session")
def onion_survey(
    tmp_path_factory: pytest.TempPathFactory, research_key: ResearchKeypair
) -> Iterator[OnionSurvey]:
    folder = tmp_path_factory.mktemp("onion")
    key = folder / "public.key"
    key.write_text(research_key.public_key + "\n")
    server = LiveServer(
        folder,
        key,
        ("help_us_help_you",),
        extra=(
            "--circuit-rate",
            str(CIRCUIT_RATE_PER_MINUTE),
            "--circuit-burst",
            str(CIRCUIT_BURST),
        ),
    )
    server.start()

    def service_lines(hidden_service_dir: Path) -> str:
        # Exactly what `helpseek tor-config --export-circuit-id` prints.
        return torrc_snippet(server.port, hidden_service_dir, export_circuit_id=True)

    network = TorNetwork(DEFAULT_ROOT, service_lines)
    try:
        network.start(lambda url: answers_through(network.socks_proxy("helpseek:probe"), url))
        yield OnionSurvey(server, network)
    finally:
        network.stop()
        server.stop()
