"""The consent's filler records sealed ahead by a child of each worker, at the lowest CPU priority
(issue 16): taken from its pool when it has them, sealed inline when it does not (a dead child),
and every one of them the same sealed FILLER_JSON as before."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from helpseek.store import (
    FILLER_JSON,
    Recipients,
    ResearchKeypair,
    open_store,
    unseal_record,
)
from helpseek.web.fillers import FillerPool

from .live import LiveServer

pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="reads Linux's /proc")

RECORDS = 14  # help_us_help_you's pages: the fillers a consent stores
FRAME_BYTES = 1000  # less than a sealed filler of one key (1,056 bytes of payload alone)


def _child(server: LiveServer, timeout_s: float = 60) -> int:
    """The pid of the filler child of the (one) worker: the server process itself at --workers 1."""
    assert server.process is not None
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in children.read_text().split():
            if b"helpseek.web.fillers" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return int(pid)
        time.sleep(0.1)
    raise AssertionError("no filler child")


def _written(pid: int) -> int:
    """Bytes process `pid` has written (its sealed fillers)."""
    io = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return int(io["wchar"])


def _consent(server: LiveServer) -> None:
    response = httpx.post(
        server.url + "/start?lang=en", data={"instrument": "help_us_help_you"}, timeout=30
    )
    assert response.status_code == 200 and 'name="token"' in response.text


def _stored(server: LiveServer, research_key: ResearchKeypair) -> list[bytes]:
    """Every stored record, opened with the research key."""
    store = open_store(f"sqlite:///{server.database}")
    try:
        return [unseal_record(r.sealed, research_key.identity) for r in store.iter_records()]
    finally:
        store.close()


@pytest.fixture()
def server(tmp_path: Path, research_key: ResearchKeypair) -> LiveServer:
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    return LiveServer(tmp_path, key, ("help_us_help_you",))


def test_consent__fillers_from_the_childs_pool__each_opens_to_the_filler(
    server: LiveServer, research_key: ResearchKeypair
) -> None:
    # Given a server whose filler child runs at the lowest priority, with no secret in its
    # environment, and has filled its pool (it waits to write more)
    server.start()
    try:
        child = _child(server)
        assert os.sched_getscheduler(child) == os.SCHED_IDLE
        environment = Path(f"/proc/{child}/environ").read_bytes()
        assert b"sqlite" not in environment and b"secret" not in environment
        deadline = time.monotonic() + 120
        while "pipe_write" not in Path(f"/proc/{child}/wchan").read_text():
            assert time.monotonic() < deadline, "the child never filled its pool"
            time.sleep(0.2)
        # When a respondent consents, twice
        _consent(server)
        _consent(server)
    finally:
        server.stop()
    # Then the fillers came from the pool, none sealed inline
    assert (
        server.log.read_text().count(f"fillers: {2 * RECORDS} sealed ahead, 0 sealed inline") == 1
    )
    # And the store holds the two responses' fillers, each the filler sealed to the research key
    assert _stored(server, research_key) == [FILLER_JSON] * (2 * RECORDS)


def test_child_killed__the_consent_seals_its_fillers_inline(
    server: LiveServer, research_key: ResearchKeypair
) -> None:
    # Given a server whose filler child was killed (stopped first, to count what it wrote)
    server.start()
    try:
        child = _child(server)
        os.kill(child, signal.SIGSTOP)
        pooled_at_most = _written(child) // FRAME_BYTES
        os.kill(child, signal.SIGKILL)
        # When respondents consent, more than the fillers it left in the pool
        consents = pooled_at_most // RECORDS + 2
        for _ in range(consents):
            _consent(server)
    finally:
        server.stop()
    # Then every consent stored its fillers, those the pool lacked sealed inline
    line = next(x for x in server.log.read_text().splitlines() if "fillers:" in x)
    pooled, inline = (int(word) for word in line.split() if word.isdigit())
    assert pooled + inline == consents * RECORDS and inline >= RECORDS
    # And each opens with the research key to the filler, as many as before
    assert _stored(server, research_key) == [FILLER_JSON] * (consents * RECORDS)


def test_pool__stopped__seals_inline(research_key: ResearchKeypair) -> None:
    # Given a pool that was started and stopped (its child gone)
    pool = FillerPool(Recipients((research_key.public_key,)))
    pool.start()
    pool.stop()
    # When a consent takes its fillers
    sealed = pool.take(RECORDS)
    # Then they are sealed inline, each its own seal of the filler (no two alike)
    assert (pool.pooled, pool.inline) == (0, RECORDS)
    assert len({s.data for s in sealed}) == RECORDS
    assert [unseal_record(s, research_key.identity) for s in sealed] == [FILLER_JSON] * RECORDS
